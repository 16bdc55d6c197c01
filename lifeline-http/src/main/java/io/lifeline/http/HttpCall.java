package io.lifeline.http;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * One request to an {@link HttpServiceConnectionManager}: method, path (relative to the base URL,
 * with an optional query), an optional body, extra headers and an optional idempotency key.
 * Immutable; the {@code with…} methods return copies.
 *
 * <p><b>Retries.</b> GET, HEAD, PUT, DELETE, OPTIONS and TRACE are idempotent and retried on
 * transport errors, timeouts and 408/429/502/503/504. Other methods (POST, PATCH) are retried only
 * when the connection could not be opened (the request provably never reached the server) or when
 * the call carries an {@linkplain #idempotencyKey(String) idempotency key}, which is then sent as
 * {@code Idempotency-Key} with the same value on every attempt.
 */
public final class HttpCall {
  /** The header that carries an idempotency key. */
  public static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

  private final String method;
  private final String path;
  private final Object jsonBody;
  private final byte[] rawBody;
  private final String contentType;
  private final String[] headers;
  private final String idempotencyKey;
  private final Duration timeout;
  private final String endpoint; // null: the method, lower case

  private HttpCall(String method, String path, Object jsonBody, byte[] rawBody, String contentType,
      String[] headers, String idempotencyKey, Duration timeout, String endpoint) {
    this.method = method;
    this.path = path;
    this.jsonBody = jsonBody;
    this.rawBody = rawBody;
    this.contentType = contentType;
    this.headers = headers;
    this.idempotencyKey = idempotencyKey;
    this.timeout = timeout;
    this.endpoint = endpoint;
  }

  private static final String[] NO_HEADERS = new String[0];

  /**
   * A call of {@code method} (any HTTP method token, case-insensitive) on {@code path}, which must
   * start with {@code /} (an absolute URL is refused: credentials are only ever sent to the base URL).
   */
  public static HttpCall of(String method, String path) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    String m = method.toUpperCase(Locale.ROOT);
    if (!HttpServiceConfig.Builder.isToken(m)) {
      throw new IllegalArgumentException("invalid HTTP method '" + method + "'");
    }
    if (!path.startsWith("/") || path.startsWith("//")) {
      throw new IllegalArgumentException("path must start with a single '/' (relative to the base URL)");
    }
    return new HttpCall(canonical(m), path, null, null, null, NO_HEADERS, null, null, null);
  }

  /** The shared constant for the common methods, so {@link #isIdempotent} compares fast. */
  private static String canonical(String m) {
    switch (m) {
      case "GET": return "GET";
      case "POST": return "POST";
      case "PUT": return "PUT";
      case "DELETE": return "DELETE";
      case "PATCH": return "PATCH";
      case "HEAD": return "HEAD";
      default: return m;
    }
  }

  /** {@code GET path}. */
  public static HttpCall get(String path) {
    return of("GET", path);
  }

  /** {@code POST path}: retried only if never sent, or with an {@linkplain #idempotencyKey key}. */
  public static HttpCall post(String path) {
    return of("POST", path);
  }

  /** {@code PUT path}. */
  public static HttpCall put(String path) {
    return of("PUT", path);
  }

  /** {@code DELETE path}. */
  public static HttpCall delete(String path) {
    return of("DELETE", path);
  }

  /** This call with {@code body} serialized to JSON by Jackson ({@code Content-Type: application/json}). */
  public HttpCall json(Object body) {
    return new HttpCall(method, path, body, null, "application/json", headers, idempotencyKey, timeout, endpoint);
  }

  /** This call with a raw body of the given content type. */
  public HttpCall body(String contentType, byte[] body) {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    return new HttpCall(method, path, null, body.clone(), contentType, headers, idempotencyKey, timeout, endpoint);
  }

  /** This call with an extra header (after the manager's default headers). */
  public HttpCall header(String name, String value) {
    if (!HttpServiceConfig.Builder.isToken(name)) {
      throw new IllegalArgumentException("invalid header name '" + name + "'");
    }
    Objects.requireNonNull(value, "value");
    String[] h = Arrays.copyOf(headers, headers.length + 2);
    h[headers.length] = name;
    h[headers.length + 1] = value;
    return new HttpCall(method, path, jsonBody, rawBody, contentType, h, idempotencyKey, timeout, endpoint);
  }

  /**
   * This call with an idempotency key: sent as {@code Idempotency-Key}, the same on every attempt, and
   * makes a POST or PATCH retriable like an idempotent method. The server must honour the key for
   * this to be safe.
   */
  public HttpCall idempotencyKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isBlank()) {
      throw new IllegalArgumentException("idempotency key must not be blank");
    }
    return new HttpCall(method, path, jsonBody, rawBody, contentType, headers, key, timeout, endpoint);
  }

  /** This call with its own per-attempt timeout instead of the manager's request timeout. */
  public HttpCall timeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be > 0");
    }
    return new HttpCall(method, path, jsonBody, rawBody, contentType, headers, idempotencyKey, timeout, endpoint);
  }

  /**
   * Names this call for metrics ({@code lifeline.http.requests{endpoint=…}}): the typed operation
   * ({@code search}), never the path, which may carry ids. 1-40 characters of a-z, 0-9, {@code
   * _.-}; a manager counts at most 64 distinct endpoints, the rest as {@code other}. Default: the
   * method in lower case ({@code get}, {@code post}).
   */
  public HttpCall endpoint(String name) {
    Objects.requireNonNull(name, "name");
    if (!name.matches("[a-z0-9_.-]{1,40}")) {
      throw new IllegalArgumentException("endpoint name must be 1-40 characters of a-z, 0-9, '_', '.', '-'");
    }
    return new HttpCall(method, path, jsonBody, rawBody, contentType, headers, idempotencyKey, timeout, name);
  }

  /** The endpoint name for metrics (see {@link #endpoint(String)}). */
  public String endpoint() {
    return endpoint != null ? endpoint : method.toLowerCase(Locale.ROOT);
  }

  public String method() {
    return method;
  }

  public String path() {
    return path;
  }

  /** The idempotency key, or null. */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** True for GET, HEAD, PUT, DELETE, OPTIONS and TRACE (RFC 9110 idempotent methods). */
  public boolean isIdempotentMethod() {
    return isIdempotent(method);
  }

  /** Whether this call may be retried after it may have reached the server. */
  public boolean isRetriable() {
    return idempotencyKey != null || isIdempotent(method);
  }

  static boolean isIdempotent(String m) {
    switch (m) {
      case "GET":
      case "HEAD":
      case "PUT":
      case "DELETE":
      case "OPTIONS":
      case "TRACE":
        return true;
      default:
        return false;
    }
  }

  Object jsonBody() {
    return jsonBody;
  }

  byte[] rawBody() {
    return rawBody;
  }

  String contentType() {
    return contentType;
  }

  String[] headers() {
    return headers;
  }

  Duration timeout() {
    return timeout;
  }

  @Override
  public String toString() {
    return "HttpCall[" + method + " " + io.lifeline.core.Urls.sanitize(path)
        + (idempotencyKey != null ? ", idempotency key set" : "") + "]";
  }
}
