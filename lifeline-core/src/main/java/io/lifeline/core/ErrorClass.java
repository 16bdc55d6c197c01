package io.lifeline.core;

/** How a {@link Guard} treats a failure. */
public enum ErrorClass {
  /** Transient (I/O, timeout, unavailable): counts against the breaker and may be retried. */
  RETRIABLE,
  /** The dependency is unhealthy but retrying cannot help now: counts against the breaker, no retry. */
  FAILURE,
  /**
   * The caller's error (invalid input, syntax, constraint, authentication): not retried and does not
   * trip the breaker, because the dependency is answering.
   */
  CALLER_ERROR
}
