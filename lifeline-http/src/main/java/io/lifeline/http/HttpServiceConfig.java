package io.lifeline.http;

import io.lifeline.core.ConfigurationException;
import io.lifeline.core.internal.Durations;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.Secrets;
import io.lifeline.core.Settings;
import io.lifeline.core.Urls;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Configuration of one {@link HttpServiceConnectionManager}: where the service is, how long to wait,
 * which headers and credentials to send, how to retry.
 *
 * <table>
 *   <caption>Settings, defaults and environment keys (under a prefix, e.g. {@code GRAPHITI_})</caption>
 *   <tr><th>setting</th><th>default</th><th>env key</th></tr>
 *   <tr><td>baseUrl</td><td>required</td><td>URL</td></tr>
 *   <tr><td>requestTimeout</td><td>30 s</td><td>REQUEST_TIMEOUT</td></tr>
 *   <tr><td>connectTimeout</td><td>10 s</td><td>CONNECT_TIMEOUT</td></tr>
 *   <tr><td>bearerToken</td><td>none</td><td>BEARER_TOKEN</td></tr>
 *   <tr><td>apiKey (header {@code apiKeyHeader})</td><td>none ({@code X-API-Key})</td><td>API_KEY, API_KEY_HEADER</td></tr>
 *   <tr><td>maxResponseBytes</td><td>16 MiB</td><td>MAX_RESPONSE_BYTES</td></tr>
 *   <tr><td>healthPath</td><td>{@code /}</td><td>HEALTH_PATH</td></tr>
 *   <tr><td>retryConfig</td><td>{@link RetryConfig#defaults()}</td><td>MAX_RETRIES, RETRY_DELAY, RETRY_BACKOFF, … (see {@link RetryConfig})</td></tr>
 * </table>
 *
 * <p>The bearer token, the API key and any user info in the URL are secrets: {@link #toString()}
 * never shows them, and they never appear in exceptions, logs, metrics or health details. User
 * info in {@code baseUrl} ({@code https://user:pass@host}) is turned into a {@code Basic}
 * authorization header and removed from the URL the client uses. Immutable.
 *
 * @param name the service name used in metrics, health and errors (never a secret)
 * @param defaultHeaders sent with every request (header names must not be {@code Authorization} or
 *     the API key header when a token / key is configured)
 */
public record HttpServiceConfig(
    String name,
    URI baseUrl,
    Duration requestTimeout,
    Duration connectTimeout,
    Map<String, String> defaultHeaders,
    String bearerToken,
    String apiKey,
    String apiKeyHeader,
    String basicCredentials,
    int maxResponseBytes,
    String healthPath,
    RetryConfig retryConfig) {

  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final String DEFAULT_API_KEY_HEADER = "X-API-Key";
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
  public static final String DEFAULT_HEALTH_PATH = "/";

  /** Headers the JDK client sets itself and refuses from callers. */
  private static final Set<String> RESTRICTED =
      Set.of("connection", "content-length", "expect", "host", "upgrade");

  public HttpServiceConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    defaultHeaders = Collections.unmodifiableMap(new LinkedHashMap<>(defaultHeaders));
    Objects.requireNonNull(apiKeyHeader, "apiKeyHeader");
    Objects.requireNonNull(healthPath, "healthPath");
    Objects.requireNonNull(retryConfig, "retryConfig");
  }

  /** A builder for service {@code name} (used in metrics, health and errors). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** A builder preset with this config's values. */
  public Builder toBuilder() {
    Builder b = new Builder(name);
    b.baseUrl = baseUrl;
    b.requestTimeout = requestTimeout;
    b.connectTimeout = connectTimeout;
    b.defaultHeaders.putAll(defaultHeaders);
    b.bearerToken = bearerToken;
    b.apiKey = apiKey;
    b.apiKeyHeader = apiKeyHeader;
    b.basicCredentials = basicCredentials;
    b.maxResponseBytes = maxResponseBytes;
    b.healthPath = healthPath;
    b.retryConfig = retryConfig;
    return b;
  }

  /** Whether any credential (token, API key, URL user info) is configured. */
  public boolean hasCredentials() {
    return bearerToken != null || apiKey != null || basicCredentials != null;
  }

  @Override
  public String toString() {
    StringBuilder headers = new StringBuilder("{");
    for (Map.Entry<String, String> e : defaultHeaders.entrySet()) {
      if (headers.length() > 1) {
        headers.append(", ");
      }
      headers.append(e.getKey()).append('=')
          .append(Secrets.isSecretKey(e.getKey()) ? Secrets.MASK : Secrets.redact(e.getValue()));
    }
    headers.append('}');
    return "HttpServiceConfig[name=" + name
        + ", baseUrl=" + Urls.sanitize(baseUrl.toString())
        + ", requestTimeout=" + Durations.format(requestTimeout)
        + ", connectTimeout=" + Durations.format(connectTimeout)
        + ", defaultHeaders=" + headers
        + ", bearerToken=" + (bearerToken == null ? "none" : Secrets.MASK)
        + ", apiKey=" + (apiKey == null ? "none" : Secrets.MASK + " (" + apiKeyHeader + ")")
        + ", basicCredentials=" + (basicCredentials == null ? "none" : Secrets.MASK)
        + ", maxResponseBytes=" + maxResponseBytes
        + ", healthPath=" + healthPath
        + ", retryConfig=" + retryConfig + "]";
  }

  /**
   * Builds an {@link HttpServiceConfig}. The last value set wins (so env presets can be overridden in
   * code); everything is validated in {@link #build()}, and errors name the env key a value came
   * from. Not thread-safe.
   */
  public static final class Builder {
    private final String name;
    private URI baseUrl;
    private String rawUrl;
    private String urlKey = "baseUrl";
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private String requestTimeoutKey = "requestTimeout";
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private String connectTimeoutKey = "connectTimeout";
    private final Map<String, String> defaultHeaders = new LinkedHashMap<>();
    private String bearerToken;
    private String apiKey;
    private String apiKeyHeader = DEFAULT_API_KEY_HEADER;
    private String basicCredentials;
    private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private String maxResponseBytesKey = "maxResponseBytes";
    private String healthPath = DEFAULT_HEALTH_PATH;
    private String healthPathKey = "healthPath";
    private RetryConfig retryConfig = RetryConfig.defaults();

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new ConfigurationException("name", "\"" + name + "\"", "must not be blank");
      }
    }

    /** The service's base URL, e.g. {@code http://localhost:8000}; request paths are appended. */
    public Builder baseUrl(String url) {
      this.rawUrl = Objects.requireNonNull(url, "url");
      this.baseUrl = null;
      this.urlKey = "baseUrl";
      return this;
    }

    /** As {@link #baseUrl(String)}. */
    public Builder baseUrl(URI url) {
      return baseUrl(url.toString());
    }

    /** Bound on each attempt, from sending the request to the last byte of the body (default 30 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = timeout;
      this.requestTimeoutKey = "requestTimeout";
      return this;
    }

    /** Bound on opening a TCP (and TLS) connection (default 10 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      this.connectTimeoutKey = "connectTimeout";
      return this;
    }

    /** A header sent with every request. */
    public Builder header(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      defaultHeaders.put(name, value);
      return this;
    }

    /** Sends {@code Authorization: Bearer <token>} with every request. */
    public Builder bearerToken(String token) {
      this.bearerToken = token;
      return this;
    }

    /** Sends the API key in {@code X-API-Key} (or {@link #apiKeyHeader}) with every request. */
    public Builder apiKey(String key) {
      this.apiKey = key;
      return this;
    }

    /** The header that carries {@link #apiKey} (default {@code X-API-Key}). */
    public Builder apiKeyHeader(String header) {
      this.apiKeyHeader = Objects.requireNonNull(header, "header");
      return this;
    }

    /** Largest response body accepted (default 16 MiB); a larger one fails the call, unretried. */
    public Builder maxResponseBytes(int max) {
      this.maxResponseBytes = max;
      this.maxResponseBytesKey = "maxResponseBytes";
      return this;
    }

    /** Path the health check GETs (default {@code /}). */
    public Builder healthPath(String path) {
      this.healthPath = Objects.requireNonNull(path, "path");
      this.healthPathKey = "healthPath";
      return this;
    }

    /** Retry, backoff, breaker and budget settings (default {@link RetryConfig#defaults()}). */
    public Builder retryConfig(RetryConfig config) {
      this.retryConfig = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Applies every key present in {@code settings} (see the table on {@link HttpServiceConfig}),
     * including the {@link RetryConfig} keys on top of the current retry config. Unparsable values
     * throw {@link ConfigurationException} naming the full key.
     */
    public Builder apply(Settings settings) {
      settings.string("URL").ifPresent(v -> {
        rawUrl = v;
        baseUrl = null;
        urlKey = settings.fullKey("URL");
      });
      settings.duration("REQUEST_TIMEOUT").ifPresent(v -> {
        requestTimeout = v;
        requestTimeoutKey = settings.fullKey("REQUEST_TIMEOUT");
      });
      settings.duration("CONNECT_TIMEOUT").ifPresent(v -> {
        connectTimeout = v;
        connectTimeoutKey = settings.fullKey("CONNECT_TIMEOUT");
      });
      settings.string("BEARER_TOKEN").ifPresent(v -> bearerToken = v);
      settings.string("API_KEY").ifPresent(v -> apiKey = v);
      settings.string("API_KEY_HEADER").ifPresent(v -> apiKeyHeader = v);
      settings.integer("MAX_RESPONSE_BYTES").ifPresent(v -> {
        maxResponseBytes = v;
        maxResponseBytesKey = settings.fullKey("MAX_RESPONSE_BYTES");
      });
      settings.string("HEALTH_PATH").ifPresent(v -> {
        healthPath = v;
        healthPathKey = settings.fullKey("HEALTH_PATH");
      });
      retryConfig = retryConfig.toBuilder().apply(settings).build();
      return this;
    }

    /** Validates and builds. */
    public HttpServiceConfig build() {
      URI uri = baseUrl;
      String basic = basicCredentials;
      if (rawUrl != null) {
        uri = parseUrl(urlKey, rawUrl);
        if (uri.getRawUserInfo() != null) {
          basic = java.util.Base64.getEncoder().encodeToString(
              decode(uri.getRawUserInfo()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
          uri = withoutUserInfo(uri);
        }
      }
      if (uri == null) {
        throw new ConfigurationException(urlKey, "null", "must be set (an http:// or https:// URL)");
      }
      positive(requestTimeoutKey, requestTimeout);
      positive(connectTimeoutKey, connectTimeout);
      if (maxResponseBytes < 1) {
        throw new ConfigurationException(maxResponseBytesKey, maxResponseBytes, "must be >= 1");
      }
      if (!healthPath.startsWith("/")) {
        throw new ConfigurationException(healthPathKey, healthPath, "must start with '/'");
      }
      if (bearerToken != null && bearerToken.isBlank()) {
        throw new ConfigurationException("bearerToken", "", "must not be blank when set");
      }
      if (apiKey != null && apiKey.isBlank()) {
        throw new ConfigurationException("apiKey", "", "must not be blank when set");
      }
      if (!isToken(apiKeyHeader)) {
        throw new ConfigurationException("apiKeyHeader", apiKeyHeader, "must be a valid header name");
      }
      for (Map.Entry<String, String> h : defaultHeaders.entrySet()) {
        String n = h.getKey().toLowerCase(Locale.ROOT);
        if (!isToken(h.getKey()) || RESTRICTED.contains(n)) {
          throw new ConfigurationException("header " + h.getKey(), "(value not shown)",
              "must be a valid header name other than " + RESTRICTED);
        }
        if ((bearerToken != null || basic != null) && n.equals("authorization")) {
          throw new ConfigurationException("header Authorization", Secrets.MASK,
              "must not be set together with a bearer token or URL credentials");
        }
      }
      return new HttpServiceConfig(name, uri, requestTimeout, connectTimeout, defaultHeaders,
          bearerToken, apiKey, apiKeyHeader, basic, maxResponseBytes, healthPath, retryConfig);
    }

    private static URI parseUrl(String key, String raw) {
      URI uri;
      try {
        uri = new URI(raw.trim());
      } catch (URISyntaxException e) {
        throw new ConfigurationException(key, raw, "must be an http:// or https:// URL");
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
        throw new ConfigurationException(key, raw, "must be an http:// or https:// URL with a host");
      }
      if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw new ConfigurationException(key, raw, "must not have a query or fragment");
      }
      return uri;
    }

    private static URI withoutUserInfo(URI u) {
      try {
        return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null);
      } catch (URISyntaxException e) {
        throw new ConfigurationException("baseUrl", Urls.sanitize(u.toString()), "must be a valid URL");
      }
    }

    private static String decode(String s) {
      return java.net.URLDecoder.decode(s.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void positive(String key, Duration d) {
      if (d == null || d.isZero() || d.isNegative() || d.compareTo(Duration.ofDays(1)) > 0) {
        throw new ConfigurationException(key, d == null ? "null" : Durations.format(d),
            "must be > 0 and <= 1 day");
      }
    }

    static boolean isToken(String s) {
      if (s == null || s.isEmpty()) {
        return false;
      }
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        if (!ok) {
          return false;
        }
      }
      return true;
    }
  }
}
