package io.lifeline.core.internal;

/**
 * The outcomes a failure-rate {@link io.lifeline.core.CircuitBreaker} counts while CLOSED: one
 * instance per CLOSED period (tagged with the breaker generation it belongs to), so a call that
 * started before a transition can never write into the window of a later period. Lock-free, and
 * {@link #record} allocates nothing. Not API.
 */
public abstract class SlidingWindow {
  /** Outcome bit: the call failed. */
  public static final int FAILED = 1;
  /** Outcome bit: the call took at least the slow-call duration threshold. */
  public static final int SLOW = 2;
  /** Outcome of a successful call that was not slow. */
  public static final int SUCCESS = 0;

  final long generation;
  final int minimumNumberOfCalls;
  final float failureRateThreshold;
  /** 100.1 when slow-call detection is off: no slow rate reaches it. */
  final float slowCallRateThreshold;

  SlidingWindow(long generation, int minimumNumberOfCalls, float failureRateThreshold,
      float slowCallRateThreshold) {
    this.generation = generation;
    this.minimumNumberOfCalls = minimumNumberOfCalls;
    this.failureRateThreshold = failureRateThreshold;
    this.slowCallRateThreshold = slowCallRateThreshold;
  }

  /** The breaker generation (CLOSED period) this window counts for. */
  public final long generation() {
    return generation;
  }

  /**
   * Records one outcome ({@link #SUCCESS}, or {@link #FAILED} and/or {@link #SLOW}) at {@code
   * nowNanos} (breaker time) and answers whether the window's rates now reach a threshold, i.e.
   * whether the breaker must open.
   */
  public abstract boolean record(int outcome, long nowNanos);

  /** Calls, failed calls and slow calls in the window now, packed by {@link #pack}; for tests and {@code toString}. */
  public abstract long counts(long nowNanos);

  /** {@code total | failed << 21 | slow << 42}. */
  static long pack(long total, long failed, long slow) {
    return total | failed << 21 | slow << 42;
  }

  public static int total(long counts) {
    return (int) (counts & 0x1F_FFFF);
  }

  public static int failed(long counts) {
    return (int) ((counts >>> 21) & 0x1F_FFFF);
  }

  public static int slow(long counts) {
    return (int) ((counts >>> 42) & 0x1F_FFFF);
  }

  /** Resilience4j's rule: rates count once {@code minimumNumberOfCalls} calls are in; {@code >=} trips. */
  final boolean reached(long total, long failed, long slow) {
    if (total < minimumNumberOfCalls || total == 0) {
      return false;
    }
    return failed * 100f / total >= failureRateThreshold || slow * 100f / total >= slowCallRateThreshold;
  }
}
