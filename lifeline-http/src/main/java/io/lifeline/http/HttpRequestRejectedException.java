package io.lifeline.http;

import io.lifeline.core.LifelineException;
import io.lifeline.core.Urls;

/**
 * The service refused the request as the caller's error (a 4xx other than 408 and 429: bad input,
 * not found, unauthorized). Thrown by the typed clients such as {@link GraphitiConnectionManager}
 * and by {@link HttpServiceConnectionManager#requireSuccess(HttpResult)}; never retried and never
 * counted against the circuit breaker. The message names service, method, path and status.
 */
public final class HttpRequestRejectedException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final int statusCode;
  private final transient HttpResult result;

  HttpRequestRejectedException(HttpResult result) {
    super("'" + Urls.sanitize(result.service()) + "' " + result.method() + " "
        + Urls.sanitize(result.path()) + " rejected with status " + result.statusCode());
    this.statusCode = result.statusCode();
    this.result = result;
  }

  /** The status code. */
  public int statusCode() {
    return statusCode;
  }

  /** The full response, e.g. to read the server's {@code detail}. */
  public HttpResult result() {
    return result;
  }
}
