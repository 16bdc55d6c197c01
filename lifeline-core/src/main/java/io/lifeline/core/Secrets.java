package io.lifeline.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of text: logs, exception messages, {@code toString()}, metric tags, dashboards
 * and status reports. A secret that reaches any of these is copied to places with far weaker access
 * control than the secret store it came from, so every piece of text Lifeline produces from foreign
 * input (driver exception messages, URLs, configuration values) goes through this class or {@link
 * Urls#sanitize(String)}.
 *
 * <p>Every secret is replaced by {@link #MASK}, {@code ****}, always the same four characters, so the
 * output says nothing about the secret's length or content. Masking is idempotent: redacting
 * redacted text changes nothing.
 *
 * <h2>{@link #redact(String)} masks, anywhere in free text</h2>
 *
 * <ul>
 *   <li>URLs and connection strings: each is sanitized as described in {@link Urls} (password in
 *       the user info, lone tokens in the user info, Oracle {@code user/password@}, secret query
 *       and connection parameters).
 *   <li>{@code Bearer <token>} and {@code Basic <base64>} credentials (the scheme word is kept). A
 *       single plain word after them ({@code "bearer token"}, {@code "Basic authentication"}) is
 *       prose, not a credential, and is kept.
 *   <li>Values of secret keys (see {@link #isSecretKey(String)}) written as {@code key=value},
 *       {@code key = "value"}, {@code key: value}, {@code key:value}, JSON / JS / Python string
 *       pairs {@code "key": "value"} (also when the JSON is itself escaped inside a string, {@code
 *       \"key\":\"value\"}), {@code Map.toString()} / record {@code toString()} forms ({@code
 *       {user=u, password=x}}, {@code Config[password=x]}) and XML elements {@code
 *       <password>value</password>}. An unquoted value ends at whitespace or at one of <code>&amp; ; ,
 *       " ' ) ] &#125; &lt; &gt;</code>. For authorization keys ({@code Authorization: Bearer x}) the scheme word is
 *       kept and the credential after it masked.
 * </ul>
 *
 * <p>Everything else is returned unchanged. Never throws: {@code null} gives {@code null}; should
 * redaction ever fail on some input, the whole text is replaced by {@code ****} rather than risk
 * showing it. Patterns are precompiled and linear-time (possessive quantifiers, boundary
 * look-behinds), so megabytes of garbage are handled quickly.
 */
public final class Secrets {
  /** What a secret value is replaced with. */
  public static final String MASK = "****";

  private Secrets() {}

  // ---------------------------------------------------------------------------------------------
  // isSecretKey

  /** A word of a key containing one of these is secret: {@code sslpassword}, {@code clientSecret}. */
  private static final String[] SECRET_SUBSTRINGS = {
    "password", "passwd", "passphrase", "passcode", "secret", "credential", "signature", "apikey",
    "privatekey"
  };

  /** Words that are secret on their own. */
  private static final Set<String> SECRET_WORDS =
      Set.of(
          "pass", "pw", "auth", "authorization", "sig", "jwt", "cookie", "jsessionid", "sessionid",
          "assertion", "bearer");

  /** A word ending with one of these is secret: {@code accountkey}, {@code sharedaccesskey}. */
  private static final String[] SECRET_SUFFIXES = {
    "token", "pwd", "accesskey", "secretkey", "accountkey", "signingkey", "encryptionkey",
    "masterkey", "sessionkey", "sharedkey", "authkey", "sshkey", "hmackey", "appkey",
    "subscriptionkey", "storagekey", "licensekey"
  };

  /**
   * A key whose last word is one of these names <em>something about</em> a secret, not the secret
   * itself: {@code password_file}, {@code token_url}, {@code auth_type}, {@code authSource}.
   */
  private static final Set<String> DESCRIPTOR_WORDS =
      Set.of(
          "url", "uri", "endpoint", "host", "hostname", "port", "type", "mode", "enabled", "enable",
          "disabled", "required", "method", "mechanism", "source", "scheme", "file", "path", "dir",
          "location", "ttl", "timeout", "expiry", "expiration", "expires", "length", "size",
          "count", "limit", "policy", "provider", "format", "name", "user", "username", "ref",
          "version", "strategy", "algorithm", "prefix", "suffix");

  /**
   * True when a configuration or parameter key names a secret. Case-insensitive; the key is split
   * into words at {@code _ - . :} and other separators and at camelCase boundaries ({@code
   * clientSecret} → client, secret). A key is secret when
   *
   * <ul>
   *   <li>a word contains password, passwd, passphrase, passcode, secret, credential, signature,
   *       apikey or privatekey ({@code DATABASE_PASSWORD}, {@code sslpassword}, {@code
   *       client_secret}, {@code credentials}, {@code X-Amz-Signature});
   *   <li>or a word is pass, pw, auth, authorization, sig, jwt, cookie, jsessionid, sessionid,
   *       assertion or bearer ({@code REDIS_AUTH}, {@code Proxy-Authorization});
   *   <li>or a word ends with token, pwd, accesskey, accountkey, secretkey, sessionkey, sharedkey,
   *       signingkey, encryptionkey, masterkey, authkey, sshkey, hmackey, appkey, subscriptionkey,
   *       storagekey or licensekey ({@code access_token}, {@code accessToken}, {@code PWD}, {@code
   *       AccountKey});
   *   <li>or two adjacent words joined satisfy the above ({@code api_key}, {@code API-Key}, {@code
   *       apiKey}, {@code private_key}, {@code session_id}, {@code aws_access_key_id});
   *   <li>or the whole key is {@code key} (Google-style {@code ?key=<api key>});
   * </ul>
   *
   * <p>unless the key has several words and the last one only describes the secret: url, uri,
   * endpoint, host, port, type, mode, enabled, required, method, mechanism, source, file, path,
   * name, user, username, ttl, timeout, expiry, length, size, prefix, ... ({@code password_file},
   * {@code token_url}, {@code token_type}, {@code authSource}, {@code auth_enabled}).
   *
   * <p>So {@code NEO4J_PASSWORD}, {@code DATABASE_PASSWORD}, {@code GRAPHITI_API_KEY}, {@code
   * REDIS_PASSWORD}, {@code spring.datasource.password}, {@code token}, {@code auth} are secret;
   * {@code maxRetries}, {@code REDIS_URL}, {@code keepalive}, {@code key_prefix}, {@code cache_key},
   * {@code max_tokens}, {@code user}, {@code username} are not. User names are deliberately not
   * secret: they identify the failing account. Erring towards "secret" only hides a value from an
   * error message; erring the other way leaks it, so borderline keys ({@code PWD}, {@code
   * access_key_id}) are treated as secret.
   *
   * @param key a key; {@code null} or blank gives {@code false}
   * @return whether values of {@code key} must be masked
   */
  public static boolean isSecretKey(String key) {
    if (key == null) {
      return false;
    }
    List<String> words = words(key);
    if (words.isEmpty()) {
      return false;
    }
    if (words.size() == 1 && words.get(0).equals("key")) {
      return true;
    }
    boolean secret = false;
    for (int i = 0; i < words.size() && !secret; i++) {
      secret = isSecretWord(words.get(i)) || (i > 0 && isSecretWord(words.get(i - 1) + words.get(i)));
    }
    return secret && !(words.size() > 1 && DESCRIPTOR_WORDS.contains(words.get(words.size() - 1)));
  }

  private static boolean isSecretWord(String w) {
    if (SECRET_WORDS.contains(w)) {
      return true;
    }
    for (String s : SECRET_SUBSTRINGS) {
      if (w.contains(s)) {
        return true;
      }
    }
    for (String s : SECRET_SUFFIXES) {
      if (w.endsWith(s)) {
        return true;
      }
    }
    return false;
  }

  /** Lower-case ASCII words of a key, split at non-alphanumerics and camelCase boundaries. */
  private static List<String> words(String key) {
    List<String> out = new ArrayList<>(4);
    StringBuilder cur = new StringBuilder(16);
    int n = key.length();
    for (int i = 0; i < n; i++) {
      char c = key.charAt(i);
      boolean upper = c >= 'A' && c <= 'Z';
      boolean alnum = upper || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum) {
        flush(cur, out);
        continue;
      }
      if (upper && cur.length() > 0) {
        char p = key.charAt(i - 1);
        boolean next = i + 1 < n && key.charAt(i + 1) >= 'a' && key.charAt(i + 1) <= 'z';
        if ((p >= 'a' && p <= 'z') || (p >= 'A' && p <= 'Z' && next)) {
          flush(cur, out); // fooBar -> foo|Bar, APIKey -> API|Key
        }
      }
      cur.append(upper ? (char) (c + ('a' - 'A')) : c);
    }
    flush(cur, out);
    return out;
  }

  private static void flush(StringBuilder cur, List<String> out) {
    if (cur.length() > 0) {
      out.add(cur.toString());
      cur.setLength(0);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // redact

  /**
   * Redacts secrets anywhere in free text: URLs and connection strings inside it are sanitized as
   * by {@link Urls#sanitize(String)}, {@code Bearer}/{@code Basic} credentials are masked, and the
   * values of secret keys in {@code key=value}, {@code key: value}, JSON and XML forms are replaced
   * by {@code ****}; see the class documentation for the exact rules.
   *
   * <p>Example: {@code Authorization: Bearer abc.def} → {@code Authorization: Bearer ****}; {@code
   * connect to redis://:pw@h:6379 failed} → {@code connect to redis://****@h:6379 failed}.
   *
   * @param text any text; may be {@code null}
   * @return the redacted text, {@code null} for {@code null}; never throws
   */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    try {
      String out = Urls.maskUserInfo(text, true);
      out = Urls.maskOracle(out, true);
      out = maskTextForms(out);
      return maskPairs(out, true);
    } catch (RuntimeException | StackOverflowError e) {
      return MASK;
    }
  }

  /**
   * {@code SimpleClassName: redacted message} of a throwable, or just the class name when there is
   * no message. Use this instead of {@code t.toString()} or {@code t.getMessage()} whenever a
   * foreign exception is put into a message, log line or report: driver messages routinely embed
   * the connection URL, including its password.
   *
   * @param t a throwable; {@code null} gives {@code "null"}
   * @return {@code SimpleClassName: redacted message}, or {@code SimpleClassName}
   */
  public static String describe(Throwable t) {
    if (t == null) {
      return "null";
    }
    String name = t.getClass().getSimpleName();
    if (name.isEmpty()) {
      name = t.getClass().getName(); // anonymous class
    }
    String msg;
    try {
      msg = t.getMessage();
    } catch (RuntimeException e) {
      msg = null;
    }
    return msg == null ? name : name + ": " + redact(msg);
  }

  // ---------------------------------------------------------------------------------------------
  // Free-text forms: Bearer/Basic, JSON pairs, XML elements

  /** {@code Bearer <token>} / {@code Basic <base64>} anywhere. */
  private static final Pattern BEARER =
      Pattern.compile(
          "(?<![A-Za-z0-9_\\-])(?:[Bb]earer|BEARER|[Bb]asic|BASIC)[ \\t]++([A-Za-z0-9\\-._~+/]++=*+)");

  /** A plain word after Bearer/Basic is prose ("Basic authentication"), not a credential. */
  private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z][a-z]{0,15}");

  /** {@code "key":}, {@code 'key':} and escaped {@code \"key\":}. */
  private static final Pattern QUOTED_KEY =
      Pattern.compile("(\\\\?[\"'])([^\"'\\\\\\r\\n]{1,100}+)\\1[ \\t]*+:[ \\t]*+");

  /** {@code <key>value</key>}. */
  private static final Pattern XML_ELEMENT =
      Pattern.compile("<([A-Za-z_][A-Za-z0-9_.:\\-]{0,100}+)>([^<]*+)</\\1>");

  /** Bearer/Basic, JSON pairs and XML elements; package-private for {@link Urls#sanitize}. */
  static String maskTextForms(String s) {
    return maskXml(maskQuotedPairs(maskBearer(s)));
  }

  private static String maskBearer(String s) {
    Matcher m = BEARER.matcher(s);
    StringBuilder out = null;
    int copied = 0;
    while (m.find()) {
      if (PLAIN_WORD.matcher(m.group(1)).matches()) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(s.length());
      }
      out.append(s, copied, m.start(1)).append(MASK);
      copied = m.end(1);
    }
    return out == null ? s : out.append(s, copied, s.length()).toString();
  }

  private static String maskQuotedPairs(String s) {
    Matcher m = QUOTED_KEY.matcher(s);
    StringBuilder out = null;
    int copied = 0;
    int from = 0;
    int n = s.length();
    while (from < n && m.find(from)) {
      from = m.end();
      if (!isSecretKey(m.group(2))) {
        continue;
      }
      int vs = m.end();
      if (vs >= n) {
        break;
      }
      char c = s.charAt(vs);
      int start;
      int end;
      if (c == '"' || c == '\'') {
        start = vs + 1;
        end = closingQuote(s, start, c);
      } else if (c == '\\' && vs + 1 < n && (s.charAt(vs + 1) == '"' || s.charAt(vs + 1) == '\'')) {
        start = vs + 2;
        end = s.indexOf("\\" + s.charAt(vs + 1), start);
      } else if (c == '{' || c == '[') {
        continue; // an object or array: its own keys are handled one by one
      } else {
        start = vs;
        end = valueEnd(s, vs, true, false);
      }
      if (end < 0) {
        end = valueEnd(s, start, true, false); // unterminated quote
      }
      if (end > start) {
        if (out == null) {
          out = new StringBuilder(n);
        }
        out.append(s, copied, start).append(MASK);
        copied = end;
        from = end;
      }
    }
    return out == null ? s : out.append(s, copied, n).toString();
  }

  private static String maskXml(String s) {
    if (s.indexOf('<') < 0) {
      return s;
    }
    Matcher m = XML_ELEMENT.matcher(s);
    StringBuilder out = null;
    int copied = 0;
    while (m.find()) {
      if (m.end(2) > m.start(2) && isSecretKey(m.group(1))) {
        if (out == null) {
          out = new StringBuilder(s.length());
        }
        out.append(s, copied, m.start(2)).append(MASK);
        copied = m.end(2);
      }
    }
    return out == null ? s : out.append(s, copied, s.length()).toString();
  }

  // ---------------------------------------------------------------------------------------------
  // key=value pairs

  /** {@code key=value} (URLs, connection strings, DSNs). */
  private static final Pattern PAIR_EQ =
      Pattern.compile("(?<![A-Za-z0-9_.\\-])([A-Za-z0-9_.\\-]++)[ \\t]*+(=)[ \\t]*+");

  /** {@code key=value} and {@code key: value} (free text, YAML, headers). */
  private static final Pattern PAIR_TEXT =
      Pattern.compile("(?<![A-Za-z0-9_.\\-])([A-Za-z0-9_.\\-]++)[ \\t]*+([=:])[ \\t]*+");

  /** An authorization scheme word: {@code Authorization: Bearer x} keeps "Bearer ", masks x. */
  private static final Pattern AUTH_SCHEME =
      Pattern.compile(
          "(?i:Bearer|Basic|Digest|Token|Negotiate|NTLM|ApiKey|Bot|SSWS|JWT|OAuth|Key"
              + "|AWS4-HMAC-SHA256)[ \\t]++");

  /**
   * Masks the values of secret keys in {@code key=value} pairs; in text mode also {@code key: value}.
   * Package-private for {@link Urls#sanitize}.
   */
  static String maskPairs(String s, boolean text) {
    Matcher m = (text ? PAIR_TEXT : PAIR_EQ).matcher(s);
    StringBuilder out = null;
    int copied = 0;
    int from = 0;
    int n = s.length();
    int nextBrace = -1; // cached index of the next '}' (n: none), keeps brace lookup linear
    while (from < n && m.find(from)) {
      int ks = m.start(1);
      int vs = m.end();
      from = vs;
      if (s.charAt(m.start(2)) == ':') {
        // not "scheme://", not the "user:password" of a URL (already handled)
        char before = ks > 0 ? s.charAt(ks - 1) : ' ';
        if (before == '/' || before == '@' || (m.end(2) < n && s.charAt(m.end(2)) == '/')) {
          continue;
        }
      }
      String key = m.group(1);
      if (!isSecretKey(key)) {
        continue;
      }
      if (vs >= n) {
        break;
      }
      boolean paren = !text && ks > 0 && s.charAt(ks - 1) == '(';
      int start = vs;
      int end;
      char c = s.charAt(vs);
      if (c == '"' || c == '\'') {
        start = vs + 1;
        end = closingQuote(s, start, c);
        if (end < 0) {
          end = valueEnd(s, start, text, paren);
        }
      } else if (c == '{' && (nextBrace = closingBrace(s, nextBrace, vs + 1)) > vs + 1
          && nextBrace < n) {
        start = vs + 1;
        end = nextBrace;
      } else {
        if (key.toLowerCase(Locale.ROOT).contains("auth")) {
          Matcher sm = AUTH_SCHEME.matcher(s).region(vs, n);
          if (sm.lookingAt()) {
            start = sm.end();
          }
        }
        end = valueEnd(s, start, text, paren);
      }
      if (end > start) {
        if (out == null) {
          out = new StringBuilder(n);
        }
        out.append(s, copied, start).append(MASK);
        copied = end;
        from = end;
      }
    }
    return out == null ? s : out.append(s, copied, n).toString();
  }

  /**
   * The '}' closing a braced value starting at {@code from} (a doubled '}' is an escaped brace, as
   * in SQL Server and ODBC), or the string's length if none. {@code cached}, a previous answer, is
   * reused while still ahead, so repeated lookups stay linear.
   */
  private static int closingBrace(String s, int cached, int from) {
    if (cached >= from) {
      return cached;
    }
    int n = s.length();
    int i = s.indexOf('}', from);
    while (i >= 0 && i + 1 < n && s.charAt(i + 1) == '}') {
      i = s.indexOf('}', i + 2);
    }
    return i < 0 ? n : i;
  }

  /** Index of the quote {@code q} closing a string starting at {@code from}, or -1. */
  private static int closingQuote(String s, int from, char q) {
    int n = s.length();
    for (int i = from; i < n; i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == q) {
        return i;
      } else if (c == '\n' || c == '\r') {
        return -1;
      }
    }
    return -1;
  }

  /**
   * End of an unquoted value: whitespace, '&' or ';' always; in text mode also one of
   * <code>, " ' ) ] &#125; &lt; &gt; `</code>; after {@code (key=} (MySQL) also ')'.
   */
  private static int valueEnd(String s, int from, boolean text, boolean paren) {
    int n = s.length();
    for (int i = from; i < n; i++) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c) || c == '&' || c == ';') {
        return i;
      }
      if (text ? ",\"')]}<>`".indexOf(c) >= 0 : paren && c == ')') {
        return i;
      }
    }
    return n;
  }
}
