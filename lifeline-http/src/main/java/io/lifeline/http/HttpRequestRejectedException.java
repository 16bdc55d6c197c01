package io.lifeline.http;

import io.lifeline.core.LifelineException;
import io.lifeline.core.Urls;
import io.lifeline.http.internal.StatusText;

/**
 * The service refused the request as the caller's error (a 4xx other than 408 and 429: bad input,
 * not found, unauthorized). Thrown by the typed clients such as {@link GraphitiConnectionManager},
 * by {@link HttpServiceConnectionManager#requireSuccess(HttpResult)} and by {@link
 * HttpServiceConnectionManager#connect()} (a 4xx on the health path); never retried and never
 * counted against the circuit breaker. The message names service, method, path and status.
 */
public final class HttpRequestRejectedException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final int statusCode;
  private final transient HttpResult result;

  HttpRequestRejectedException(HttpResult result) {
    super("'" + Urls.sanitize(result.service()) + "' " + result.method() + " "
        + Urls.sanitize(result.path()) + " rejected with status " + StatusText.of(result.statusCode()));
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
