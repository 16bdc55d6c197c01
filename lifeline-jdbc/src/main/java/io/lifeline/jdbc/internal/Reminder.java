package io.lifeline.jdbc.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Rate limit for a repeated WARN about a condition that persists (an outage): {@link #due(long)}
 * answers {@code true} at most once per interval, counted from {@link #reset(long)}. Time is passed
 * in ({@link System#nanoTime()} terms), so it is tested without a clock. Thread-safe and lock-free:
 * when several threads ask at once, exactly one of them gets {@code true}. Not API.
 */
public final class Reminder {
  private final long intervalNanos;
  private final AtomicLong nextAt = new AtomicLong();

  /** @param intervalNanos least time between two {@code true} answers; must be positive */
  public Reminder(long intervalNanos) {
    if (intervalNanos <= 0) {
      throw new IllegalArgumentException("interval must be positive: " + intervalNanos);
    }
    this.intervalNanos = intervalNanos;
  }

  /** The condition started (and was just reported) at {@code nowNanos}: next reminder one interval later. */
  public void reset(long nowNanos) {
    nextAt.set(nowNanos + intervalNanos);
  }

  /** True, once, when an interval has passed since the last report. */
  public boolean due(long nowNanos) {
    long next = nextAt.get();
    return nowNanos - next >= 0 && nextAt.compareAndSet(next, nowNanos + intervalNanos);
  }
}
