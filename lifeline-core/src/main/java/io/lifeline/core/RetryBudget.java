package io.lifeline.core;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Caps retries to a share of recent calls, so that a total outage cannot multiply the load on a
 * dependency by {@code maxRetries + 1}.
 *
 * <p>Over a sliding window (default 10 s, in 10 buckets), a retry is allowed only while
 *
 * <pre>{@code retries in window < floor(ratio * calls in window) + minPerSecond * windowSeconds}</pre>
 *
 * <p>So with the defaults (ratio 0.2, 10 per second, 10 s window) 10 000 failing calls in a window
 * cause at most 2 000 + 100 retries, i.e. at most 12 100 attempts instead of 60 000. The per-second
 * floor lets a quiet service (a few calls a minute) still retry.
 *
 * <p>A budget can be shared by several {@link Guard}s that call the same dependency.
 *
 * <p><b>The success path does not read the clock.</b> {@link #recordCall()} counts into the bucket
 * of the <em>current epoch</em>, a volatile field that the failure path ({@link #tryAcquireRetry()})
 * and the diagnostic readers move forward from the ticker. While a dependency is failing, every
 * failed call moves it, so the window is exact; after a long healthy stretch the first failure finds
 * the calls of that stretch in an old bucket outside the window and does not credit them, so the
 * budget starts an outage conservatively (the floor, then the ratio of the failing calls themselves).
 * That trade saves a {@code System.nanoTime()} on every successful call.
 *
 * <p><b>Implementation.</b> Lock-free and allocation-free. Each bucket is one {@code long} packing
 * the bucket's epoch (its index in time, 24 bits) with a count (40 bits), so that moving a bucket to
 * a new epoch and counting in it is one CAS: no count is ever lost to a reset race. Calls are counted
 * in a few cache-line-padded stripes chosen by thread, so the success path of concurrent callers does
 * not contend on one line; retries (the failure path) use one row. A retry increments first and
 * checks after, and takes its increment back when it went over, so concurrent retries can never
 * exceed the budget.
 *
 * <p>Thread-safe.
 */
public final class RetryBudget {
  static final int BUCKETS = 10;
  private static final int STRIPES = 4; // power of two
  private static final int PAD = 8; // longs per cache line
  private static final int ROW = BUCKETS + PAD; // stripe stride, keeps stripes on separate lines
  private static final int EPOCH_BITS = 24;
  private static final int COUNT_BITS = 64 - EPOCH_BITS;
  private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
  private static final long EPOCH_MASK = (1L << EPOCH_BITS) - 1;

  private static final RetryBudget UNLIMITED = new RetryBudget();

  private final boolean unlimited;
  private final double ratio;
  private final long floor;
  private final long bucketNanos;
  private final Ticker ticker;
  private final AtomicLongArray calls;
  private final AtomicLongArray retries;
  /** The epoch calls are counted in; moved forward (never back) by readers of the ticker. */
  private volatile long currentEpoch;

  private RetryBudget() {
    unlimited = true;
    ratio = 0;
    floor = 0;
    bucketNanos = 1;
    ticker = Ticker.system();
    calls = null;
    retries = null;
  }

  private RetryBudget(double ratio, int minPerSecond, Duration window, Ticker ticker) {
    this.unlimited = false;
    this.ratio = ratio;
    long windowNanos = window.toNanos();
    this.floor = (long) minPerSecond * Math.max(1, window.toSeconds());
    this.bucketNanos = Math.max(1, windowNanos / BUCKETS);
    this.ticker = ticker;
    this.calls = new AtomicLongArray(PAD + STRIPES * ROW);
    this.retries = new AtomicLongArray(PAD + ROW);
    this.currentEpoch = Math.floorDiv(ticker.read(), bucketNanos);
  }

  /** Reads the ticker and moves {@link #currentEpoch} forward to it; returns the epoch now. */
  private long advance() {
    long epoch = Math.floorDiv(ticker.read(), bucketNanos);
    if (epoch > currentEpoch) {
      currentEpoch = epoch; // racing writers store nearly the same value; never moves far back
    }
    return epoch;
  }

  /** The budget described by {@code config}'s {@code retryBudget*} settings. */
  public static RetryBudget of(RetryConfig config) {
    return of(config.retryBudgetRatio(), config.retryBudgetMinPerSecond(), config.retryBudgetWindow(),
        Ticker.system());
  }

  /**
   * A budget allowing retries up to {@code ratio} of calls plus {@code minPerSecond} per second of
   * {@code window}.
   */
  public static RetryBudget of(double ratio, int minPerSecond, Duration window, Ticker ticker) {
    RetryConfig.builder().retryBudgetRatio(ratio).retryBudgetMinPerSecond(minPerSecond)
        .retryBudgetWindow(window).build(); // validates with the usual messages
    return new RetryBudget(ratio, minPerSecond, window, java.util.Objects.requireNonNull(ticker, "ticker"));
  }

  /** A budget that never refuses a retry (only {@code maxRetries} limits). */
  public static RetryBudget unlimited() {
    return UNLIMITED;
  }

  /** Records a call (a first attempt). Called on every guarded call, success or not. */
  public void recordCall() {
    if (unlimited) {
      return;
    }
    long epoch = currentEpoch;
    int stripe = (int) (Thread.currentThread().getId() & (STRIPES - 1)); // ids are sequential: neighbours differ
    increment(calls, PAD + stripe * ROW + (int) Math.floorMod(epoch, (long) BUCKETS), epoch & EPOCH_MASK);
  }

  /**
   * Takes one retry from the budget if it has room; returns whether the retry may go ahead. A
   * {@code true} is final: the retry has been counted.
   */
  public boolean tryAcquireRetry() {
    if (unlimited) {
      return true;
    }
    long epoch = advance();
    long allowed = allowed(epoch);
    int index = PAD + (int) Math.floorMod(epoch, (long) BUCKETS);
    long tag = epoch & EPOCH_MASK;
    if (sum(retries, PAD, epoch) >= allowed) {
      return false;
    }
    increment(retries, index, tag);
    if (sum(retries, PAD, epoch) > allowed) {
      decrement(retries, index, tag);
      return false;
    }
    return true;
  }

  /** Calls counted in the current window. */
  public long callsInWindow() {
    if (unlimited) {
      return 0;
    }
    return calls(advance());
  }

  /** Retries granted in the current window. */
  public long retriesInWindow() {
    return unlimited ? 0 : sum(retries, PAD, advance());
  }

  /** Retries the budget would still grant now. {@link Long#MAX_VALUE} when unlimited. */
  public long remaining() {
    if (unlimited) {
      return Long.MAX_VALUE;
    }
    long epoch = advance();
    return Math.max(0, allowed(epoch) - sum(retries, PAD, epoch));
  }

  /** True for {@link #unlimited()}. */
  public boolean isUnlimited() {
    return unlimited;
  }

  private long allowed(long epoch) {
    return (long) (ratio * calls(epoch)) + floor;
  }

  /** Calls in the window ending at {@code epoch}, over all stripes. */
  private long calls(long epoch) {
    long c = 0;
    for (int s = 0; s < STRIPES; s++) {
      c += sum(calls, PAD + s * ROW, epoch);
    }
    return c;
  }

  /** Sum of the buckets of one row whose epoch lies in the window ending at {@code epoch}. */
  private static long sum(AtomicLongArray a, int base, long epoch) {
    long total = 0;
    for (int i = 0; i < BUCKETS; i++) {
      long v = a.get(base + i);
      long age = (epoch - (v >>> COUNT_BITS)) & EPOCH_MASK;
      if (age < BUCKETS) {
        total += v & COUNT_MASK;
      }
    }
    return total;
  }

  private static void increment(AtomicLongArray a, int index, long tag) {
    for (;;) {
      long v = a.get(index);
      long have = v >>> COUNT_BITS;
      if (have != tag && (v & COUNT_MASK) != 0 && ((have - tag) & EPOCH_MASK) < BUCKETS) {
        return; // a newer epoch of this window owns the bucket (we read a stale epoch): drop, conservatively
      }
      long next = have == tag
          ? ((v & COUNT_MASK) == COUNT_MASK ? v : v + 1)
          : (tag << COUNT_BITS) | 1L;
      if (a.compareAndSet(index, v, next)) {
        return;
      }
    }
  }

  private static void decrement(AtomicLongArray a, int index, long tag) {
    for (;;) {
      long v = a.get(index);
      if ((v >>> COUNT_BITS) != tag || (v & COUNT_MASK) == 0) {
        return; // bucket moved on: its count is gone anyway
      }
      if (a.compareAndSet(index, v, v - 1)) {
        return;
      }
    }
  }

  @Override
  public String toString() {
    return unlimited
        ? "RetryBudget[unlimited]"
        : "RetryBudget[ratio=" + ratio + ", floor=" + floor + ", calls=" + callsInWindow()
            + ", retries=" + retriesInWindow() + "]";
  }
}
