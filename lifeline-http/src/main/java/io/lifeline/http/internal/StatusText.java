package io.lifeline.http.internal;

import io.lifeline.core.Urls;

/**
 * Words for status codes, so every message says what the server answered ({@code 503 Service
 * Unavailable}, {@code 302 Found}) rather than a bare number; HTTP/2 carries no reason phrase and
 * the JDK client exposes none, so they come from RFC 9110 / RFC 6585.
 */
public final class StatusText {
  private StatusText() {}

  /** Longest Location shown; a longer one is cut (it is a hint for a human, not data). */
  static final int MAX_LOCATION = 200;

  /** {@code 302 Found}; just the number for a code without a registered phrase. */
  public static String of(int status) {
    String r = reason(status);
    return r == null ? Integer.toString(status) : status + " " + r;
  }

  /** The RFC reason phrase of {@code status}, or null. */
  public static String reason(int status) {
    switch (status) {
      case 300: return "Multiple Choices";
      case 301: return "Moved Permanently";
      case 302: return "Found";
      case 303: return "See Other";
      case 304: return "Not Modified";
      case 305: return "Use Proxy";
      case 307: return "Temporary Redirect";
      case 308: return "Permanent Redirect";
      case 400: return "Bad Request";
      case 401: return "Unauthorized";
      case 403: return "Forbidden";
      case 404: return "Not Found";
      case 405: return "Method Not Allowed";
      case 406: return "Not Acceptable";
      case 407: return "Proxy Authentication Required";
      case 408: return "Request Timeout";
      case 409: return "Conflict";
      case 410: return "Gone";
      case 411: return "Length Required";
      case 412: return "Precondition Failed";
      case 413: return "Content Too Large";
      case 414: return "URI Too Long";
      case 415: return "Unsupported Media Type";
      case 421: return "Misdirected Request";
      case 422: return "Unprocessable Content";
      case 425: return "Too Early";
      case 426: return "Upgrade Required";
      case 428: return "Precondition Required";
      case 429: return "Too Many Requests";
      case 431: return "Request Header Fields Too Large";
      case 500: return "Internal Server Error";
      case 501: return "Not Implemented";
      case 502: return "Bad Gateway";
      case 503: return "Service Unavailable";
      case 504: return "Gateway Timeout";
      case 505: return "HTTP Version Not Supported";
      default: return null;
    }
  }

  /**
   * What a 3xx answer means here: {@code answered 302 Found, redirects are not followed, Location:
   * …} ({@code safeLocation} as {@link #safeLocation} made it; null when the server sent none).
   */
  public static String redirect(int status, String safeLocation) {
    StringBuilder sb = new StringBuilder(96).append("answered ").append(of(status));
    if (status == 304) {
      // the answer to a conditional request (If-None-Match / If-Modified-Since), not a redirect
      return sb.append(" (the answer to a conditional request; not a success)").toString();
    }
    sb.append(", redirects are not followed");
    return safeLocation == null ? sb.append(" (no Location)").toString()
        : sb.append(", Location: ").append(safeLocation).toString();
  }

  /**
   * {@code location} fit for messages, logs and health details: user-info passwords and tokens
   * masked ({@link Urls#sanitize}), the query and fragment replaced by {@code …} (they often carry
   * one-time codes and signed tokens under names no list knows), control characters removed, at
   * most {@value #MAX_LOCATION} characters. Null or blank gives null.
   */
  public static String safeLocation(String location) {
    if (location == null || location.isBlank()) {
      return null;
    }
    String v = location.trim();
    int q = v.indexOf('?');
    int f = v.indexOf('#');
    int cut = q < 0 ? f : f < 0 ? q : Math.min(q, f);
    String suffix = "";
    if (cut >= 0) {
      suffix = v.charAt(cut) == '?' ? "?…" : "#…";
      v = v.substring(0, cut);
    }
    StringBuilder sb = new StringBuilder(v.length());
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      sb.append(Character.isISOControl(c) ? '?' : c);
    }
    // sanitize the whole value first: cutting first could hide the '@' that marks a password
    String shown = Urls.sanitize(sb.toString());
    return shown.length() > MAX_LOCATION ? shown.substring(0, MAX_LOCATION) + "…" : shown + suffix;
  }
}
