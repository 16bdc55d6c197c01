package io.lifeline.http;

import io.lifeline.core.LifelineException;
import io.lifeline.core.Urls;
import io.lifeline.http.internal.StatusText;
import java.util.Optional;

/**
 * The service answered with a redirect (3xx), and redirects are not followed: the base URL or path
 * is probably wrong (an {@code http} URL redirected to {@code https}, a proxy in front of the
 * service, a missing trailing slash). A configuration problem, not an outage: never retried and never
 * counted against the circuit breaker. Thrown by {@link
 * HttpServiceConnectionManager#requireSuccess(HttpResult)}, the typed clients such as {@link
 * GraphitiConnectionManager}, and {@link HttpServiceConnectionManager#connect()}; the health checks
 * report the same text. The message says what happened, e.g. {@code 'graphiti' POST /search answered
 * 307 Temporary Redirect, redirects are not followed, Location: /search/}. The {@code Location} is
 * shown sanitized: user-info passwords masked, query and fragment replaced by {@code …} (they may
 * carry tokens).
 */
public final class HttpRedirectException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final int statusCode;
  private final String location;
  private final transient HttpResult result;

  HttpRedirectException(HttpResult result) {
    this(result, StatusText.safeLocation(result.header("Location").orElse(null)));
  }

  private HttpRedirectException(HttpResult result, String location) {
    super("'" + Urls.sanitize(result.service()) + "' " + result.method() + " "
        + Urls.sanitize(result.path()) + " " + StatusText.redirect(result.statusCode(), location));
    this.statusCode = result.statusCode();
    this.location = location;
    this.result = result;
  }

  /** The status code (3xx). */
  public int statusCode() {
    return statusCode;
  }

  /** The {@code Location} the server named, sanitized (see the class documentation), if any. */
  public Optional<String> location() {
    return Optional.ofNullable(location);
  }

  /** The full response, as received. */
  public HttpResult result() {
    return result;
  }
}
