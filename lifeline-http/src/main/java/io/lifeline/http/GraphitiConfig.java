package io.lifeline.http;

import io.lifeline.core.ConfigurationException;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.Settings;
import io.lifeline.core.Validation;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of a {@link GraphitiConnectionManager}: the HTTP settings with the design document's
 * Graphiti defaults, plus an optional deep-check group.
 *
 * <table>
 *   <caption>Environment variables and defaults</caption>
 *   <tr><th>variable</th><th>default</th></tr>
 *   <tr><td>GRAPHITI_URL</td><td>{@code http://localhost:8000}</td></tr>
 *   <tr><td>GRAPHITI_REQUEST_TIMEOUT</td><td>30 (seconds)</td></tr>
 *   <tr><td>GRAPHITI_MAX_RETRIES</td><td>3</td></tr>
 *   <tr><td>GRAPHITI_RETRY_DELAY</td><td>1.0 (seconds)</td></tr>
 *   <tr><td>GRAPHITI_RETRY_BACKOFF</td><td>2.0</td></tr>
 *   <tr><td>GRAPHITI_DEEP_CHECK_GROUP</td><td>none: the health check only calls {@code /healthcheck}</td></tr>
 * </table>
 *
 * Every other key of {@link HttpServiceConfig} and {@link RetryConfig} works under the {@code
 * GRAPHITI_} prefix too (e.g. {@code GRAPHITI_CONNECT_TIMEOUT}, {@code GRAPHITI_API_KEY}). Invalid
 * values throw {@link ConfigurationException} naming the variable.
 *
 * @param http the HTTP settings (name {@code graphiti}, health path {@code /healthcheck})
 * @param deepCheckGroupId when set, the health check also reads {@code GET /episodes/<group>?last_n=1},
 *     because Graphiti's {@code /healthcheck} answers 200 even when its database is down
 */
public record GraphitiConfig(HttpServiceConfig http, String deepCheckGroupId) {
  public static final String ENV_PREFIX = "GRAPHITI_";
  public static final String DEFAULT_URL = "http://localhost:8000";
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_RETRIES = 3;
  public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);
  public static final double DEFAULT_RETRY_BACKOFF = 2.0;
  public static final String HEALTH_PATH = "/healthcheck";

  public GraphitiConfig {
    Objects.requireNonNull(http, "http");
  }

  /** The defaults above, ignoring the environment. */
  public static GraphitiConfig defaults() {
    return builder().build();
  }

  /** From the {@code GRAPHITI_*} environment variables over the defaults. */
  public static GraphitiConfig fromEnv() {
    return builder().apply(Settings.fromEnv().withPrefix(ENV_PREFIX)).build();
  }

  /** As {@link #fromEnv()} over a map of variables (e.g. read from a {@code .env} file). */
  public static GraphitiConfig fromMap(Map<String, String> variables) {
    return builder().apply(Settings.of(variables).withPrefix(ENV_PREFIX)).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link GraphitiConfig}; the last value set wins. Not thread-safe. */
  public static final class Builder {
    private final HttpServiceConfig.Builder http = HttpServiceConfig.builder("graphiti")
        .baseUrl(DEFAULT_URL)
        .requestTimeout(DEFAULT_REQUEST_TIMEOUT)
        .healthPath(HEALTH_PATH);
    private RetryConfig.Builder retry = RetryConfig.builder()
        .maxRetries(DEFAULT_MAX_RETRIES)
        .baseDelay(DEFAULT_RETRY_DELAY)
        .exponentialBase(DEFAULT_RETRY_BACKOFF);
    private String deepCheckGroupId;
    private String deepCheckGroupKey = "deepCheckGroupId";
    /** retryConfig(null) was called (reported by build(); the other retry methods still work). */
    private boolean retryConfigNull;

    private Builder() {}

    /** The Graphiti server, e.g. {@code http://graphiti:8000}. */
    public Builder url(String url) {
      http.baseUrl(url);
      return this;
    }

    public Builder requestTimeout(Duration timeout) {
      http.requestTimeout(timeout);
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      http.connectTimeout(timeout);
      return this;
    }

    /** Seed: {@code max_retries}. */
    public Builder maxRetries(int maxRetries) {
      retry.maxRetries(maxRetries);
      return this;
    }

    /** Seed: {@code retry_delay}, the delay before the first retry. */
    public Builder retryDelay(Duration delay) {
      retry.baseDelay(delay);
      return this;
    }

    /** Seed: {@code retry_backoff}, the multiplier per retry. */
    public Builder retryBackoff(double backoff) {
      retry.exponentialBase(backoff);
      return this;
    }

    /** Replaces all retry settings (breaker, budget, jitter …). */
    public Builder retryConfig(RetryConfig config) {
      retryConfigNull = config == null;
      if (config != null) {
        retry = config.toBuilder();
      }
      return this;
    }

    public Builder bearerToken(String token) {
      http.bearerToken(token);
      return this;
    }

    public Builder apiKey(String key) {
      http.apiKey(key);
      return this;
    }

    public Builder header(String name, String value) {
      http.header(name, value);
      return this;
    }

    public Builder maxResponseBytes(int max) {
      http.maxResponseBytes(max);
      return this;
    }

    /** Group read by the deep health check ({@code GET /episodes/<group>?last_n=1}); null = none. */
    public Builder deepCheckGroupId(String groupId) {
      this.deepCheckGroupId = groupId;
      deepCheckGroupKey = "deepCheckGroupId";
      return this;
    }

    /** Applies the {@code GRAPHITI_*} keys present in {@code settings} (already prefixed). */
    public Builder apply(Settings settings) {
      http.apply(settings);
      retry.apply(settings);
      settings.string("DEEP_CHECK_GROUP").ifPresent(v -> {
        deepCheckGroupId = v;
        deepCheckGroupKey = settings.fullKey("DEEP_CHECK_GROUP");
      });
      return this;
    }

    /**
     * Validates and builds. Throws {@link ConfigurationException} listing every problem of the HTTP
     * settings, the retry settings and the deep-check group at once, each under the name the user
     * wrote: the {@code GRAPHITI_*} variable, or this builder's method ({@code url}, {@code
     * retryDelay}, {@code retryBackoff}), not the underlying builders' field names.
     */
    public GraphitiConfig build() {
      Validation v = Validation.byField();
      RetryConfig retryConfig = null;
      if (retryConfigNull) {
        v.problem("retryConfig", "null", "must be set");
      } else {
        try {
          retryConfig = retry.build();
        } catch (ConfigurationException e) {
          e.problems().forEach(p -> v.add(renamed(p)));
        }
      }
      HttpServiceConfig h = null;
      try {
        // the HTTP builder's own copy of the retry keys is replaced, so they are reported once
        h = http.retryConfig(retryConfig == null ? RetryConfig.defaults() : retryConfig).build();
      } catch (ConfigurationException e) {
        e.problems().forEach(p -> v.add(renamed(p)));
      }
      if (deepCheckGroupId != null && (deepCheckGroupId.isBlank() || deepCheckGroupId.contains("/")
          || deepCheckGroupId.chars().anyMatch(Character::isISOControl))) {
        v.add(ConfigurationException.Problem.of(deepCheckGroupKey, deepCheckGroupId,
            "must be a non-blank group id without '/' or control characters"));
      }
      v.throwIfAny();
      return new GraphitiConfig(h, deepCheckGroupId);
    }

    /** Problems keyed by the inner builders' field names get this builder's method names. */
    private static ConfigurationException.Problem renamed(ConfigurationException.Problem p) {
      String key;
      switch (p.key()) {
        case "baseUrl": key = "url"; break;
        case "baseDelay": key = "retryDelay"; break;
        case "exponentialBase": key = "retryBackoff"; break;
        default: return p;
      }
      return new ConfigurationException.Problem(key, p.value(), p.allowed().replace("baseDelay", "retryDelay"));
    }
  }
}
