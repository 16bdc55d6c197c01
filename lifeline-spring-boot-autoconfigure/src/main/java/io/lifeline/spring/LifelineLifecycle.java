package io.lifeline.spring;

import io.lifeline.core.health.ConnectionHealthManager;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the health manager's checks before the application is ready and closes every Lifeline
 * component after the web server's graceful shutdown: its phase ({@value #PHASE}) is below the
 * web server's graceful-shutdown and stop phases, so it starts before them and stops after them.
 * Closing a database manager flushes and closes its journal; every Lifeline thread ends.
 */
public class LifelineLifecycle implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(LifelineLifecycle.class);
  /** Below WebServerGracefulShutdownLifecycle and WebServerStartStopLifecycle (DEFAULT_PHASE - 1024 / - 2048). */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private final ConnectionHealthManager health;
  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
  private volatile boolean running;

  public LifelineLifecycle(ConnectionHealthManager health) {
    this.health = health;
  }

  /** {@code c} is closed on stop, after everything registered later (reverse order). */
  public synchronized void closeOnStop(AutoCloseable c) {
    closeables.push(c);
  }

  @Override
  public synchronized void start() {
    if (!health.isRunning()) {
      health.start();
    }
    running = true;
  }

  @Override
  public synchronized void stop() {
    running = false;
    while (!closeables.isEmpty()) {
      AutoCloseable c = closeables.pop();
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing {} failed: {}", c, io.lifeline.core.Secrets.describe(e));
      }
    }
    health.close();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
