package io.lifeline.redis;

import io.lettuce.core.RedisURI;
import io.lifeline.core.ConfigKeys;
import io.lifeline.core.ConfigurationException;
import io.lifeline.redis.internal.Fmt;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.Secrets;
import io.lifeline.core.Settings;
import io.lifeline.core.Urls;
import io.lifeline.core.Validation;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 *   <tr><td>sentinels (host:port list; Sentinel mode)</td><td>none (single node at url)</td><td>REDIS_SENTINELS</td></tr>
 *   <tr><td>masterName (required with sentinels)</td><td>none</td><td>REDIS_MASTER_NAME</td></tr>
 *   <tr><td>readFrom (Sentinel mode)</td><td>MASTER</td><td>REDIS_READ_FROM</td></tr>
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
    RetryConfig retryConfig,
    List<HostAndPort> sentinels,
    String masterName,
    ReadFromPolicy readFrom) {

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
  /** Longest defaultTtl: 365 days (Redis keeps TTLs in milliseconds; longer means "no expiry": 0). */
  public static final Duration MAX_TTL = Duration.ofDays(365);

  /** {@code redis://} or {@code rediss://}, scheme in any case (normalized to lower case). */
  private static final Validation.UriRule URL_RULE = new Validation.UriRule(
      Set.of("redis", "rediss"), true, true, "redis://[[user]:password@]host[:port][/database]");

  /**
   * The Redis preset of {@link RetryConfig}: commands are not retried ({@code maxRetries = 0}: the
   * fallback answers at once, and a retry would only add a command timeout to the caller's wait),
   * three consecutive failed commands open the breaker. The other values are the design
   * documents' defaults. Reconnection has its own backoff ({@code reconnectMinDelay..MaxDelay}).
   */
  public static final RetryConfig DEFAULT_RETRY =
      RetryConfig.builder().maxRetries(0).circuitBreakerThreshold(3).build();

  /** Sentinels at most (a deployment has 3 or 5). */
  public static final int MAX_SENTINELS = 16;

  /** A Sentinel address. */
  public record HostAndPort(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  /** Copies {@code features} and {@code sentinels}. Use {@link #builder()}, which validates every value. */
  public RedisConfig {
    features = Set.copyOf(features);
    sentinels = List.copyOf(sentinels);
  }

  /** True when the master is found through Sentinels ({@link #sentinels()} not empty). */
  public boolean isSentinel() {
    return !sentinels.isEmpty();
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
    b.rawSentinels = sentinels.stream().map(HostAndPort::toString).collect(Collectors.toList());
    b.masterName = masterName;
    b.readFrom = readFrom;
    return b;
  }

  /**
   * The Lettuce URI: the URL with the separate password (if any) applied; in Sentinel mode the
   * Sentinels and the master name, with the URL's database, password and TLS (its host is not used).
   */
  RedisURI redisUri() {
    RedisURI parsed = RedisURI.create(url);
    RedisURI uri = parsed;
    if (isSentinel()) {
      RedisURI.Builder b = RedisURI.Builder.sentinel(sentinels.get(0).host(), sentinels.get(0).port(), masterName);
      for (HostAndPort s : sentinels.subList(1, sentinels.size())) {
        b.withSentinel(s.host(), s.port());
      }
      uri = b.withDatabase(parsed.getDatabase()).withSsl(parsed.isSsl()).build();
      if (parsed.getPassword() != null) {
        uri.setPassword(parsed.getPassword());
      }
      if (parsed.getUsername() != null && parsed.getPassword() != null) {
        uri.setUsername(parsed.getUsername());
      }
    }
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
        + (isSentinel() ? ", sentinels=" + sentinels + ", masterName=" + masterName : "")
        + ", readFrom=" + readFrom
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
    private List<String> rawSentinels = List.of();
    private String masterName;
    private ReadFromPolicy readFrom = ReadFromPolicy.MASTER;
    /** Field → the env key it was bound from, so errors name what the user wrote. */
    private final ConfigKeys keys = new ConfigKeys();

    private Builder() {}

    private Builder set(String field, Runnable assign) {
      assign.run();
      keys.set(field);
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
      if (features == null) {
        return set("features", () -> this.features = null);
      }
      return features(new LinkedHashSet<>(Arrays.asList(features)));
    }

    /** Breaker threshold, command retries; default {@link RedisConfig#DEFAULT_RETRY}. */
    public Builder retryConfig(RetryConfig config) {
      return set("retryConfig", () -> this.retryConfig = config);
    }

    /**
     * Sentinel mode: the Sentinels as {@code host:port} (port 26379 when omitted); the manager asks
     * them for the master of {@link #masterName}. Empty (default): a single node at {@link #url}.
     */
    public Builder sentinels(List<String> hostPorts) {
      return set("sentinels", () -> this.rawSentinels = hostPorts == null ? null : new ArrayList<>(hostPorts));
    }

    public Builder sentinels(String... hostPorts) {
      return sentinels(hostPorts == null ? null : Arrays.asList(hostPorts));
    }

    /** The master name the Sentinels monitor; required with {@link #sentinels}. */
    public Builder masterName(String masterName) {
      return set("masterName", () -> this.masterName = masterName);
    }

    /** Where reads go while the master is up (Sentinel mode only; default MASTER). */
    public Builder readFrom(ReadFromPolicy policy) {
      return set("readFrom", () -> this.readFrom = policy);
    }

    /**
     * Applies every {@code REDIS_*} key present (see the table on {@link RedisConfig}). Unparsable
     * values are reported by {@link #build()} together with every other problem.
     */
    public Builder apply(Settings s) {
      keys.bind(s, "URL", "url", Settings::string, v -> url = v);
      keys.bind(s, "PASSWORD", "password", Settings::string, v -> password = v);
      keys.bind(s, "NAME", "name", Settings::string, v -> name = v);
      keys.bind(s, "COMMAND_TIMEOUT", "commandTimeout", Settings::duration, v -> commandTimeout = v);
      keys.bind(s, "CONNECT_TIMEOUT", "connectTimeout", Settings::duration, v -> connectTimeout = v);
      keys.bind(s, "MAX_CONNECTIONS", "maxConnections", Settings::integer, v -> maxConnections = v);
      keys.bind(s, "REQUEST_QUEUE_SIZE", "requestQueueSize", Settings::integer, v -> requestQueueSize = v);
      keys.bind(s, "FALLBACK_MAX_ENTRIES", "fallbackMaxEntries", Settings::longValue,
          v -> fallbackMaxEntries = v);
      keys.bind(s, "FALLBACK_MAX_BYTES", "fallbackMaxBytes", Settings::longValue, v -> fallbackMaxBytes = v);
      keys.bind(s, "DEFAULT_TTL", "defaultTtl", Settings::duration, v -> defaultTtl = v);
      keys.bind(s, "HEALTH_CHECK_INTERVAL", "healthCheckInterval", Settings::duration,
          v -> healthCheckInterval = v);
      keys.bind(s, "RECONNECT_MIN_DELAY", "reconnectMinDelay", Settings::duration, v -> reconnectMinDelay = v);
      keys.bind(s, "RECONNECT_MAX_DELAY", "reconnectMaxDelay", Settings::duration, v -> reconnectMaxDelay = v);
      keys.bind(s, "RECONCILIATION", "reconciliation",
          (st, k) -> st.raw(k).map(v -> parseEnum(ReconciliationPolicy.class, st.fullKey(k), v)),
          v -> reconciliation = v);
      keys.bind(s, "MAX_TOUCHED_KEYS", "maxTouchedKeys", Settings::integer, v -> maxTouchedKeys = v);
      keys.bind(s, "OVERFLOW_POLICY", "overflowPolicy",
          (st, k) -> st.raw(k).map(v -> parseEnum(OverflowPolicy.class, st.fullKey(k), v)),
          v -> overflowPolicy = v);
      keys.bind(s, "NAMESPACE", "namespace", Settings::string, v -> namespace = v);
      keys.bind(s, "FEATURES", "features", Settings::string, v -> features =
          Arrays.stream(v.split(",")).map(String::trim).filter(f -> !f.isEmpty())
              .collect(Collectors.toCollection(LinkedHashSet::new)));
      keys.bind(s, "SENTINELS", "sentinels", Settings::string, v -> rawSentinels =
          Arrays.stream(v.split(",", -1)).map(String::trim).collect(Collectors.toCollection(ArrayList::new)));
      keys.bind(s, "MASTER_NAME", "masterName", Settings::string, v -> masterName = v);
      keys.bind(s, "READ_FROM", "readFrom",
          (st, k) -> st.raw(k).map(v -> parseEnum(ReadFromPolicy.class, st.fullKey(k), v)),
          v -> readFrom = v);
      try {
        retryConfig = retryConfig.toBuilder().apply(s).build();
      } catch (ConfigurationException e) {
        keys.bindProblem("retryConfig", e);
      }
      return this;
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String key, String v) {
      try {
        return Enum.valueOf(type, v.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException(key, v, "must be one of " + Arrays.toString(type.getEnumConstants()));
      }
    }

    /**
     * Validates and builds. Throws {@link ConfigurationException} listing every problem: each key as
     * the user wrote it (environment variable or builder method), its value (never a password) and
     * what is allowed.
     */
    public RedisConfig build() {
      Validation v = keys.validation();
      String normalizedUrl = validateUrl(v);
      if (password != null && password.isEmpty()) {
        v.problem("password", "", "must not be empty (omit it for no password)");
      }
      v.notBlank("name", name);
      v.duration("commandTimeout", commandTimeout, Duration.ofMillis(1), Duration.ofMinutes(10));
      v.duration("connectTimeout", connectTimeout, Duration.ofMillis(1), Duration.ofMinutes(10));
      v.range("maxConnections", maxConnections, 1, 1024);
      v.range("requestQueueSize", requestQueueSize, 1, 1_000_000);
      v.range("fallbackMaxEntries", fallbackMaxEntries, 1, 100_000_000);
      v.range("fallbackMaxBytes", fallbackMaxBytes, 1024, 1L << 40);
      v.durationOrZero("defaultTtl", defaultTtl, Duration.ofMillis(1), MAX_TTL, "no expiry");
      v.duration("healthCheckInterval", healthCheckInterval, Duration.ofMillis(10), Duration.ofDays(1));
      Duration min = v.duration("reconnectMinDelay", reconnectMinDelay, Duration.ofMillis(1), Duration.ofHours(1));
      Duration max = v.duration("reconnectMaxDelay", reconnectMaxDelay, Duration.ofMillis(1), Duration.ofHours(1));
      v.notAbove("reconnectMinDelay", min, "reconnectMaxDelay", max);
      if (reconciliation == null) {
        v.problem("reconciliation", "null", "must be INVALIDATE or WRITE_BACK");
      }
      v.range("maxTouchedKeys", maxTouchedKeys, 1, 10_000_000);
      if (overflowPolicy == null) {
        v.problem("overflowPolicy", "null", "must be FLUSH_NAMESPACE or FAIL");
      }
      if (namespace == null || namespace.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '\\')) {
        v.problem("namespace", namespace, "must be a plain key prefix (no glob characters * ? [ \\)");
      }
      if (features == null || features.stream().anyMatch(f -> f == null || f.isBlank())) {
        v.problem("features", features, "must be a set of non-blank names");
      }
      v.required("retryConfig", retryConfig);
      List<HostAndPort> parsedSentinels = validateSentinels(v);
      boolean sentinelMode = rawSentinels != null && !rawSentinels.isEmpty();
      if (sentinelMode) {
        if (masterName == null || masterName.isBlank() || masterName.chars().anyMatch(Character::isWhitespace)) {
          v.problem("masterName", masterName, "must be the non-blank name (no whitespace) the Sentinels "
              + "monitor (REDIS_MASTER_NAME in the environment); required with sentinels");
        }
      } else if (masterName != null) {
        v.problem("masterName", masterName, "is only used with sentinels; set sentinels or remove masterName");
      }
      if (readFrom == null) {
        v.problem("readFrom", "null", "must be one of " + Arrays.toString(ReadFromPolicy.values()));
      } else if (readFrom != ReadFromPolicy.MASTER && !sentinelMode) {
        v.problem("readFrom", readFrom, "replicas are found through Sentinels: set sentinels, or use MASTER");
      }
      v.throwIfAny();
      return new RedisConfig(normalizedUrl, password, name, commandTimeout, connectTimeout, maxConnections,
          requestQueueSize, fallbackMaxEntries, fallbackMaxBytes, defaultTtl, healthCheckInterval,
          reconnectMinDelay, reconnectMaxDelay, reconciliation, maxTouchedKeys, overflowPolicy, namespace,
          features, retryConfig, parsedSentinels, masterName, readFrom);
    }

    /** Each entry {@code host[:port]}; every bad entry is its own problem. */
    private List<HostAndPort> validateSentinels(Validation v) {
      if (rawSentinels == null) {
        v.problem("sentinels", "null", "must be a list of host:port (empty for a single node at url)");
        return List.of();
      }
      List<HostAndPort> out = new ArrayList<>();
      if (rawSentinels.size() > MAX_SENTINELS) {
        v.problem("sentinels", rawSentinels.size() + " entries", "must list at most " + MAX_SENTINELS + " Sentinels");
        return List.of();
      }
      Set<String> seen = new java.util.HashSet<>();
      for (String raw : rawSentinels) {
        HostAndPort hp = parseHostPort(v, raw);
        if (hp != null && !seen.add(hp.toString())) {
          v.problem("sentinels", raw, "lists the same Sentinel twice");
        } else if (hp != null) {
          out.add(hp);
        }
      }
      return out;
    }

    private static HostAndPort parseHostPort(Validation v, String raw) {
      String allowed = "must be host[:port] with port 1-" + Validation.MAX_PORT + " (default 26379), e.g. "
          + "sentinel-1:26379";
      if (raw == null || raw.isBlank()) {
        v.problem("sentinels", raw == null ? "null" : "\"" + raw + "\"", allowed + "; found an empty entry");
        return null;
      }
      String s = raw.trim();
      int colon = s.lastIndexOf(':');
      String host = s;
      int port = 26379;
      if (colon >= 0 && !(s.startsWith("[") && s.endsWith("]"))) {
        host = s.substring(0, colon);
        try {
          port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
          v.problem("sentinels", raw, allowed);
          return null;
        }
      }
      String hostError = Validation.hostError(host);
      if (hostError != null) {
        v.problem("sentinels", raw, allowed + "; " + hostError);
        return null;
      }
      if (!Validation.isPort(port)) {
        v.problem("sentinels", raw, allowed);
        return null;
      }
      return new HostAndPort(host, port);
    }

    /** The URL with its scheme in lower case, or {@code null} after recording its problems. */
    private String validateUrl(Validation v) {
      URI uri = v.uri("url", url, URL_RULE);
      if (uri == null) {
        return null;
      }
      String normalized = uri.toString();
      RedisURI parsed;
      try {
        parsed = RedisURI.create(normalized);
      } catch (RuntimeException e) {
        // never chain Lettuce's exception: its message may echo the URL with the password
        v.problem("url", Validation.urlShown(url), "must be a Redis URL Lettuce accepts, e.g. " + URL_RULE.example()
            + " (" + e.getClass().getSimpleName() + ")");
        return null;
      }
      if (parsed.getDatabase() < 0) {
        v.problem("url", Validation.urlShown(url), "database index must be >= 0");
        return null;
      }
      return normalized;
    }
  }
}
