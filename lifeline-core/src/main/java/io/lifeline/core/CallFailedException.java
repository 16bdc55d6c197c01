package io.lifeline.core;

/**
 * A guarded operation threw a checked exception that is not an availability problem (the caller's
 * error, or a failure classified as not retriable). The original exception is the cause, unchanged,
 * so callers can still inspect it (e.g. a {@code SQLException}'s SQLState). Unchecked exceptions are
 * never wrapped: they propagate as they were thrown.
 */
public final class CallFailedException extends LifelineException {
  private static final long serialVersionUID = 1L;

  public CallFailedException(String service, Throwable cause) {
    super("'" + Urls.sanitize(service) + "': call failed: " + Secrets.describe(cause), cause);
  }
}
