package io.lifeline.http.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Parses {@code Retry-After}: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
public final class RetryAfter {
  private RetryAfter() {}

  /**
   * The delay {@code value} asks for, measured from {@code clock}'s now for a date (a date in the
   * past gives zero); null when absent or unparsable (then the backoff decides).
   */
  public static Duration parse(String value, Clock clock) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    if (v.isEmpty()) {
      return null;
    }
    if (Character.isDigit(v.charAt(0))) {
      for (int i = 0; i < v.length(); i++) {
        if (!Character.isDigit(v.charAt(i))) {
          return null;
        }
      }
      if (v.length() > 9) {
        return Duration.ofSeconds(999_999_999L); // absurd, the caller caps it at maxDelay
      }
      return Duration.ofSeconds(Long.parseLong(v));
    }
    try {
      ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
      Duration d = Duration.between(clock.instant(), at.toInstant());
      return d.isNegative() ? Duration.ZERO : d;
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
