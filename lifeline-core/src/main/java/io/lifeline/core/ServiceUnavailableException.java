package io.lifeline.core;

import io.lifeline.core.internal.Durations;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A dependency could not serve the call: it is down, its circuit breaker is open, or retries were
 * exhausted. Carries the service name, a short reason and, when known, a hint of when trying again
 * makes sense. The message never contains a secret: the service name and the cause's summary are
 * sanitized. The driver's error, if any, is kept unchanged as the cause so callers can inspect it
 * (SQLState, error codes); its own message is the driver's, so log this exception's message, or
 * {@link Secrets#describe(Throwable)} of the cause, rather than the raw cause chain.
 */
public class ServiceUnavailableException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final String service;
  private final String reason;
  private final transient Duration retryAfter;
  /**
   * Built on first read, not in the constructor: sanitizing the cause runs the redaction patterns,
   * which on a loaded machine (and cold, since outages are rare) cost milliseconds, and the
   * exception is made on the path that releases every waiting caller when a dependency is found
   * down. Most of those callers never read the message. Pure function of final fields, so a race
   * only builds it twice.
   */
  private transient volatile String message;

  public ServiceUnavailableException(String service, String reason, Throwable cause) {
    this(service, reason, cause, null, true);
  }

  public ServiceUnavailableException(
      String service, String reason, Throwable cause, Duration retryAfter) {
    this(service, reason, cause, retryAfter, true);
  }

  protected ServiceUnavailableException(
      String service, String reason, Throwable cause, Duration retryAfter, boolean stackTrace) {
    super(null, cause, stackTrace);
    this.service = Objects.requireNonNull(service, "service");
    this.reason = Objects.requireNonNull(reason, "reason");
    this.retryAfter = retryAfter;
  }

  private static String message(String service, String reason, Throwable cause, Duration retryAfter) {
    StringBuilder sb = new StringBuilder(96);
    sb.append('\'').append(Urls.sanitize(service)).append("' unavailable: ").append(reason);
    if (cause != null) {
      sb.append(" (cause: ").append(Secrets.describe(cause)).append(')');
    }
    if (retryAfter != null) {
      sb.append("; retry in ").append(Durations.format(retryAfter));
    }
    return sb.toString();
  }

  /** Name of the service, as given to the {@link Guard} or manager. */
  /** {@code 'service' unavailable: reason (cause: sanitized summary); retry in …}. */
  @Override
  public String getMessage() {
    String m = message;
    if (m == null) {
      m = message(service, reason, getCause(), retryAfter);
      message = m;
    }
    return m;
  }

  public String service() {
    return service;
  }

  /** Short reason, without the cause. */
  public String reason() {
    return reason;
  }

  /** When it is worth trying again, if known (breaker open time left, {@code Retry-After}). */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
