package io.lifeline.core.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lifeline's shared background threads: a small scheduler for async retries and timeouts, and a
 * small executor for delivering listener events off the caller's thread. Both are daemon, named
 * {@code lifeline-*}, and let idle threads die, so an idle process keeps none of them alive.
 * Not API.
 */
public final class LifelineThreads {
  private LifelineThreads() {}

  private static final class SchedulerHolder {
    static final ScheduledExecutorService SCHEDULER = newScheduler();
  }

  private static final class RetriesHolder {
    static final Executor RETRIES = newPool("lifeline-retry-");
  }

  private static final class EventsHolder {
    static final Executor EVENTS = newEventExecutor();
  }

  /** Shared scheduler for async retries and timeouts. Never blocks in its tasks. */
  public static ScheduledExecutorService scheduler() {
    return SchedulerHolder.SCHEDULER;
  }

  /**
   * Shared executor on which async retries call their suppliers (at most 4 threads, idle ones die),
   * so the scheduler thread only keeps time and never runs user code.
   */
  public static Executor retries() {
    return RetriesHolder.RETRIES;
  }

  /**
   * Shared executor for listener events. At most 4 threads; the queue is bounded by the number of
   * event sources, because each source submits at most one drain task at a time.
   */
  public static Executor events() {
    return EventsHolder.EVENTS;
  }

  private static ScheduledExecutorService newScheduler() {
    ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, factory("lifeline-scheduler-"));
    s.setRemoveOnCancelPolicy(true); // cancelled retries do not linger in the queue
    s.setKeepAliveTime(10, TimeUnit.SECONDS);
    s.allowCoreThreadTimeOut(true);
    return s;
  }

  private static Executor newEventExecutor() {
    return newPool("lifeline-events-");
  }

  private static Executor newPool(String prefix) {
    ThreadPoolExecutor e = new ThreadPoolExecutor(4, 4, 10, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), factory(prefix));
    e.allowCoreThreadTimeOut(true);
    return e;
  }

  /** A factory of daemon threads named {@code prefix + n}. */
  public static ThreadFactory factory(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
