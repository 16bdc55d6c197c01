package io.lifeline.http;

import io.lifeline.core.ConfigKeys;
import io.lifeline.core.ConfigurationException;
import io.lifeline.core.internal.Durations;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.Secrets;
import io.lifeline.core.Settings;
import io.lifeline.core.Urls;
import io.lifeline.core.Validation;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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

  /** Largest maxResponseBytes: 1 GiB (bodies are buffered in memory). */
  public static final int MAX_RESPONSE_BYTES_BOUND = 1 << 30;

  /** {@code http://} or {@code https://} (any case, normalized), credentials allowed, no query. */
  private static final Validation.UriRule URL_RULE =
      new Validation.UriRule(Set.of("http", "https"), true, false, "http://localhost:8000");

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
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private final Map<String, String> defaultHeaders = new LinkedHashMap<>();
    private String bearerToken;
    private String apiKey;
    private String apiKeyHeader = DEFAULT_API_KEY_HEADER;
    private String basicCredentials;
    private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private String healthPath = DEFAULT_HEALTH_PATH;
    private RetryConfig retryConfig = RetryConfig.defaults();
    /** Field → the environment key it was bound from, so errors name what the user wrote. */
    private final ConfigKeys keys = new ConfigKeys();
    /** Builder methods given {@code null} where null means nothing (reported by build()). */
    private final List<String> nullArguments = new ArrayList<>();

    /** {@code name} is checked by {@link #build()}, with every other value. */
    private Builder(String name) {
      this.name = name;
    }

    /** The service's base URL, e.g. {@code http://localhost:8000}; request paths are appended. */
    public Builder baseUrl(String url) {
      this.rawUrl = url;
      this.baseUrl = null;
      keys.set("baseUrl");
      if (url == null) {
        nullArguments.add("baseUrl");
      }
      return this;
    }

    /** As {@link #baseUrl(String)}. */
    public Builder baseUrl(URI url) {
      return baseUrl(url == null ? null : url.toString());
    }

    /** Bound on each attempt, from sending the request to the last byte of the body (default 30 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = timeout;
      keys.set("requestTimeout");
      return this;
    }

    /** Bound on opening a TCP (and TLS) connection (default 10 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      keys.set("connectTimeout");
      return this;
    }

    /** A header sent with every request. */
    public Builder header(String name, String value) {
      if (name == null || value == null) {
        nullArguments.add("header " + (name == null ? "(name)" : name));
      } else {
        defaultHeaders.put(name, value);
      }
      return this;
    }

    /** Sends {@code Authorization: Bearer <token>} with every request. */
    public Builder bearerToken(String token) {
      this.bearerToken = token;
      keys.set("bearerToken");
      return this;
    }

    /** Sends the API key in {@code X-API-Key} (or {@link #apiKeyHeader}) with every request. */
    public Builder apiKey(String key) {
      this.apiKey = key;
      keys.set("apiKey");
      return this;
    }

    /** The header that carries {@link #apiKey} (default {@code X-API-Key}). */
    public Builder apiKeyHeader(String header) {
      this.apiKeyHeader = header;
      keys.set("apiKeyHeader");
      return this;
    }

    /** Largest response body accepted (default 16 MiB); a larger one fails the call, unretried. */
    public Builder maxResponseBytes(int max) {
      this.maxResponseBytes = max;
      keys.set("maxResponseBytes");
      return this;
    }

    /** Path the health check GETs (default {@code /}). */
    public Builder healthPath(String path) {
      this.healthPath = path;
      keys.set("healthPath");
      return this;
    }

    /** Retry, backoff, breaker and budget settings (default {@link RetryConfig#defaults()}). */
    public Builder retryConfig(RetryConfig config) {
      this.retryConfig = config;
      keys.set("retryConfig");
      return this;
    }

    /**
     * Applies every key present in {@code settings} (see the table on {@link HttpServiceConfig}),
     * including the {@link RetryConfig} keys on top of the current retry config. Unparsable values
     * are reported by {@link #build()}, together with every other problem, under the full key.
     */
    public Builder apply(Settings settings) {
      keys.bind(settings, "URL", "baseUrl", Settings::string, v -> {
        rawUrl = v;
        baseUrl = null;
      });
      keys.bind(settings, "REQUEST_TIMEOUT", "requestTimeout", Settings::duration, v -> requestTimeout = v);
      keys.bind(settings, "CONNECT_TIMEOUT", "connectTimeout", Settings::duration, v -> connectTimeout = v);
      keys.bind(settings, "BEARER_TOKEN", "bearerToken", Settings::string, v -> bearerToken = v);
      keys.bind(settings, "API_KEY", "apiKey", Settings::string, v -> apiKey = v);
      keys.bind(settings, "API_KEY_HEADER", "apiKeyHeader", Settings::string, v -> apiKeyHeader = v);
      keys.bind(settings, "MAX_RESPONSE_BYTES", "maxResponseBytes", Settings::integer,
          v -> maxResponseBytes = v);
      keys.bind(settings, "HEALTH_PATH", "healthPath", Settings::string, v -> healthPath = v);
      try {
        retryConfig = retryConfig.toBuilder().apply(settings).build();
      } catch (ConfigurationException e) {
        keys.bindProblem("retryConfig", e);
      }
      return this;
    }

    /**
     * Validates and builds. Throws {@link ConfigurationException} listing every problem, each named
     * as the user wrote it (builder method, or environment variable for values from {@link
     * #apply(Settings)}); tokens, API keys and URL credentials never appear in it.
     */
    public HttpServiceConfig build() {
      Validation v = keys.validation().publicField("apiKeyHeader"); // a header name, not the key
      v.notBlank("name", name);
      URI uri = baseUrl;
      String basic = basicCredentials;
      if (rawUrl != null) {
        uri = v.uri("baseUrl", rawUrl, URL_RULE);
        if (uri != null && uri.getRawUserInfo() != null) {
          String info = decode(uri.getRawUserInfo());
          if (info == null) {
            v.problem("baseUrl", Validation.urlShown(rawUrl), "must have percent-encoded user info (%XX escapes)");
          } else {
            basic = java.util.Base64.getEncoder().encodeToString(
                info.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            uri = withoutUserInfo(v, uri);
          }
        }
      } else if (uri == null && !nullArguments.contains("baseUrl")) {
        v.problem("baseUrl", "null", "must be set (an http:// or https:// URL)");
      }
      v.duration("requestTimeout", requestTimeout, Duration.ofMillis(1), Duration.ofDays(1));
      v.duration("connectTimeout", connectTimeout, Duration.ofMillis(1), Duration.ofDays(1));
      v.range("maxResponseBytes", maxResponseBytes, 1, MAX_RESPONSE_BYTES_BOUND);
      if (healthPath == null || !healthPath.startsWith("/") || hasControl(healthPath)) {
        v.problem("healthPath", healthPath, "must start with '/' and have no spaces or control characters");
      }
      if (bearerToken != null && (bearerToken.isBlank() || hasControl(bearerToken))) {
        v.problem("bearerToken", bearerToken, "must not be blank or contain control characters when set");
      }
      if (apiKey != null && (apiKey.isBlank() || hasControl(apiKey))) {
        v.problem("apiKey", apiKey, "must not be blank or contain control characters when set");
      }
      if (!isToken(apiKeyHeader)) {
        v.problem("apiKeyHeader", apiKeyHeader,
            "must be a valid header name (letters, digits and !#$%&'*+-.^_`|~)");
      }
      for (Map.Entry<String, String> h : defaultHeaders.entrySet()) {
        String n = h.getKey().toLowerCase(Locale.ROOT);
        if (!isToken(h.getKey()) || RESTRICTED.contains(n)) {
          v.add(new ConfigurationException.Problem("header " + Urls.sanitize(h.getKey()),
              "(value not shown)", "must be a valid header name other than " + RESTRICTED));
        } else if ((bearerToken != null || basic != null) && n.equals("authorization")) {
          v.add(new ConfigurationException.Problem("header Authorization", Secrets.MASK,
              "must not be set together with a bearer token or URL credentials"));
        } else if (hasControl(h.getValue())) {
          v.add(new ConfigurationException.Problem("header " + h.getKey(), "(value not shown)",
              "must not contain control characters"));
        }
      }
      v.required("retryConfig", retryConfig);
      nullArguments.forEach(m -> v.problem(m, "null", "must not be null"));
      v.throwIfAny();
      return new HttpServiceConfig(name, uri, requestTimeout, connectTimeout, defaultHeaders,
          bearerToken, apiKey, apiKeyHeader, basic, maxResponseBytes, healthPath, retryConfig);
    }

    private static boolean hasControl(String s) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c < 0x20 && c != '\t' || c == 0x7f) {
          return true;
        }
      }
      return false;
    }

    private static URI withoutUserInfo(Validation v, URI u) {
      try {
        return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null);
      } catch (URISyntaxException e) {
        v.problem("baseUrl", Validation.urlShown(u.toString()), "must be a valid URL (" + e.getReason() + ")");
        return null;
      }
    }

    /** The percent-decoded user info, or null when its escapes are malformed. */
    private static String decode(String s) {
      try {
        return java.net.URLDecoder.decode(s.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return null; // its message echoes the escape, i.e. part of the password: not used
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
