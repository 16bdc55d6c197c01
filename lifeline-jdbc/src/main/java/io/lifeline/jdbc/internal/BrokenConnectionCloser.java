package io.lifeline.jdbc.internal;

import io.lifeline.core.internal.LifelineThreads;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives lost connections back to the pool on its own thread, so that the caller that met the lost
 * connection returns at once. One thread, started with the manager (starting it at the first outage
 * would put a thread start on that caller's path); at most {@code capacity} closes wait — no more
 * connections than the pool holds can be lost at once — and beyond that the caller closes its own.
 * Not API.
 */
public final class BrokenConnectionCloser {
  private static final Logger LOG = LoggerFactory.getLogger(BrokenConnectionCloser.class);

  private final ThreadPoolExecutor executor;

  public BrokenConnectionCloser(String name, int capacity) {
    this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(Math.max(1, capacity)),
        LifelineThreads.factory("lifeline-db-" + name + "-closer-"),
        (task, full) -> task.run()); // queue full or shut down: the caller closes its own
    executor.prestartCoreThread();
  }

  /** Closes {@code c} (a pooled connection whose server side is gone) on the closer's thread. */
  public void close(Connection c) {
    executor.execute(() -> closeQuietly(c));
  }

  /** Number of closes waiting (for tests: the bound holds). */
  public int pending() {
    return executor.getQueue().size();
  }

  /** Capacity of the wait queue. */
  public int capacity() {
    return executor.getQueue().remainingCapacity() + executor.getQueue().size();
  }

  /** Closes what is queued, then stops the thread. */
  public void shutdown() {
    executor.shutdown();
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException | RuntimeException e) {
      LOG.debug("closing a lost connection failed (expected: its server is gone)", e);
    }
  }
}
