package io.lifeline.core;

import io.lifeline.core.ConfigurationException.Problem;
import io.lifeline.core.internal.Durations;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The one validation vocabulary of every Lifeline configuration: durations with bounds, counts,
 * ports, hosts, URIs, paths and required values. Each check records a {@link Problem} instead of
 * throwing, so that {@link #throwIfAny()} reports every problem of a configuration in one {@link
 * ConfigurationException}. Checks never throw anything else, whatever the input: durations are
 * compared, never converted ({@code toNanos}/{@code toMillis} overflow on huge values), and parser
 * exceptions are not chained (their messages echo the raw input, which may hold a password).
 *
 * <p>Checks take the <em>field</em> (the builder method's name) and name the key through the
 * function given at construction, usually {@link ConfigKeys#key(String)}, so that a value bound from
 * the environment is reported under its environment variable. Each check returns the value (or the
 * normalized value) when valid, else {@code null} (or the input), so callers can go on checking.
 *
 * <p>Not thread-safe: one instance per {@code build()} call.
 */
public final class Validation {
  /** Highest TCP port. */
  public static final int MAX_PORT = 65_535;
  /** Longest DNS name. */
  private static final int MAX_HOST_LENGTH = 253;

  /** What a host may be; shared by every URI check so all configs say the same. */
  public static final String HOST_RULE =
      "the host must be a DNS name or IP address (ASCII letters, digits, '.', '-', '_'; IPv6 in "
          + "[brackets]; internationalized names in their xn-- form)";

  private final UnaryOperator<String> keyOf;
  private final List<Problem> problems = new ArrayList<>();
  private final Set<String> publicFields = new HashSet<>();

  /** Names keys through {@code keyOf} (field → the key the user wrote). */
  public Validation(UnaryOperator<String> keyOf) {
    this.keyOf = keyOf;
  }

  /** Names keys by their field names. */
  public static Validation byField() {
    return new Validation(UnaryOperator.identity());
  }

  /** The key the user wrote for {@code field}. */
  public String key(String field) {
    return keyOf.apply(field);
  }

  /**
   * Declares that {@code field}'s value is never a secret although its key may look like one (an
   * API key's <em>header name</em>): its value is then shown in problems instead of {@code ****}.
   */
  public Validation publicField(String field) {
    publicFields.add(field);
    return this;
  }

  /**
   * Records a problem with {@code field}'s value: shown URL-sanitized, or masked when the key names a
   * secret (see {@link Secrets#isSecretKey(String)}) unless declared by {@link #publicField}.
   */
  public void problem(String field, Object value, String allowed) {
    problems.add(publicFields.contains(field)
        ? Problem.ofPublic(key(field), value, allowed)
        : Problem.of(key(field), value, allowed));
  }

  /** Records a problem found elsewhere (already keyed and sanitized). */
  public void add(Problem problem) {
    problems.add(problem);
  }

  /** Records every problem of a nested configuration's exception. */
  public void addAll(ConfigurationException e) {
    problems.addAll(e.problems());
  }

  /** True when no problem has been recorded yet. */
  public boolean isValid() {
    return problems.isEmpty();
  }

  /** Throws a {@link ConfigurationException} listing every recorded problem, if any. */
  public void throwIfAny() {
    if (!problems.isEmpty()) {
      throw new ConfigurationException(problems);
    }
  }

  /** Records a problem when {@code ok} is false. */
  public boolean check(boolean ok, String field, Object value, String allowed) {
    if (!ok) {
      problem(field, value, allowed);
    }
    return ok;
  }

  // ---------------------------------------------------------------------------------------------
  // Presence

  /** {@code value}, or records "must be set" and returns {@code null}. */
  public <T> T required(String field, T value) {
    if (value == null) {
      problem(field, "null", "must be set");
    }
    return value;
  }

  /** {@code value} when not null and not blank, else records a problem and returns {@code null}. */
  public String notBlank(String field, String value) {
    if (value == null || value.isBlank()) {
      problem(field, value == null ? "null" : '"' + value + '"', "must not be blank");
      return null;
    }
    return value;
  }

  // ---------------------------------------------------------------------------------------------
  // Numbers

  /** {@code value} when in {@code [min, max]}, else records a problem. */
  public long range(String field, long value, long min, long max) {
    check(value >= min && value <= max, field, value, "must be between " + min + " and " + max);
    return value;
  }

  /** {@code value} when finite and in {@code [min, max]}, else records a problem. */
  public double range(String field, double value, double min, double max) {
    check(value >= min && value <= max, field, value,
        "must be a number between " + plain(min) + " and " + plain(max));
    return value;
  }

  private static String plain(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  // ---------------------------------------------------------------------------------------------
  // Durations

  /**
   * {@code d} when set and in {@code [min, max]}, else records a problem naming both bounds and
   * returns {@code null}. Safe for every {@link Duration}, including {@code
   * Duration.ofSeconds(Long.MIN_VALUE)}.
   */
  public Duration duration(String field, Duration d, Duration min, Duration max) {
    if (d == null) {
      problem(field, "null", "must be set (a duration between " + Durations.format(min) + " and "
          + Durations.format(max) + ")");
      return null;
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      problem(field, Durations.format(d),
          "must be between " + Durations.format(min) + " and " + Durations.format(max));
      return null;
    }
    return d;
  }

  /**
   * Records a problem when {@code low > high} (both already checked, null skipped). The problem is
   * reported on the key the user wrote: on {@code highField} unless only {@code lowField} was bound
   * from the environment (then the user's value is the low one, and the high one is a default).
   */
  public void notAbove(String lowField, Duration low, String highField, Duration high) {
    if (low == null || high == null || low.compareTo(high) <= 0) {
      return;
    }
    boolean highBound = !key(highField).equals(highField);
    boolean lowBound = !key(lowField).equals(lowField);
    if (lowBound && !highBound) {
      problem(lowField, Durations.format(low),
          "must be <= " + key(highField) + " (" + Durations.format(high) + ")");
    } else {
      problem(highField, Durations.format(high),
          "must be >= " + key(lowField) + " (" + Durations.format(low) + ")");
    }
  }

  /** As {@link #duration} but {@code 0} is accepted too (meaning "off"/"none"/"never"). */
  public Duration durationOrZero(String field, Duration d, Duration min, Duration max, String zero) {
    if (d != null && d.isZero()) {
      return d;
    }
    if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      problem(field, d == null ? "null" : Durations.format(d), "must be 0 (" + zero + ") or between "
          + Durations.format(min) + " and " + Durations.format(max));
      return null;
    }
    return d;
  }

  // ---------------------------------------------------------------------------------------------
  // Hosts, ports, URIs

  /** Whether {@code port} is a TCP port, 1–65535. */
  public static boolean isPort(long port) {
    return port >= 1 && port <= MAX_PORT;
  }

  /** {@code port} when 1–65535, else records a problem. */
  public int port(String field, int port) {
    check(isPort(port), field, port, "must be a TCP port between 1 and " + MAX_PORT);
    return port;
  }

  /**
   * Why {@code host} is not a valid host name or address, or {@code null} when it is. Accepts DNS
   * names (ASCII letters, digits, {@code . - _}) and bracketed IPv6 literals.
   */
  public static String hostError(String host) {
    if (host == null || host.isEmpty()) {
      return "the host is missing";
    }
    if (host.length() > MAX_HOST_LENGTH) {
      return "the host is longer than " + MAX_HOST_LENGTH + " characters";
    }
    if (host.charAt(0) == '[') {
      if (host.length() < 4 || host.charAt(host.length() - 1) != ']') {
        return HOST_RULE;
      }
      for (int i = 1; i < host.length() - 1; i++) {
        char c = host.charAt(i);
        if (!(isHex(c) || c == ':' || c == '.' || c == '%' || isAsciiLetterOrDigit(c))) {
          return HOST_RULE;
        }
      }
      return null;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (!(isAsciiLetterOrDigit(c) || c == '.' || c == '-' || c == '_')) {
        return HOST_RULE + "; found " + describe(c);
      }
    }
    if (host.startsWith(".") || host.startsWith("-") || host.contains("..")) {
      return HOST_RULE;
    }
    return null;
  }

  /** {@code host} when valid (see {@link #hostError}), else records a problem. */
  public String host(String field, String host) {
    String error = hostError(host);
    if (error != null) {
      problem(field, host, "must be a host: " + error);
      return null;
    }
    return host;
  }

  /** A character named for a message: {@code a space}, {@code U+0000}, {@code 'ü'}. */
  static String describe(char c) {
    if (c == ' ') {
      return "a space";
    }
    if (Character.isISOControl(c) || Character.isWhitespace(c) || !Character.isDefined(c)
        || Character.isSurrogate(c)) {
      return String.format(Locale.ROOT, "U+%04X", (int) c);
    }
    return "'" + c + "'";
  }

  private static boolean isAsciiLetterOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /**
   * What a URI setting accepts.
   *
   * @param schemes accepted schemes, lower case; the input's scheme is matched case-insensitively
   *     (RFC 3986 §3.1) and normalized to lower case
   * @param userInfo whether {@code user:password@} may appear (else it is a problem, without
   *     showing it)
   * @param queryAndFragment whether a query or fragment may appear
   * @param example shown in the message, e.g. {@code bolt://localhost:7687}
   */
  public record UriRule(Set<String> schemes, boolean userInfo, boolean queryAndFragment,
      String example) {

    String allowed() {
      return "must be a URI with a host and one of the schemes " + String.join(", ", new TreeSet<>(schemes))
          + " (any case)" + (userInfo ? "" : ", without credentials (set the password separately)")
          + ", e.g. " + example;
    }
  }

  /**
   * Parses and checks a URI setting: scheme (case-insensitive, normalized to lower case), host
   * ({@link #hostError}), port (1–65535), user info and query as {@code rule} allows, then RFC 2396
   * syntax through {@link URI}. Returns the normalized URI, or {@code null} after recording every
   * problem found. The shown value is sanitized; {@link URISyntaxException}'s message (which echoes
   * the input) is never used, only its reason and index.
   */
  public URI uri(String field, String value, UriRule rule) {
    if (value == null || value.isBlank()) {
      problem(field, value == null ? "null" : '"' + value + '"', rule.allowed());
      return null;
    }
    String s = value.trim();
    String raw = urlShown(value); // what problems show: never the user info
    int sep = s.indexOf("://");
    if (sep <= 0) {
      problem(field, raw, rule.allowed());
      return null;
    }
    String scheme = s.substring(0, sep).toLowerCase(Locale.ROOT);
    if (!rule.schemes().contains(scheme)) {
      problem(field, raw, rule.allowed() + " (the scheme is not one of them)");
      return null;
    }
    String normalized = scheme + s.substring(sep);
    Authority a = Authority.of(normalized, sep + 3, false);
    if (!authority(field, raw, a, rule.userInfo())) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(normalized);
    } catch (URISyntaxException e) {
      problem(field, raw, rule.allowed() + " (" + e.getReason() + " at index " + e.getIndex() + ")");
      return null;
    }
    if (uri.getHost() == null) {
      problem(field, raw, rule.allowed() + " (" + HOST_RULE + ")");
      return null;
    }
    if (!rule.queryAndFragment() && (uri.getRawQuery() != null || uri.getRawFragment() != null)) {
      problem(field, raw, "must not have a query or fragment");
      return null;
    }
    return uri;
  }

  /**
   * Checks the authority (hosts and ports) of a {@code jdbc:<subprotocol>://...} URL: each host of
   * a comma-separated list must be valid and each port 1–65535. URLs without {@code //} after the
   * sub-protocol (H2's {@code jdbc:h2:mem:}, Oracle's {@code @host}) are driver-specific and left to
   * the driver. Returns whether the authority is valid.
   */
  public boolean jdbcAuthority(String field, String url) {
    int sep = url.indexOf("://");
    if (sep < 0) {
      return true;
    }
    return authority(field, urlShown(url), Authority.of(url, sep + 3, true), true);
  }

  /**
   * A URL as problems show it: {@link Urls#sanitize} first, then, because a malformed URL may escape
   * its rules (no scheme, a space in the user info), everything between {@code ://} (or the start)
   * and the last {@code @} is masked unless already masked. Over-masking an {@code @} in a path is
   * the price of never showing a password.
   */
  public static String urlShown(String raw) {
    String s = Urls.sanitize(raw);
    int sep = s.indexOf("://");
    int start = sep < 0 ? 0 : sep + 3;
    int at = s.lastIndexOf('@');
    if (at > start) {
      String userInfo = s.substring(start, at);
      if (!userInfo.equals(Secrets.MASK) && !userInfo.endsWith(":" + Secrets.MASK)) {
        s = s.substring(0, start) + Secrets.MASK + s.substring(at);
      }
    }
    return s;
  }

  private boolean authority(String field, String raw, Authority a, boolean userInfoAllowed) {
    if (a.userInfo && !userInfoAllowed) {
      problem(field, raw, "must not carry credentials (set the password separately)");
      return false;
    }
    boolean ok = true;
    for (String hostPort : a.hosts) {
      String host = hostPort;
      String port = null;
      if (hostPort.startsWith("[")) {
        int close = hostPort.indexOf(']');
        if (close > 0 && close + 1 < hostPort.length() && hostPort.charAt(close + 1) == ':') {
          port = hostPort.substring(close + 2);
          host = hostPort.substring(0, close + 1);
        }
      } else {
        int colon = hostPort.lastIndexOf(':');
        if (colon >= 0) {
          port = hostPort.substring(colon + 1);
          host = hostPort.substring(0, colon);
        }
      }
      String hostError = hostError(host);
      if (hostError != null) {
        problem(field, raw, "must name a valid host: " + hostError);
        ok = false;
      }
      if (port != null && !port.isEmpty() && !isPortText(port)) {
        // the port text is not shown: with an unencoded '/' in a password it may be part of it
        problem(field, raw, "must have a port between 1 and " + MAX_PORT);
        ok = false;
      }
    }
    return ok;
  }

  private static boolean isPortText(String p) {
    if (p.length() > 5) {
      return false;
    }
    for (int i = 0; i < p.length(); i++) {
      if (p.charAt(i) < '0' || p.charAt(i) > '9') {
        return false;
      }
    }
    return isPort(Integer.parseInt(p));
  }

  /** The authority of a URL: its host[:port] list and whether user info was present. */
  private record Authority(List<String> hosts, boolean userInfo) {
    static Authority of(String s, int from, boolean jdbc) {
      int end = s.length();
      String stops = jdbc ? "/?#;" : "/?#";
      // user info ends at the last '@' before the path (passwords may contain '/', '?', '#')
      int firstStop = end;
      for (int i = from; i < end; i++) {
        if (stops.indexOf(s.charAt(i)) >= 0) {
          firstStop = i;
          break;
        }
      }
      int at = s.lastIndexOf('@', firstStop - 1);
      boolean userInfo = at >= from;
      int hostStart = userInfo ? at + 1 : from;
      int hostEnd = end;
      for (int i = hostStart; i < end; i++) {
        if (stops.indexOf(s.charAt(i)) >= 0) {
          hostEnd = i;
          break;
        }
      }
      String hosts = s.substring(hostStart, hostEnd);
      List<String> list = jdbc ? List.of(hosts.split(",", -1)) : List.of(hosts);
      return new Authority(list, userInfo);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Paths

  /**
   * {@code raw} as a {@link Path}, or {@code null} after recording why it is not one on this file
   * system (a NUL character, for one). {@link java.nio.file.InvalidPathException} is not let out.
   */
  public Path path(String field, String raw) {
    if (raw == null || raw.isBlank()) {
      problem(field, raw == null ? "null" : '"' + raw + '"', "must be a file path");
      return null;
    }
    int nul = raw.indexOf('\0');
    if (nul >= 0) {
      problem(field, raw, "must be a file path without NUL characters");
      return null;
    }
    try {
      return Path.of(raw);
    } catch (InvalidPathException e) {
      problem(field, raw, "must be a file path (" + e.getReason() + " at index " + e.getIndex() + ")");
      return null;
    }
  }
}
