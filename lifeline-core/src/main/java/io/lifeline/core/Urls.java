package io.lifeline.core;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sanitizes URLs and connection strings so they can be shown in logs, exception messages, {@code
 * toString()}, metric tags, dashboards and status reports without leaking a password or token.
 *
 * <p>Every secret is replaced by {@link Secrets#MASK} ({@code ****}). The structure of the URL
 * (scheme, host, port, path, database, non-secret parameters) is kept, because that is what a human
 * needs to debug a connection problem, and none of it is secret.
 *
 * <h2>What is masked</h2>
 *
 * <ul>
 *   <li><b>User info</b> ({@code scheme://userinfo@host}) of every URL form with {@code ://}:
 *       {@code http(s)}, {@code jdbc:*://}, {@code redis}, {@code rediss}, {@code redis-sentinel},
 *       {@code bolt}, {@code bolt+s}, {@code neo4j}, {@code neo4j+s}, {@code neo4j+ssc}, {@code
 *       mongodb}, {@code mongodb+srv}, {@code amqp(s)}, {@code postgres(ql)} and any other scheme.
 *       <ul>
 *         <li>{@code user:password@} becomes {@code user:****@}: the user name is kept (it tells
 *             which account failed and is not a credential), the password is masked.
 *         <li>{@code :password@} (Redis {@code AUTH} without user) and a lone {@code token@} become
 *             {@code ****@}. User info without a colon is <em>always</em> masked as a whole, because
 *             it cannot be told apart from a bearer token ({@code https://<token>@github.com}); so
 *             {@code ssh://git@host} shows as {@code ssh://****@host}.
 *         <li>A user name that looks like a token (32 characters or more, or a well-known token
 *             prefix such as {@code ghp_}, {@code github_pat_}, {@code glpat-}, {@code xoxb-}, {@code
 *             sk-}, {@code AKIA}, {@code eyJ}) is masked too: {@code ghp_x:x-oauth-basic@} becomes
 *             {@code ****@}.
 *         <li>The user info ends at the <em>last</em> {@code @} of the authority, so passwords that
 *             contain {@code @} or {@code :} are masked whole. If the text before the first {@code
 *             /}, {@code ?} or {@code #} is {@code user:xxx} where {@code xxx} is not a port, the
 *             password is taken to contain an unencoded {@code /}, {@code ?} or {@code #} and the
 *             user info extends to the last {@code @} before the query. Percent-encoded passwords
 *             ({@code p%40ss}) are masked as they are, without decoding.
 *         <li>An empty password ({@code user:@host}) has nothing to hide and is left as is.
 *       </ul>
 *   <li><b>Oracle thin/OCI</b> {@code jdbc:oracle:thin:user/password@host...}: becomes {@code
 *       jdbc:oracle:thin:user/****@host...} (last {@code @}).
 *   <li><b>Secret parameters</b> {@code key=value} in query strings ({@code ?a=1&password=x}),
 *       fragments ({@code #access_token=x}), semicolon parameters (SQL Server, H2, DB2, ODBC,
 *       Azure: {@code ;password=x;}), parenthesised parameters (MySQL {@code (password=x)}) and
 *       libpq key/value DSNs ({@code host=h password=x user=u}), for every key that {@link
 *       Secrets#isSecretKey(String)} accepts (case-insensitive): password, passwd, pwd, pass,
 *       sslpassword, token, access_token, secret, client_secret, api_key, apikey, api-key, auth,
 *       authorization, sig, signature, credentials, private_key, AccountKey, X-Amz-Signature ... and
 *       the bare key {@code key} (Google-style {@code ?key=<api key>}). The value is masked up to the
 *       next {@code &}, {@code ;} or whitespace (so an unencoded {@code #} inside a secret value is
 *       masked with it); quoted values ({@code 'a b'}, {@code "a b"}) and braced values ({@code
 *       {a;b}}) keep their quotes/braces and have their content masked.
 * </ul>
 *
 * <p>Kept as is: scheme, host (including IPv6 literals and multi-host lists), port, path, fragment,
 * and parameters such as {@code user}, {@code ssl}, {@code sslmode}, {@code authSource}, {@code
 * authMechanism}, {@code token_type}, {@code key_prefix}.
 *
 * <p>A string that does not start with a URL scheme (or {@code jdbc:}) is treated as free text and
 * handled by {@link Secrets#redact(String)}: URLs inside it are sanitized as above, and secret
 * {@code key=value}, {@code key: value}, JSON pairs and {@code Bearer}/{@code Basic} credentials
 * are masked; anything else is returned unchanged.
 *
 * <p>Known limitations (documented, not silently assumed): a lone token containing an unencoded
 * {@code /} ({@code https://ab/cd@host}) cannot be told apart from {@code https://host/@user} and is
 * left alone; a password containing both {@code @} and {@code /} unencoded is masked only up to its
 * last {@code @} before the first {@code /}. Both are invalid URLs that drivers reject anyway.
 *
 * <p>Never throws: {@code null} gives {@code null}; should the sanitizer ever fail on some input, the
 * whole value is replaced by {@code ****} rather than risk showing it. All patterns are precompiled
 * and written to run in linear time (possessive quantifiers, no nested alternation), so 100 KB of
 * garbage is handled in milliseconds.
 */
public final class Urls {
  private Urls() {}

  /**
   * A URL scheme chain followed by {@code ://}: {@code https://}, {@code jdbc:postgresql://}, {@code
   * neo4j+s://}, {@code redis-sentinel://}, {@code jdbc:mysql:loadbalance://}. The look-behind keeps
   * starts at a boundary so that scanning stays linear.
   */
  private static final Pattern SCHEME =
      Pattern.compile(
          "(?<![A-Za-z0-9+.\\-:])[A-Za-z][A-Za-z0-9+.\\-]*+(?::[A-Za-z][A-Za-z0-9+.\\-]*+)*+://");

  /** A string that is one URL: starts with a scheme chain and {@code ://}, or with {@code jdbc:}. */
  private static final Pattern URL_START =
      Pattern.compile(
          "(?:[A-Za-z][A-Za-z0-9+.\\-]*+(?::[A-Za-z][A-Za-z0-9+.\\-]*+)*+://|(?i:jdbc:)[A-Za-z])");

  /** {@code jdbc:oracle:thin:} / {@code jdbc:oracle:oci:}, followed by {@code user/password@...}. */
  private static final Pattern ORACLE =
      Pattern.compile("(?<![A-Za-z0-9+.\\-:])(?i:jdbc:oracle:)[A-Za-z0-9]++:");

  /** User names that are really tokens (GitHub, GitLab, Slack, OpenAI/Stripe, AWS, JWT ...). */
  private static final Pattern TOKEN_LIKE_USER =
      Pattern.compile(
          "(?:gh[pousr]_|github_pat_|glpat-|xox[abposr]-|sk[-_]|rk_|AKIA|ASIA|eyJ|ya29\\.|npm_|"
              + "pypi-|hf_|dop_v1_|shpat_)");

  /** User info longer than this is taken for a token, not a user name. */
  private static final int TOKEN_LIKE_LENGTH = 32;

  /** No character that any masking rule needs: no separator, no whitespace. */
  private static boolean isPlainWord(String s) {
    if (s.length() > 256) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '@' || c == ':' || c == '=' || c == ';' || c == '<' || c == '>' || c == '/'
          || c == '"' || c == '\'' || Character.isWhitespace(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns {@code url} with the password/token in its user info and the values of secret
   * parameters replaced by {@code ****}; see the class documentation for the exact rules.
   *
   * <p>Examples: {@code redis://user:pass@h:6379/0} → {@code redis://user:****@h:6379/0}; {@code
   * redis://:pass@h} → {@code redis://****@h}; {@code jdbc:postgresql://h/db?user=u&password=p} →
   * {@code jdbc:postgresql://h/db?user=u&password=****}; {@code host=h password=x} → {@code host=h
   * password=****}.
   *
   * @param url a URL, connection string or any other text; may be {@code null}
   * @return the sanitized string, {@code null} for {@code null}; never throws
   */
  public static String sanitize(String url) {
    if (url == null) {
      return null;
    }
    if (isPlainWord(url)) {
      return url; // fast path: a name such as "orders-db" has nothing any rule could mask
    }
    try {
      if (!URL_START.matcher(url).lookingAt()) {
        return Secrets.redact(url);
      }
      String out = maskUserInfo(url, false);
      out = maskOracle(out, false);
      out = Secrets.maskPairs(out, false);
      out = Secrets.maskTextForms(out);
      if (containsWhitespace(out)) {
        out = Secrets.maskPairs(out, true);
      }
      return out;
    } catch (RuntimeException | StackOverflowError e) {
      return Secrets.MASK;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // User info: scheme://userinfo@host

  /**
   * Masks the user info of every {@code scheme://} occurrence in {@code s}. Each occurrence owns the
   * text up to the next occurrence; in text mode also only up to the next whitespace or quote.
   */
  static String maskUserInfo(String s, boolean text) {
    Matcher m = SCHEME.matcher(s);
    if (!m.find()) {
      return s;
    }
    StringBuilder out = null;
    int copied = 0;
    int regionStart = m.end();
    while (true) {
      boolean more = m.find();
      int next = more ? m.start() : s.length();
      int regionEnd = text ? textTokenEnd(s, regionStart, next) : next;
      int at = userInfoEnd(s, regionStart, regionEnd);
      if (at > regionStart) {
        String replacement = maskedUserInfo(s.substring(regionStart, at));
        if (replacement != null) {
          if (out == null) {
            out = new StringBuilder(s.length());
          }
          out.append(s, copied, regionStart).append(replacement);
          copied = at;
        }
      }
      if (!more) {
        break;
      }
      regionStart = m.end();
    }
    if (out == null) {
      return s;
    }
    return out.append(s, copied, s.length()).toString();
  }

  /** End of a URL inside free text: whitespace, quotes, angle brackets and backticks end it. */
  private static int textTokenEnd(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c) || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`') {
        return i;
      }
    }
    return to;
  }

  /**
   * Index of the {@code @} that ends the user info in {@code s[a, b)} (the text right after {@code
   * ://}), or -1 when there is no user info.
   */
  private static int userInfoEnd(String s, int a, int b) {
    if (a >= b || s.charAt(a) == '[') {
      return -1; // empty, or an IPv6 literal host: no user info
    }
    int f = indexOfAny(s, a, b, "/?#");
    int at = lastIndexOf(s, '@', a, f);
    if (at >= 0) {
      return at; // the authority holds an '@': user info up to its last '@'
    }
    if (f == b) {
      return -1;
    }
    // No '@' in the authority. If it reads "user:xxx" with xxx not a port, the password contains an
    // unencoded '/', '?' or '#': the user info then runs to the last '@' before the query.
    int colon = indexOf(s, ':', a, f);
    if (colon < 0 || looksLikePorts(s, colon + 1, f)) {
      return -1;
    }
    int limit = b;
    int q = indexOf(s, '?', a, b);
    if (q >= 0) {
      int eq = indexOf(s, '=', q, b);
      if (eq >= 0) {
        limit = eq;
      }
    }
    return lastIndexOf(s, '@', a, limit);
  }

  /** {@code 5432}, empty, or {@code 27017,host2:27017}: a port (list), not a password. */
  private static boolean looksLikePorts(String s, int from, int to) {
    int i = from;
    while (i < to && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      i++;
    }
    return i == to || s.charAt(i) == ',';
  }

  /** The replacement for user info {@code ui}, or {@code null} to keep it. */
  private static String maskedUserInfo(String ui) {
    int colon = ui.indexOf(':');
    if (colon < 0) {
      return Secrets.MASK; // lone token or user name: cannot tell, mask
    }
    String user = ui.substring(0, colon);
    boolean emptyPassword = colon == ui.length() - 1;
    if (user.isEmpty() || looksLikeToken(user)) {
      return emptyPassword && user.isEmpty() ? null : Secrets.MASK;
    }
    return emptyPassword ? null : user + ':' + Secrets.MASK;
  }

  private static boolean looksLikeToken(String user) {
    return user.length() >= TOKEN_LIKE_LENGTH || TOKEN_LIKE_USER.matcher(user).lookingAt();
  }

  // ---------------------------------------------------------------------------------------------
  // Oracle: jdbc:oracle:thin:user/password@host

  /** Masks the password of {@code jdbc:oracle:<driver>:user/password@...} occurrences. */
  static String maskOracle(String s, boolean text) {
    Matcher m = ORACLE.matcher(s);
    if (!m.find()) {
      return s;
    }
    StringBuilder out = null;
    int copied = 0;
    int a = m.end();
    while (true) {
      boolean more = m.find();
      int next = more ? m.start() : s.length();
      int b = text ? textTokenEnd(s, a, next) : next;
      int slash = indexOf(s, '/', a, b);
      if (slash > a && indexOf(s, '@', a, slash) < 0) {
        int at = lastIndexOf(s, '@', slash + 1, b);
        if (at > slash + 1) {
          if (out == null) {
            out = new StringBuilder(s.length());
          }
          out.append(s, copied, slash + 1).append(Secrets.MASK);
          copied = at;
        }
      }
      if (!more) {
        break;
      }
      a = m.end();
    }
    if (out == null) {
      return s;
    }
    return out.append(s, copied, s.length()).toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Small string helpers working on [from, to) without allocating.

  private static int indexOf(String s, char c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == c) {
        return i;
      }
    }
    return -1;
  }

  private static int lastIndexOf(String s, char c, int from, int to) {
    for (int i = to - 1; i >= from; i--) {
      if (s.charAt(i) == c) {
        return i;
      }
    }
    return -1;
  }

  /** First index in [from, to) of any of {@code chars}, or {@code to}. */
  private static int indexOfAny(String s, int from, int to, String chars) {
    for (int i = from; i < to; i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return to;
  }

  static boolean containsWhitespace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }
}
