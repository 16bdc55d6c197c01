package io.lifeline.http;

import io.lifeline.core.health.CheckResult;
import io.lifeline.http.internal.StatusText;
import java.net.http.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.Map;

/** The health-check verdict on a non-2xx answer, worded the same by every HTTP check. */
final class NotSuccess {
  private NotSuccess() {}

  /**
   * DOWN, saying what {@code request} was answered: {@code GET / answered 503 Service Unavailable},
   * or for a 3xx {@code … answered 302 Found, redirects are not followed, Location: …} (sanitized).
   * Details: {@code status}, and {@code location} when a 3xx named one.
   */
  static CheckResult check(String request, int status, HttpHeaders headers) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("status", status);
    String why;
    if (status >= 300 && status < 400) {
      String location = StatusText.safeLocation(headers.firstValue("Location").orElse(null));
      if (location != null) {
        details.put("location", location);
      }
      why = request + " " + StatusText.redirect(status, location);
    } else {
      why = request + " answered " + StatusText.of(status);
    }
    return new CheckResult(CheckResult.Outcome.DOWN, null, why, details);
  }
}
