package io.lifeline.core.spi;

import io.lifeline.core.CallTimeoutException;
import io.lifeline.core.CircuitOpenException;
import io.lifeline.core.RetriesExhaustedException;
import io.lifeline.core.ServiceUnavailableException;

/** How a guarded call ended, as a bounded tag value ({@link #tag()}). */
public enum CallOutcome {
  /** The operation returned. */
  SUCCESS("success"),
  /** The dependency failed (retries exhausted, non-retriable failure, an {@code Error}). */
  FAILURE("failure"),
  /** The circuit breaker refused an attempt. */
  REJECTED_BY_BREAKER("rejected_by_breaker"),
  /** The retry budget refused a retry. */
  REJECTED_BY_BUDGET("rejected_by_budget"),
  /** The call deadline passed. */
  TIMEOUT("timeout"),
  /** The caller's own error (invalid input, interrupted): says nothing about the dependency. */
  CALLER_ERROR("caller_error"),
  /** A manager answered from its degraded path (fallback cache, journal) instead of the dependency. */
  FALLBACK("fallback");

  private static final CallOutcome[] VALUES = values();

  private final String tag;

  CallOutcome(String tag) {
    this.tag = tag;
  }

  /** The tag value, lower case. */
  public String tag() {
    return tag;
  }

  /** All values, shared (do not modify). */
  static CallOutcome[] all() {
    return VALUES;
  }

  /**
   * The outcome of a guarded call that threw {@code t}: the Guard's own exceptions name the
   * dependency's state, an {@link Error} is a failure (the client cannot work), anything else came
   * from the caller (its unchecked exceptions, {@code CallFailedException} for interrupts and
   * checked caller errors).
   */
  public static CallOutcome of(Throwable t) {
    if (t instanceof CircuitOpenException) {
      return REJECTED_BY_BREAKER;
    }
    if (t instanceof RetriesExhaustedException && ((RetriesExhaustedException) t).budgetExhausted()) {
      return REJECTED_BY_BUDGET;
    }
    if (t instanceof CallTimeoutException) {
      return TIMEOUT;
    }
    if (t instanceof ServiceUnavailableException || t instanceof Error) {
      return FAILURE;
    }
    return CALLER_ERROR;
  }
}
