package io.lifeline.http;

import io.lifeline.core.LifelineException;
import io.lifeline.core.Urls;

/**
 * The service answered, but the response cannot be used: the body is not the JSON expected, or it is
 * larger than {@code maxResponseBytes}. Not retried (the same request would get the same answer) and
 * not counted against the circuit breaker. The message names the service, method, path and status,
 * and says what is wrong; it never contains the body.
 */
public final class InvalidResponseException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final String service;
  private final int statusCode;

  public InvalidResponseException(String service, String method, String path, int statusCode, String reason) {
    super("'" + Urls.sanitize(service) + "' " + method + " " + Urls.sanitize(path)
        + (statusCode > 0 ? " (status " + statusCode + ")" : "") + ": invalid response: " + reason);
    this.service = service;
    this.statusCode = statusCode;
  }

  /** The service name. */
  public String service() {
    return service;
  }

  /** The status of the response, or 0 if the body was refused before the status was known. */
  public int statusCode() {
    return statusCode;
  }
}
