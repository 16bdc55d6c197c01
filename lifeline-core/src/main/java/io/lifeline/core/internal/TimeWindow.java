package io.lifeline.core.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The outcomes of the last {@code seconds} whole seconds, as Resilience4j's time-based window: one
 * bucket per second, in a ring. Each bucket is two words, each updated by one CAS: {@code calls}
 * = {@code second tag (24 bits) | calls (40 bits)} and {@code problems} = {@code second tag |
 * failed (20 bits) | slow (20 bits)}. A call that finds a bucket tagged with an older second
 * restarts it in the same CAS, so no count is lost at a rollover. Counts per bucket saturate at
 * 2^40 calls and 2^20 - 1 failed or slow calls per second (beyond, the rate is computed from the
 * saturated counts).
 *
 * <p>The rates are a sum over the buckets of the window, so they are evaluated only when they can
 * have reached a threshold: when the call failed or was slow, or when it succeeded while a failed
 * or slow call is still inside the window (a success can complete {@code minimumNumberOfCalls}).
 * A success in a window with no problems is one CAS. The sum is not an atomic snapshot across
 * buckets (each bucket is read once, while other threads add): it may miss calls recorded during
 * the sum, never counts one twice. Not API.
 */
public final class TimeWindow extends SlidingWindow {
  /** Longest window in seconds. */
  public static final int MAX_SECONDS = 3_600;

  private static final int TAG_SHIFT = 40;
  private static final long TAG_MASK = (1L << 24) - 1;
  private static final long CALLS_MASK = (1L << 40) - 1;
  private static final long FIELD_MASK = (1L << 20) - 1;
  private static final int SLOW_SHIFT = 20;

  private final int seconds;
  private final long origin;
  /** bucket i: calls word at 2i, problems word at 2i + 1. */
  private final AtomicLongArray buckets;
  /** The last second (since origin) in which a failed or slow call was recorded; far past: none. */
  private final AtomicLong lastProblemSecond = new AtomicLong(Long.MIN_VALUE / 2);

  public TimeWindow(long generation, int seconds, int minimumNumberOfCalls, float failureRateThreshold,
      float slowCallRateThreshold, long originNanos) {
    super(generation, minimumNumberOfCalls, failureRateThreshold, slowCallRateThreshold);
    if (seconds < 1 || seconds > MAX_SECONDS) {
      throw new IllegalArgumentException("seconds " + seconds);
    }
    this.seconds = seconds;
    this.origin = originNanos;
    this.buckets = new AtomicLongArray(2 * seconds);
    // tag 0 with zero counts is "second 0, nothing yet": correct for the first bucket, and every
    // other bucket is first used at a later second, which restarts it
  }

  private long second(long nowNanos) {
    return Math.max(0, nowNanos - origin) / 1_000_000_000L;
  }

  @Override
  public boolean record(int outcome, long nowNanos) {
    long sec = second(nowNanos);
    int b = (int) (sec % seconds);
    long tag = sec & TAG_MASK;
    add(2 * b, tag, 1, CALLS_MASK);
    if (outcome != SUCCESS) {
      long delta = ((outcome & FAILED) != 0 ? 1 : 0) + ((outcome & SLOW) != 0 ? 1L << SLOW_SHIFT : 0);
      add(2 * b + 1, tag, delta, -1);
      for (long last = lastProblemSecond.get(); last < sec; last = lastProblemSecond.get()) {
        if (lastProblemSecond.compareAndSet(last, sec)) {
          break;
        }
      }
    } else if (lastProblemSecond.get() <= sec - seconds) {
      return false; // no failed or slow call in the window: the rates are 0
    }
    return sum(sec, true) != 0;
  }

  /** Adds {@code delta} to word {@code i} for second {@code tag}, restarting the word if it is older. */
  private void add(int i, long tag, long delta, long callsMask) {
    for (;;) {
      long w = buckets.get(i);
      long next;
      if ((w >>> TAG_SHIFT) == tag) {
        long counts = w & CALLS_MASK;
        if (callsMask == CALLS_MASK) {
          if (counts == CALLS_MASK) {
            return; // saturated
          }
        } else if ((delta & FIELD_MASK) != 0 && (counts & FIELD_MASK) == FIELD_MASK
            || (delta >>> SLOW_SHIFT) != 0 && ((counts >>> SLOW_SHIFT) & FIELD_MASK) == FIELD_MASK) {
          return; // saturated
        }
        next = w + delta;
      } else if (((tag - (w >>> TAG_SHIFT)) & TAG_MASK) > TAG_MASK / 2) {
        return; // the bucket already holds a later second: this call's second has left the window
      } else {
        next = tag << TAG_SHIFT | delta;
      }
      if (buckets.compareAndSet(i, w, next)) {
        return;
      }
    }
  }

  /**
   * Over the buckets of the window ending in second {@code sec}: with {@code evaluate}, 1 if the
   * rates reach a threshold (else 0); without, the counts packed by {@link #pack} (capped).
   */
  private long sum(long sec, boolean evaluate) {
    long total = 0;
    long failed = 0;
    long slow = 0;
    for (int b = 0; b < seconds; b++) {
      long calls = buckets.get(2 * b);
      if (inWindow(calls >>> TAG_SHIFT, sec)) {
        total += calls & CALLS_MASK;
      }
      long problems = buckets.get(2 * b + 1);
      if (inWindow(problems >>> TAG_SHIFT, sec)) {
        failed += problems & FIELD_MASK;
        slow += (problems >>> SLOW_SHIFT) & FIELD_MASK;
      }
    }
    if (evaluate) {
      return reached(total, failed, slow) ? 1 : 0;
    }
    long cap = (1L << 21) - 1;
    return pack(Math.min(total, cap), Math.min(failed, cap), Math.min(slow, cap));
  }

  private boolean inWindow(long tag, long sec) {
    return ((sec - tag) & TAG_MASK) < seconds;
  }

  @Override
  public long counts(long nowNanos) {
    return sum(second(nowNanos), false);
  }
}
