package io.lifeline.core;

import java.time.Duration;

/**
 * The call was rejected without touching the dependency because its circuit breaker is OPEN (or
 * HALF_OPEN with all probe permits taken). Cheap: no stack trace.
 */
public final class CircuitOpenException extends ServiceUnavailableException {
  private static final long serialVersionUID = 1L;

  private final CircuitBreaker.State state;

  public CircuitOpenException(String service, CircuitBreaker.State state, Duration retryIn, Throwable lastFailure) {
    super(service, "circuit breaker is " + state + reasonSuffix(state), lastFailure, retryIn, false);
    this.state = state;
  }

  private static String reasonSuffix(CircuitBreaker.State state) {
    return state == CircuitBreaker.State.HALF_OPEN ? " and all probe calls are in flight" : "";
  }

  /** The breaker state that caused the rejection: OPEN or HALF_OPEN. */
  public CircuitBreaker.State state() {
    return state;
  }
}
