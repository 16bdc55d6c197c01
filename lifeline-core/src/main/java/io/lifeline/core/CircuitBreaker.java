package io.lifeline.core;

/** Circuit breaker. (skeleton; implementation follows) */
public interface CircuitBreaker {
  /** Breaker states. */
  enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }
}
