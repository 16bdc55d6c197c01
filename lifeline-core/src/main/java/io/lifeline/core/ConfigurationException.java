package io.lifeline.core;

import java.util.List;
import java.util.Objects;

/**
 * One or more configuration values are missing, unparsable or out of range. Thrown at build/startup
 * time, never later, by every entry point of every Lifeline configuration (builder methods,
 * environment and {@code Map} loaders): no other exception type escapes them.
 *
 * <p>Each {@link Problem} names the key <em>as the user spelled it</em> (the environment variable
 * such as {@code GRAPHITI_API_KEY_HEADER} when the value came from the environment or a map, the
 * builder method such as {@code apiKeyHeader} when it was set in code), the value as given and what
 * is allowed, for example {@code maxRetries=-1: must be between 0 and 1000}. All problems of one
 * configuration are reported together, one line per problem in the message.
 *
 * <p>Secrets never appear: values of secret keys (see {@link Secrets#isSecretKey(String)}) are shown
 * as {@code ****}, other values are passed through {@link Urls#sanitize(String)} (so a password in
 * a URL's user info is masked), and a cause is never chained as is, because drivers and {@code
 * java.net.URI} echo the raw input in their messages: it is replaced by a {@link SanitizedCause}
 * carrying its class name, its sanitized message and its stack trace.
 *
 * <p>Immutable and thread-safe.
 */
public final class ConfigurationException extends LifelineException {
  private static final long serialVersionUID = 1L;

  /**
   * One rejected value.
   *
   * @param key the key as the user wrote it (environment variable or builder method)
   * @param value the value as given, already sanitized ({@code ****} for a secret key)
   * @param allowed what would have been accepted, e.g. {@code must be between 1 and 65535}
   */
  public record Problem(String key, String value, String allowed) {
    public Problem {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(allowed, "allowed");
    }

    /**
     * A problem whose {@code value} is shown sanitized: masked entirely when {@code key} is a secret
     * key, else with URL credentials and secret parameters masked.
     */
    public static Problem of(String key, Object value, String allowed) {
      return new Problem(key, shown(key, value), allowed);
    }

    /**
     * A problem whose key looks secret by name but whose value is not (e.g. {@code
     * GRAPHITI_API_KEY_HEADER} holds a header name): the value is shown, still URL-sanitized.
     */
    public static Problem ofPublic(String key, Object value, String allowed) {
      return new Problem(key, printable(Urls.sanitize(String.valueOf(value))), allowed);
    }

    @Override
    public String toString() {
      return key + "=" + value + ": " + allowed;
    }
  }

  private final List<Problem> problems;

  public ConfigurationException(String key, Object value, String allowed) {
    this(List.of(Problem.of(key, value, allowed)), null);
  }

  /**
   * As {@link #ConfigurationException(String, Object, String)}; {@code cause} is kept only as a
   * {@link SanitizedCause} (its message sanitized, or dropped for a secret key).
   */
  public ConfigurationException(String key, Object value, String allowed, Throwable cause) {
    this(List.of(Problem.of(key, value, allowed)), summarize(key, value, cause));
  }

  /** All problems of one configuration; {@code problems} must not be empty. */
  public ConfigurationException(List<Problem> problems) {
    this(List.copyOf(problems), null);
  }

  private ConfigurationException(List<Problem> problems, Throwable cause) {
    super(format(problems), cause);
    this.problems = problems;
  }

  private static String format(List<Problem> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("no problems");
    }
    StringBuilder sb = new StringBuilder();
    for (Problem p : problems) {
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(p);
    }
    return sb.toString();
  }

  /** Longest value shown; longer ones are cut (a value is shown to be recognized, not copied). */
  private static final int MAX_SHOWN = 200;

  static String shown(String key, Object value) {
    if (Secrets.isSecretKey(key)) {
      return value == null ? "null" : Secrets.MASK;
    }
    return printable(Urls.sanitize(String.valueOf(value)));
  }

  /**
   * Control characters escaped ({@code \u0000}, {@code \n}), so a value can neither break the
   * one-line-per-problem layout nor forge a line; cut at {@value #MAX_SHOWN} characters.
   */
  private static String printable(String s) {
    StringBuilder sb = null;
    int n = Math.min(s.length(), MAX_SHOWN);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      boolean control = Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
      if (control && sb == null) {
        sb = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (control) {
        sb.append(String.format(java.util.Locale.ROOT, "\\u%04X", (int) c));
      } else if (sb != null) {
        sb.append(c);
      }
    }
    String out = sb == null ? s.substring(0, n) : sb.toString();
    return s.length() > MAX_SHOWN ? out + "...(" + s.length() + " characters)" : out;
  }

  private static Throwable summarize(String key, Object value, Throwable cause) {
    if (cause == null) {
      return null;
    }
    String message = cause.getMessage();
    if (message == null || Secrets.isSecretKey(key)) {
      message = "";
    } else {
      String raw = String.valueOf(value);
      if (!raw.isEmpty()) {
        message = message.replace(raw, shown(key, value));
      }
      message = Urls.sanitize(message);
    }
    SanitizedCause summary = new SanitizedCause(cause.getClass().getName(), message);
    summary.setStackTrace(cause.getStackTrace());
    return summary;
  }

  /** Every problem, in the order found; never empty. */
  public List<Problem> problems() {
    return problems;
  }

  /** The key of the first problem, e.g. {@code maxRetries} or {@code GRAPHITI_MAX_RETRIES}. */
  public String key() {
    return problems.get(0).key();
  }

  /** The first problem's value, sanitized like the message. */
  public String value() {
    return problems.get(0).value();
  }

  /** What would have been accepted for the first problem, e.g. {@code must be >= 0}. */
  public String allowed() {
    return problems.get(0).allowed();
  }

  /**
   * Stands in for the exception a parser or driver threw: its class name and sanitized message,
   * its stack trace, and no cause of its own (deeper causes may echo the raw input too).
   */
  public static final class SanitizedCause extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SanitizedCause(String type, String message) {
      super(message.isEmpty() ? type : type + ": " + message);
    }
  }
}
