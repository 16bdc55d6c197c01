package io.lifeline.http.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Locale;

/** Parses {@code Retry-After}: delay-seconds or an HTTP-date in any of its three forms (RFC 9110 §10.2.3). */
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
    Instant at = httpDate(v, clock);
    if (at == null) {
      return null;
    }
    Duration d = Duration.between(clock.instant(), at);
    return d.isNegative() ? Duration.ZERO : d;
  }

  /** asctime(): {@code Sun Nov  6 08:49:37 1994} (day padded with a space). */
  private static final DateTimeFormatter ASCTIME =
      DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(ZoneOffset.UTC);

  /**
   * An HTTP-date in any of the three forms recipients must accept (RFC 9110 §5.6.7): IMF-fixdate
   * ({@code Sun, 06 Nov 1994 08:49:37 GMT}), the obsolete RFC 850 form ({@code Sunday, 06-Nov-94
   * 08:49:37 GMT}, a two-digit year more than 50 years ahead being in the past) and asctime; null
   * when it is none of them.
   */
  static Instant httpDate(String v, Clock clock) {
    try {
      return ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException notImf) {
      // the obsolete forms below
    }
    int year = clock.instant().atZone(ZoneOffset.UTC).getYear();
    DateTimeFormatter rfc850 = new DateTimeFormatterBuilder().parseCaseInsensitive()
        .appendPattern("EEEE, dd-MMM-").appendValueReduced(ChronoField.YEAR, 2, 2, year - 49)
        .appendPattern(" HH:mm:ss 'GMT'").toFormatter(Locale.US).withZone(ZoneOffset.UTC);
    for (DateTimeFormatter f : new DateTimeFormatter[] {rfc850, ASCTIME}) {
      try {
        return ZonedDateTime.parse(v, f).toInstant();
      } catch (DateTimeParseException next) {
        // try the next form
      }
    }
    return null;
  }
}
