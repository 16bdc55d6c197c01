package io.lifeline.redis;

import io.lettuce.core.RedisURI;
import io.lifeline.core.ConfigurationException;
import io.lifeline.redis.internal.Fmt;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.Secrets;
import io.lifeline.core.Settings;
import io.lifeline.core.Urls;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Settings of a {@link RedisConnectionManager}. Immutable; build with {@link #builder()} or bind
 * from the environment with {@link #fromEnv()}. Every value is validated by {@link Builder#build()}:
 * a bad one throws {@link ConfigurationException} naming the key (the environment variable when
 * bound from one), the value (never a password) and what is allowed. {@link #toString()} never
 * shows the password.
 *
 * <table>
 *   <caption>Settings, defaults and environment variables</caption>
 *   <tr><th>setting</th><th>default</th><th>env</th></tr>
 *   <tr><td>url</td><td>redis://localhost:6379/0</td><td>REDIS_URL</td></tr>
 *   <tr><td>password (overrides the URL's)</td><td>none</td><td>REDIS_PASSWORD</td></tr>
 *   <tr><td>name (health, metrics, logs)</td><td>redis</td><td>REDIS_NAME</td></tr>
 *   <tr><td>commandTimeout</td><td>1 s</td><td>REDIS_COMMAND_TIMEOUT</td></tr>
 *   <tr><td>connectTimeout</td><td>2 s</td><td>REDIS_CONNECT_TIMEOUT</td></tr>
 *   <tr><td>maxConnections</td><td>10</td><td>REDIS_MAX_CONNECTIONS</td></tr>
 *   <tr><td>requestQueueSize</td><td>10 000</td><td>REDIS_REQUEST_QUEUE_SIZE</td></tr>
 *   <tr><td>fallbackMaxEntries</td><td>10 000</td><td>REDIS_FALLBACK_MAX_ENTRIES</td></tr>
 *   <tr><td>fallbackMaxBytes</td><td>64 MiB</td><td>REDIS_FALLBACK_MAX_BYTES</td></tr>
 *   <tr><td>defaultTtl (for {@code set(k, v)}; 0 = none)</td><td>0</td><td>REDIS_DEFAULT_TTL</td></tr>
 *   <tr><td>healthCheckInterval</td><td>30 s</td><td>REDIS_HEALTH_CHECK_INTERVAL</td></tr>
 *   <tr><td>reconnectMinDelay / reconnectMaxDelay</td><td>50 ms / 1 s</td><td>REDIS_RECONNECT_MIN_DELAY / _MAX_DELAY</td></tr>
 *   <tr><td>reconciliation</td><td>INVALIDATE</td><td>REDIS_RECONCILIATION</td></tr>
 *   <tr><td>maxTouchedKeys</td><td>100 000</td><td>REDIS_MAX_TOUCHED_KEYS</td></tr>
 *   <tr><td>overflowPolicy</td><td>FLUSH_NAMESPACE</td><td>REDIS_OVERFLOW_POLICY</td></tr>
 *   <tr><td>namespace (key prefix flushed on overflow)</td><td>"" (the whole database)</td><td>REDIS_NAMESPACE</td></tr>
 *   <tr><td>features</td><td>caching, sessions, rate_limiting</td><td>REDIS_FEATURES</td></tr>
 *   <tr><td>retryConfig</td><td>{@link #DEFAULT_RETRY}</td><td>REDIS_MAX_RETRIES, REDIS_CIRCUIT_BREAKER_THRESHOLD, ... (see {@link RetryConfig})</td></tr>
 * </table>
 */
public record RedisConfig(
    String url,
    String password,
    String name,
    Duration commandTimeout,
    Duration connectTimeout,
    int maxConnections,
    int requestQueueSize,
    long fallbackMaxEntries,
    long fallbackMaxBytes,
    Duration defaultTtl,
    Duration healthCheckInterval,
    Duration reconnectMinDelay,
    Duration reconnectMaxDelay,
    ReconciliationPolicy reconciliation,
    int maxTouchedKeys,
    OverflowPolicy overflowPolicy,
    String namespace,
    Set<String> features,
    RetryConfig retryConfig) {

  public static final String DEFAULT_URL = "redis://localhost:6379/0";
  public static final String DEFAULT_NAME = "redis";
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  public static final int DEFAULT_MAX_CONNECTIONS = 10;
  public static final int DEFAULT_REQUEST_QUEUE_SIZE = 10_000;
  public static final long DEFAULT_FALLBACK_MAX_ENTRIES = 10_000;
  public static final long DEFAULT_FALLBACK_MAX_BYTES = 64L << 20;
  public static final Duration DEFAULT_TTL = Duration.ZERO;
  public static final Duration DEFAULT_HEALTH_CHECK_INTERVAL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_RECONNECT_MIN_DELAY = Duration.ofMillis(50);
  public static final Duration DEFAULT_RECONNECT_MAX_DELAY = Duration.ofSeconds(1);
  public static final int DEFAULT_MAX_TOUCHED_KEYS = 100_000;
  public static final Set<String> DEFAULT_FEATURES = Set.of("caching", "sessions", "rate_limiting");

  /**
   * The Redis preset of {@link RetryConfig}: commands are not retried ({@code maxRetries = 0}: the
   * fallback answers at once, and a retry would only add a command timeout to the caller's wait),
   * three consecutive failed commands open the breaker. The other values are the design
   * documents' defaults. Reconnection has its own backoff ({@code reconnectMinDelay..MaxDelay}).
   */
  public static final RetryConfig DEFAULT_RETRY =
      RetryConfig.builder().maxRetries(0).circuitBreakerThreshold(3).build();

  /** Copies {@code features}. Use {@link #builder()}, which validates every value. */
  public RedisConfig {
    features = Set.copyOf(features);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Binds from the process environment ({@code REDIS_URL} and the keys in the table above). */
  public static RedisConfig fromEnv() {
    return builder().apply(Settings.fromEnv().withPrefix("REDIS_")).build();
  }

  /** As {@link #fromEnv()} over a map of {@code REDIS_*} keys. */
  public static RedisConfig fromMap(Map<String, String> env) {
    return builder().apply(Settings.of(env).withPrefix("REDIS_")).build();
  }

  /** A builder preset with this config's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.url = url;
    b.password = password;
    b.name = name;
    b.commandTimeout = commandTimeout;
    b.connectTimeout = connectTimeout;
    b.maxConnections = maxConnections;
    b.requestQueueSize = requestQueueSize;
    b.fallbackMaxEntries = fallbackMaxEntries;
    b.fallbackMaxBytes = fallbackMaxBytes;
    b.defaultTtl = defaultTtl;
    b.healthCheckInterval = healthCheckInterval;
    b.reconnectMinDelay = reconnectMinDelay;
    b.reconnectMaxDelay = reconnectMaxDelay;
    b.reconciliation = reconciliation;
    b.maxTouchedKeys = maxTouchedKeys;
    b.overflowPolicy = overflowPolicy;
    b.namespace = namespace;
    b.features = features;
    b.retryConfig = retryConfig;
    return b;
  }

  /** The Lettuce URI: the URL with the separate password (if any) applied. */
  RedisURI redisUri() {
    RedisURI uri = RedisURI.create(url);
    if (password != null) {
      uri.setPassword(password.toCharArray());
    }
    uri.setTimeout(commandTimeout);
    return uri;
  }

  @Override
  public String toString() {
    return "RedisConfig[url=" + Urls.sanitize(url)
        + ", password=" + (password == null ? "none" : Secrets.MASK)
        + ", name=" + name
        + ", commandTimeout=" + Fmt.duration(commandTimeout)
        + ", connectTimeout=" + Fmt.duration(connectTimeout)
        + ", maxConnections=" + maxConnections
        + ", requestQueueSize=" + requestQueueSize
        + ", fallbackMaxEntries=" + fallbackMaxEntries
        + ", fallbackMaxBytes=" + fallbackMaxBytes
        + ", defaultTtl=" + Fmt.duration(defaultTtl)
        + ", healthCheckInterval=" + Fmt.duration(healthCheckInterval)
        + ", reconnectDelay=" + Fmt.duration(reconnectMinDelay) + ".." + Fmt.duration(reconnectMaxDelay)
        + ", reconciliation=" + reconciliation
        + ", maxTouchedKeys=" + maxTouchedKeys
        + ", overflowPolicy=" + overflowPolicy
        + ", namespace=\"" + namespace + "\""
        + ", features=" + features
        + ", " + retryConfig + "]";
  }

  /**
   * Builds a {@link RedisConfig}. Setters may be called more than once (the last value wins).
   * Validation happens in {@link #build()}. Not thread-safe.
   */
  public static final class Builder {
    private String url = DEFAULT_URL;
    private String password;
    private String name = DEFAULT_NAME;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private int requestQueueSize = DEFAULT_REQUEST_QUEUE_SIZE;
    private long fallbackMaxEntries = DEFAULT_FALLBACK_MAX_ENTRIES;
    private long fallbackMaxBytes = DEFAULT_FALLBACK_MAX_BYTES;
    private Duration defaultTtl = DEFAULT_TTL;
    private Duration healthCheckInterval = DEFAULT_HEALTH_CHECK_INTERVAL;
    private Duration reconnectMinDelay = DEFAULT_RECONNECT_MIN_DELAY;
    private Duration reconnectMaxDelay = DEFAULT_RECONNECT_MAX_DELAY;
    private ReconciliationPolicy reconciliation = ReconciliationPolicy.INVALIDATE;
    private int maxTouchedKeys = DEFAULT_MAX_TOUCHED_KEYS;
    private OverflowPolicy overflowPolicy = OverflowPolicy.FLUSH_NAMESPACE;
    private String namespace = "";
    private Set<String> features = DEFAULT_FEATURES;
    private RetryConfig retryConfig = DEFAULT_RETRY;
    /** Field → the env key it was bound from, so errors name what the user wrote. */
    private final Map<String, String> keys = new HashMap<>();

    private Builder() {}

    private Builder set(String field, Runnable assign) {
      assign.run();
      keys.remove(field);
      return this;
    }

    /** {@code redis://[[user]:password@]host[:port][/database]} or {@code rediss://...} (TLS). */
    public Builder url(String url) {
      return set("url", () -> this.url = url);
    }

    /** The password, if not in the URL (it overrides the URL's). */
    public Builder password(String password) {
      return set("password", () -> this.password = password);
    }

    /** Name used for the health registration, metrics, logs and exceptions (default "redis"). */
    public Builder name(String name) {
      return set("name", () -> this.name = name);
    }

    /** Bound on every command (Lettuce fixed timeout); a black-holed Redis is detected within it. */
    public Builder commandTimeout(Duration timeout) {
      return set("commandTimeout", () -> this.commandTimeout = timeout);
    }

    /** Bound on opening a connection (TCP connect and handshake). */
    public Builder connectTimeout(Duration timeout) {
      return set("connectTimeout", () -> this.connectTimeout = timeout);
    }

    /**
     * The seed's pool size (default 10). Lettuce multiplexes every supported command over one
     * connection, so the manager opens one; see the README for why no pool is needed.
     */
    public Builder maxConnections(int max) {
      return set("maxConnections", () -> this.maxConnections = max);
    }

    /** Commands in flight or queued on the connection at most; more are rejected at once. */
    public Builder requestQueueSize(int size) {
      return set("requestQueueSize", () -> this.requestQueueSize = size);
    }

    /** Entries the fallback cache holds at most. */
    public Builder fallbackMaxEntries(long entries) {
      return set("fallbackMaxEntries", () -> this.fallbackMaxEntries = entries);
    }

    /** Estimated bytes (keys, values, hash fields, per-entry overhead) the fallback holds at most. */
    public Builder fallbackMaxBytes(long bytes) {
      return set("fallbackMaxBytes", () -> this.fallbackMaxBytes = bytes);
    }

    /** TTL applied by {@code set(key, value)}; zero (default) means no expiry. */
    public Builder defaultTtl(Duration ttl) {
      return set("defaultTtl", () -> this.defaultTtl = ttl);
    }

    /** How often the manager PINGs an idle connection to notice a dead one before a caller does. */
    public Builder healthCheckInterval(Duration interval) {
      return set("healthCheckInterval", () -> this.healthCheckInterval = interval);
    }

    /** Bounds of the jittered exponential reconnect delay. */
    public Builder reconnectDelay(Duration min, Duration max) {
      set("reconnectMinDelay", () -> this.reconnectMinDelay = min);
      return set("reconnectMaxDelay", () -> this.reconnectMaxDelay = max);
    }

    public Builder reconciliation(ReconciliationPolicy policy) {
      return set("reconciliation", () -> this.reconciliation = policy);
    }

    /** Distinct keys written during one outage that are tracked for reconciliation. */
    public Builder maxTouchedKeys(int max) {
      return set("maxTouchedKeys", () -> this.maxTouchedKeys = max);
    }

    public Builder overflowPolicy(OverflowPolicy policy) {
      return set("overflowPolicy", () -> this.overflowPolicy = policy);
    }

    /** Key prefix this application owns; flushed when the touched-key set overflowed. */
    public Builder namespace(String namespace) {
      return set("namespace", () -> this.namespace = namespace);
    }

    /** Features registered with the health manager. */
    public Builder features(Set<String> features) {
      return set("features", () -> this.features = features);
    }

    public Builder features(String... features) {
      return features(new LinkedHashSet<>(Arrays.asList(features)));
    }

    /** Breaker threshold, command retries; default {@link RedisConfig#DEFAULT_RETRY}. */
    public Builder retryConfig(RetryConfig config) {
      return set("retryConfig", () -> this.retryConfig = config);
    }

    /** Applies every {@code REDIS_*} key present (see the table on {@link RedisConfig}). */
    public Builder apply(Settings s) {
      s.string("URL").ifPresent(v -> bind("url", s, "URL").url = v);
      s.string("PASSWORD").ifPresent(v -> bind("password", s, "PASSWORD").password = v);
      s.string("NAME").ifPresent(v -> bind("name", s, "NAME").name = v);
      s.duration("COMMAND_TIMEOUT").ifPresent(v -> bind("commandTimeout", s, "COMMAND_TIMEOUT").commandTimeout = v);
      s.duration("CONNECT_TIMEOUT").ifPresent(v -> bind("connectTimeout", s, "CONNECT_TIMEOUT").connectTimeout = v);
      s.integer("MAX_CONNECTIONS").ifPresent(v -> bind("maxConnections", s, "MAX_CONNECTIONS").maxConnections = v);
      s.integer("REQUEST_QUEUE_SIZE").ifPresent(
          v -> bind("requestQueueSize", s, "REQUEST_QUEUE_SIZE").requestQueueSize = v);
      s.raw("FALLBACK_MAX_ENTRIES").ifPresent(v -> bind("fallbackMaxEntries", s, "FALLBACK_MAX_ENTRIES")
          .fallbackMaxEntries = parseLong(s.fullKey("FALLBACK_MAX_ENTRIES"), v));
      s.raw("FALLBACK_MAX_BYTES").ifPresent(v -> bind("fallbackMaxBytes", s, "FALLBACK_MAX_BYTES")
          .fallbackMaxBytes = parseLong(s.fullKey("FALLBACK_MAX_BYTES"), v));
      s.duration("DEFAULT_TTL").ifPresent(v -> bind("defaultTtl", s, "DEFAULT_TTL").defaultTtl = v);
      s.duration("HEALTH_CHECK_INTERVAL").ifPresent(
          v -> bind("healthCheckInterval", s, "HEALTH_CHECK_INTERVAL").healthCheckInterval = v);
      s.duration("RECONNECT_MIN_DELAY").ifPresent(
          v -> bind("reconnectMinDelay", s, "RECONNECT_MIN_DELAY").reconnectMinDelay = v);
      s.duration("RECONNECT_MAX_DELAY").ifPresent(
          v -> bind("reconnectMaxDelay", s, "RECONNECT_MAX_DELAY").reconnectMaxDelay = v);
      s.raw("RECONCILIATION").ifPresent(v -> bind("reconciliation", s, "RECONCILIATION")
          .reconciliation = parseEnum(ReconciliationPolicy.class, s.fullKey("RECONCILIATION"), v));
      s.integer("MAX_TOUCHED_KEYS").ifPresent(v -> bind("maxTouchedKeys", s, "MAX_TOUCHED_KEYS").maxTouchedKeys = v);
      s.raw("OVERFLOW_POLICY").ifPresent(v -> bind("overflowPolicy", s, "OVERFLOW_POLICY")
          .overflowPolicy = parseEnum(OverflowPolicy.class, s.fullKey("OVERFLOW_POLICY"), v));
      s.string("NAMESPACE").ifPresent(v -> bind("namespace", s, "NAMESPACE").namespace = v);
      s.string("FEATURES").ifPresent(v -> bind("features", s, "FEATURES").features =
          Arrays.stream(v.split(",")).map(String::trim).filter(f -> !f.isEmpty())
              .collect(Collectors.toCollection(LinkedHashSet::new)));
      retryConfig = retryConfig.toBuilder().apply(s).build();
      return this;
    }

    private Builder bind(String field, Settings s, String key) {
      keys.put(field, s.fullKey(key));
      return this;
    }

    private String key(String field) {
      return keys.getOrDefault(field, field);
    }

    private static long parseLong(String key, String v) {
      try {
        return Long.parseLong(v.trim().replace("_", ""));
      } catch (NumberFormatException e) {
        throw new ConfigurationException(key, v, "must be a whole number", e);
      }
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String key, String v) {
      try {
        return Enum.valueOf(type, v.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException(key, v, "must be one of " + Arrays.toString(type.getEnumConstants()));
      }
    }

    /** Validates and builds. */
    public RedisConfig build() {
      validateUrl();
      if (password != null && password.isEmpty()) {
        throw new ConfigurationException(key("password"), "", "must not be empty (omit it for no password)");
      }
      if (name == null || name.isBlank()) {
        throw new ConfigurationException(key("name"), name, "must not be blank");
      }
      duration("commandTimeout", commandTimeout, Duration.ofMillis(1), Duration.ofMinutes(10));
      duration("connectTimeout", connectTimeout, Duration.ofMillis(1), Duration.ofMinutes(10));
      range("maxConnections", maxConnections, 1, 1024);
      range("requestQueueSize", requestQueueSize, 1, 1_000_000);
      range("fallbackMaxEntries", fallbackMaxEntries, 1, 100_000_000);
      range("fallbackMaxBytes", fallbackMaxBytes, 1024, 1L << 40);
      Objects.requireNonNull(defaultTtl, key("defaultTtl"));
      if (defaultTtl.isNegative() || (!defaultTtl.isZero() && defaultTtl.toMillis() < 1)) {
        throw new ConfigurationException(key("defaultTtl"), Fmt.duration(defaultTtl),
            "must be 0 (no expiry) or at least 1ms");
      }
      duration("healthCheckInterval", healthCheckInterval, Duration.ofMillis(10), Duration.ofDays(1));
      duration("reconnectMinDelay", reconnectMinDelay, Duration.ofMillis(1), Duration.ofHours(1));
      duration("reconnectMaxDelay", reconnectMaxDelay, Duration.ofMillis(1), Duration.ofHours(1));
      if (reconnectMaxDelay.compareTo(reconnectMinDelay) < 0) {
        throw new ConfigurationException(key("reconnectMaxDelay"), Fmt.duration(reconnectMaxDelay),
            "must be >= " + key("reconnectMinDelay") + " (" + Fmt.duration(reconnectMinDelay) + ")");
      }
      if (reconciliation == null) {
        throw new ConfigurationException(key("reconciliation"), "null", "must be INVALIDATE or WRITE_BACK");
      }
      range("maxTouchedKeys", maxTouchedKeys, 1, 10_000_000);
      if (overflowPolicy == null) {
        throw new ConfigurationException(key("overflowPolicy"), "null", "must be FLUSH_NAMESPACE or FAIL");
      }
      if (namespace == null || namespace.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '\\')) {
        throw new ConfigurationException(key("namespace"), namespace,
            "must be a plain key prefix (no glob characters * ? [ \\)");
      }
      if (features == null || features.stream().anyMatch(f -> f == null || f.isBlank())) {
        throw new ConfigurationException(key("features"), features, "must be a set of non-blank names");
      }
      if (retryConfig == null) {
        throw new ConfigurationException(key("retryConfig"), "null", "must be set");
      }
      return new RedisConfig(url, password, name, commandTimeout, connectTimeout, maxConnections,
          requestQueueSize, fallbackMaxEntries, fallbackMaxBytes, defaultTtl, healthCheckInterval,
          reconnectMinDelay, reconnectMaxDelay, reconciliation, maxTouchedKeys, overflowPolicy, namespace,
          features, retryConfig);
    }

    private void validateUrl() {
      String allowed = "must be redis://[[user]:password@]host[:port][/database] or rediss://... (TLS)";
      if (url == null || url.isBlank()) {
        throw new ConfigurationException(key("url"), url, allowed);
      }
      String lower = url.toLowerCase(Locale.ROOT);
      if (!lower.startsWith("redis://") && !lower.startsWith("rediss://")) {
        throw new ConfigurationException(key("url"), url, allowed);
      }
      RedisURI uri;
      try {
        uri = RedisURI.create(url);
      } catch (RuntimeException e) {
        // never chain Lettuce's exception: its message may echo the URL with the password
        throw new ConfigurationException(key("url"), url, allowed);
      }
      if (uri.getHost() == null || uri.getHost().isBlank()) {
        throw new ConfigurationException(key("url"), url, allowed + " (host missing)");
      }
      if (uri.getDatabase() < 0) {
        throw new ConfigurationException(key("url"), url, "database index must be >= 0");
      }
    }

    private void duration(String field, Duration d, Duration min, Duration max) {
      if (d == null) {
        throw new ConfigurationException(key(field), "null", "must be set");
      }
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw new ConfigurationException(key(field), Fmt.duration(d),
            "must be between " + Fmt.duration(min) + " and " + Fmt.duration(max));
      }
    }

    private void range(String field, long v, long min, long max) {
      if (v < min || v > max) {
        throw new ConfigurationException(key(field), v, "must be between " + min + " and " + max);
      }
    }
  }
}
