package io.lifeline.core.internal;

import io.lifeline.core.Ticker;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * A {@link BagConnectionPool}'s leak detection (HikariCP's {@code leakDetectionThreshold}): a lease
 * held longer than the threshold is logged once at WARN with the stack trace of the thread that
 * acquired it, and counted. Exists only when the threshold is set; with it off the pool's acquire
 * and release pay one null check and nothing else.
 *
 * <p>When on, each lend-out records the time and a stack trace (one {@link Throwable} per acquire:
 * the price HikariCP pays too), and one task on Lifeline's shared scheduler scans the slots, at the
 * next moment a lease could cross the threshold ({@link #maintain(long)} returns that delay). No
 * task per lease, no thread of its own. Not API.
 */
final class LeakDetector {
  /** Shortest rescan delay, so a pool of many short leases does not spin the scheduler. */
  private static final long MIN_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final String pool;
  private final long thresholdNanos;
  private final Ticker ticker;
  private final PoolEntry<?>[] entries;
  private final ScheduledExecutorService scheduler;
  private final Logger log;
  private volatile long detected;
  private volatile ScheduledFuture<?> next;
  private volatile boolean stopped;

  LeakDetector(String pool, Duration threshold, Ticker ticker, PoolEntry<?>[] entries,
      ScheduledExecutorService scheduler, Logger log) {
    this.pool = pool;
    this.thresholdNanos = threshold.toNanos();
    this.ticker = ticker;
    this.entries = entries;
    this.scheduler = scheduler;
    this.log = log;
    schedule(thresholdNanos);
  }

  /** Where and by whom a lease was acquired; the stack trace is the point. */
  static final class AcquiredHere extends Exception {
    private static final long serialVersionUID = 1L;

    AcquiredHere(String thread) {
      super("lease acquired here, by thread '" + thread + "'");
    }
  }

  /** The acquirer now holds {@code e}: start its clock. */
  void lent(PoolEntry<?> e) {
    e.leakReported = false;
    e.lentAt = ticker.read();
    e.lentBy = new AcquiredHere(Thread.currentThread().getName()); // volatile write publishes both
  }

  /** {@code e} is being released. */
  void returned(PoolEntry<?> e) {
    if (e.lentBy == null) {
      return;
    }
    e.lentBy = null;
    if (e.leakReported) {
      log.info("pool '{}': the lease reported as leaked was returned after {}", pool,
          Durations.format(Duration.ofNanos(Math.max(0, ticker.read() - e.lentAt))));
    }
  }

  /** Leases found held longer than the threshold so far. */
  long detected() {
    return detected;
  }

  /**
   * Reports every lease held longer than the threshold and not reported yet; returns the nanos until
   * the next one could cross it. Runs on one thread at a time (the scheduler's task, or a test).
   */
  long maintain(long now) {
    long delay = thresholdNanos;
    for (PoolEntry<?> e : entries) {
      Throwable by = e.lentBy;
      if (by == null || e.leakReported || e.state() != PoolEntry.IN_USE) {
        continue;
      }
      long held = now - e.lentAt;
      if (held < thresholdNanos) {
        delay = Math.min(delay, thresholdNanos - held);
        continue;
      }
      e.leakReported = true;
      detected = detected + 1; // one writer
      log.warn("pool '{}': a lease has been held for {}, longer than leakDetectionThreshold ({});"
          + " possible leak (a lease not closed)", pool, Durations.format(Duration.ofNanos(held)),
          Durations.format(Duration.ofNanos(thresholdNanos)), by);
    }
    return Math.max(delay, MIN_DELAY_NANOS);
  }

  private void schedule(long delayNanos) {
    if (stopped) {
      return;
    }
    next = scheduler.schedule(this::run, delayNanos, TimeUnit.NANOSECONDS);
  }

  private void run() {
    long delay;
    try {
      delay = maintain(ticker.read());
    } catch (RuntimeException e) { // a failing logger must not end leak detection
      delay = thresholdNanos;
    }
    schedule(delay);
  }

  /** The pool closed. */
  void stop() {
    stopped = true;
    ScheduledFuture<?> f = next;
    if (f != null) {
      f.cancel(false);
    }
  }
}
