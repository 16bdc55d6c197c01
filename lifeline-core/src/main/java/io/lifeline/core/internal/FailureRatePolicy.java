package io.lifeline.core.internal;

/**
 * The failure-rate settings of a breaker, validated by {@link io.lifeline.core.CircuitBreaker.Builder}.
 * {@code slowCallDurationNanos} is 0 when slow-call detection is off (then no call reads the clock
 * for it). Makes the {@link SlidingWindow} of each CLOSED period. Not API.
 */
public record FailureRatePolicy(
    boolean timeBased,
    int slidingWindowSize,
    int minimumNumberOfCalls,
    float failureRateThreshold,
    long slowCallDurationNanos,
    float slowCallRateThreshold) {

  /** A fresh, empty window for the CLOSED period of breaker generation {@code generation}. */
  SlidingWindow newWindow(long generation, long originNanos) {
    float slow = slowCallDurationNanos > 0 ? slowCallRateThreshold : 100.1f;
    return timeBased
        ? new TimeWindow(generation, slidingWindowSize, minimumNumberOfCalls, failureRateThreshold,
            slow, originNanos)
        : new CountWindow(generation, slidingWindowSize, minimumNumberOfCalls, failureRateThreshold,
            slow);
  }
}
