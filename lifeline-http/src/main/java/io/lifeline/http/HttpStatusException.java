package io.lifeline.http;

import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.Urls;
import io.lifeline.http.internal.StatusText;
import java.time.Duration;

/**
 * The service answered with a status that says it cannot serve now: 5xx, 429 (too many requests) or
 * 408 (request timeout). Counts against the circuit breaker. Thrown directly when the call could not
 * be retried (a non-idempotent request without idempotency key, or a status that is not retried such
 * as 500), and as the cause of {@link io.lifeline.core.RetriesExhaustedException} when retries ran
 * out. {@link #retryAfter()} carries the server's {@code Retry-After}, when it sent one; a {@code
 * Retry-After} longer than {@code maxDelay} ends the call at once with this exception (the server
 * said it will not be ready within our bound), and the message says so. The message names the
 * service, method, path and status with its reason phrase, never the body.
 */
public final class HttpStatusException extends ServiceUnavailableException {
  private static final long serialVersionUID = 1L;

  private final int statusCode;
  private final String method;
  private final String path;
  private final transient HttpResult result;
  private final transient boolean retryAllowed;

  HttpStatusException(HttpResult result, Duration retryAfter, boolean retryAllowed) {
    this(result, retryAfter, retryAllowed, null);
  }

  /** With {@code note} (why it was not retried, say) after the status; may be null. */
  HttpStatusException(HttpResult result, Duration retryAfter, boolean retryAllowed, String note) {
    super(result.service(), result.method() + " " + Urls.sanitize(result.path()) + " answered "
        + StatusText.of(result.statusCode()) + (note == null ? "" : "; " + note), null, retryAfter, false);
    this.statusCode = result.statusCode();
    this.method = result.method();
    this.path = result.path();
    this.result = result;
    this.retryAllowed = retryAllowed;
  }

  /** The status code. */
  public int statusCode() {
    return statusCode;
  }

  /** The request method. */
  public String method() {
    return method;
  }

  /** The request path. */
  public String path() {
    return path;
  }

  /** The full response (body included), e.g. to read an error document. */
  public HttpResult result() {
    return result;
  }

  boolean retryAllowed() {
    return retryAllowed;
  }
}
