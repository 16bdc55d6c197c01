package io.lifeline.neo4j;

import io.lifeline.core.ConfigurationException;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.Secrets;
import io.lifeline.core.Settings;
import io.lifeline.core.Urls;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of a {@link Neo4jConnectionManager}. Immutable; build with {@link #builder()}, or bind
 * from the environment with {@link #fromEnv()} (the design document's variables).
 *
 * <table>
 *   <caption>Settings, defaults and environment variables</caption>
 *   <tr><th>setting</th><th>default</th><th>environment variable</th></tr>
 *   <tr><td>uri</td><td>{@code bolt://localhost:7687}</td><td>NEO4J_URI</td></tr>
 *   <tr><td>user</td><td>{@code neo4j}</td><td>NEO4J_USER</td></tr>
 *   <tr><td>password</td><td>none (no authentication)</td><td>NEO4J_PASSWORD</td></tr>
 *   <tr><td>database</td><td>the server's default</td><td>NEO4J_DATABASE</td></tr>
 *   <tr><td>maxConnectionLifetime</td><td>3600 s</td><td>NEO4J_MAX_CONNECTION_LIFETIME</td></tr>
 *   <tr><td>maxConnectionPoolSize</td><td>50</td><td>NEO4J_MAX_CONNECTION_POOL_SIZE</td></tr>
 *   <tr><td>connectionAcquisitionTimeout</td><td>60 s</td><td>NEO4J_CONNECTION_ACQUISITION_TIMEOUT</td></tr>
 *   <tr><td>connectionTimeout</td><td>30 s</td><td>NEO4J_CONNECTION_TIMEOUT</td></tr>
 *   <tr><td>livenessCheckTimeout</td><td>60 s</td><td>NEO4J_LIVENESS_CHECK_TIMEOUT</td></tr>
 *   <tr><td>queryTimeout</td><td>60 s</td><td>NEO4J_QUERY_TIMEOUT</td></tr>
 *   <tr><td>retry</td><td>3 retries, 1 s delay, backoff 2.0</td><td>NEO4J_MAX_RETRIES, NEO4J_RETRY_DELAY,
 *       NEO4J_RETRY_BACKOFF, and every other {@link RetryConfig} key after {@code NEO4J_}</td></tr>
 * </table>
 *
 * <ul>
 *   <li>{@code connectionTimeout} bounds opening a connection (TCP connect and Bolt handshake).
 *   <li>{@code livenessCheckTimeout}: a pooled connection idle for longer is tested (a Bolt RESET)
 *       before it is used, so connections that a load balancer or firewall dropped while idle are
 *       found and replaced instead of failing a query (Neo4j Java driver issue #653). {@code 0}
 *       tests before every use.
 *   <li>{@code queryTimeout} bounds each attempt on the client side (also a hung server or a
 *       black-holed network): the attempt is abandoned, its connection closed, and it counts as a
 *       retriable failure.
 * </ul>
 *
 * <p>Durations read from the environment are seconds ({@code 3600}, {@code 1.5}) or carry a unit
 * ({@code 250ms}, {@code 5m}, ISO-8601). Every value is validated when built: a bad one throws
 * {@link ConfigurationException} naming the key (the environment variable when bound from one),
 * the value (never for the password) and what is allowed. {@link #toString()} masks the password.
 */
public record Neo4jConfig(
    String name,
    String uri,
    String user,
    String password,
    String database,
    Duration maxConnectionLifetime,
    int maxConnectionPoolSize,
    Duration connectionAcquisitionTimeout,
    Duration connectionTimeout,
    Duration livenessCheckTimeout,
    Duration queryTimeout,
    RetryConfig retry) {

  public static final String DEFAULT_NAME = "neo4j";
  public static final String DEFAULT_URI = "bolt://localhost:7687";
  public static final String DEFAULT_USER = "neo4j";
  public static final Duration DEFAULT_MAX_CONNECTION_LIFETIME = Duration.ofSeconds(3600);
  public static final int DEFAULT_MAX_CONNECTION_POOL_SIZE = 50;
  public static final Duration DEFAULT_CONNECTION_ACQUISITION_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_LIVENESS_CHECK_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(60);
  /** Seed 000's manager defaults: 3 retries, 1.0 s delay, backoff 2.0 (the rest: core defaults). */
  public static final RetryConfig DEFAULT_RETRY =
      RetryConfig.builder().maxRetries(3).baseDelay(Duration.ofSeconds(1)).exponentialBase(2.0).build();

  /** URI schemes the driver accepts. */
  public static final Set<String> SCHEMES =
      Set.of("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc");

  /** Environment variable prefix. */
  public static final String ENV_PREFIX = "NEO4J_";

  public Neo4jConfig {
    // Validation with field names; the builder validates first with the keys values came from.
    validate(Map.of(), name, uri, user, maxConnectionLifetime, maxConnectionPoolSize,
        connectionAcquisitionTimeout, connectionTimeout, livenessCheckTimeout, queryTimeout, retry);
  }

  /** A builder with every default (see the table). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder preset with this config's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Binds from the process environment ({@code NEO4J_*}, see the table). A JVM system property of
   * the same name (e.g. {@code -DNEO4J_URI=...}) overrides the environment variable; prefer the
   * environment for {@code NEO4J_PASSWORD} (system properties show in process listings).
   */
  public static Neo4jConfig fromEnv() {
    Map<String, String> values = new HashMap<>(System.getenv());
    for (String key : System.getProperties().stringPropertyNames()) {
      if (key.startsWith(ENV_PREFIX)) {
        values.put(key, System.getProperty(key));
      }
    }
    return fromMap(values);
  }

  /** As {@link #fromEnv()} over a map of {@code NEO4J_*} variables. */
  public static Neo4jConfig fromMap(Map<String, String> values) {
    return builder().apply(Settings.of(values).withPrefix(ENV_PREFIX)).build();
  }

  /** True when a password is set (requests basic authentication). */
  public boolean hasPassword() {
    return password != null;
  }

  @Override
  public String toString() {
    return "Neo4jConfig[name=" + name
        + ", uri=" + Urls.sanitize(uri)
        + ", user=" + user
        + ", password=" + (password == null ? "none" : Secrets.MASK)
        + ", database=" + (database == null ? "default" : database)
        + ", maxConnectionLifetime=" + maxConnectionLifetime
        + ", maxConnectionPoolSize=" + maxConnectionPoolSize
        + ", connectionAcquisitionTimeout=" + connectionAcquisitionTimeout
        + ", connectionTimeout=" + connectionTimeout
        + ", livenessCheckTimeout=" + livenessCheckTimeout
        + ", queryTimeout=" + queryTimeout
        + ", retry=" + retry + "]";
  }

  private static void validate(Map<String, String> keys, String name, String uri, String user,
      Duration maxConnectionLifetime, int maxConnectionPoolSize, Duration connectionAcquisitionTimeout,
      Duration connectionTimeout, Duration livenessCheckTimeout, Duration queryTimeout, RetryConfig retry) {
    if (name == null || name.isBlank()) {
      throw new ConfigurationException("name", String.valueOf(name), "must not be blank");
    }
    validateUri(keys.getOrDefault("uri", "uri"), uri);
    if (user == null || user.isBlank()) {
      throw new ConfigurationException(keys.getOrDefault("user", "user"), String.valueOf(user),
          "must not be blank");
    }
    between(keys.getOrDefault("maxConnectionLifetime", "maxConnectionLifetime"), maxConnectionLifetime,
        Duration.ofSeconds(1), Duration.ofDays(365));
    if (maxConnectionPoolSize < 1 || maxConnectionPoolSize > 10_000) {
      throw new ConfigurationException(keys.getOrDefault("maxConnectionPoolSize", "maxConnectionPoolSize"),
          maxConnectionPoolSize, "must be between 1 and 10000");
    }
    between(keys.getOrDefault("connectionAcquisitionTimeout", "connectionAcquisitionTimeout"),
        connectionAcquisitionTimeout, Duration.ofMillis(1), Duration.ofHours(1));
    between(keys.getOrDefault("connectionTimeout", "connectionTimeout"), connectionTimeout,
        Duration.ofMillis(1), Duration.ofMinutes(10));
    between(keys.getOrDefault("livenessCheckTimeout", "livenessCheckTimeout"), livenessCheckTimeout,
        Duration.ZERO, Duration.ofDays(1));
    between(keys.getOrDefault("queryTimeout", "queryTimeout"), queryTimeout, Duration.ofMillis(1),
        Duration.ofDays(1));
    Objects.requireNonNull(retry, "retry");
  }

  private static void validateUri(String key, String uri) {
    String allowed = "must be a URI with a host and one of the schemes bolt, bolt+s, bolt+ssc, neo4j, "
        + "neo4j+s, neo4j+ssc (e.g. bolt://localhost:7687), without credentials (use the password setting)";
    if (uri == null || uri.isBlank()) {
      throw new ConfigurationException(key, String.valueOf(uri), allowed);
    }
    URI parsed;
    try {
      parsed = new URI(uri.trim());
    } catch (URISyntaxException e) {
      throw new ConfigurationException(key, uri, allowed);
    }
    String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
    if (!SCHEMES.contains(scheme) || parsed.getHost() == null || parsed.getRawUserInfo() != null
        || parsed.getPort() > 65_535) {
      throw new ConfigurationException(key, uri, allowed);
    }
  }

  private static void between(String key, Duration d, Duration min, Duration max) {
    if (d == null) {
      throw new ConfigurationException(key, "null", "must be set");
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new ConfigurationException(key, d, "must be between " + min + " and " + max);
    }
  }

  /**
   * Builds a {@link Neo4jConfig}. Not thread-safe. Setters may be called more than once (the last
   * value wins), so that values bound with {@link #apply(Settings)} can be overridden in code.
   * Validation happens in {@link #build()}.
   */
  public static final class Builder {
    private String name = DEFAULT_NAME;
    private String uri = DEFAULT_URI;
    private String user = DEFAULT_USER;
    private String password;
    private String database;
    private Duration maxConnectionLifetime = DEFAULT_MAX_CONNECTION_LIFETIME;
    private int maxConnectionPoolSize = DEFAULT_MAX_CONNECTION_POOL_SIZE;
    private Duration connectionAcquisitionTimeout = DEFAULT_CONNECTION_ACQUISITION_TIMEOUT;
    private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
    private Duration livenessCheckTimeout = DEFAULT_LIVENESS_CHECK_TIMEOUT;
    private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
    private RetryConfig retry = DEFAULT_RETRY;
    /** Field name → the environment variable it was bound from, so errors name what the user set. */
    private final Map<String, String> sourceKeys = new HashMap<>();

    private Builder() {}

    private Builder(Neo4jConfig c) {
      name = c.name;
      uri = c.uri;
      user = c.user;
      password = c.password;
      database = c.database;
      maxConnectionLifetime = c.maxConnectionLifetime;
      maxConnectionPoolSize = c.maxConnectionPoolSize;
      connectionAcquisitionTimeout = c.connectionAcquisitionTimeout;
      connectionTimeout = c.connectionTimeout;
      livenessCheckTimeout = c.livenessCheckTimeout;
      queryTimeout = c.queryTimeout;
      retry = c.retry;
    }

    /** Name used for the guard, metrics, health registration and messages (default {@code neo4j}). */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** Bolt URI, e.g. {@code bolt://localhost:7687} or {@code neo4j+s://host} (no credentials in it). */
    public Builder uri(String uri) {
      this.uri = uri;
      sourceKeys.remove("uri");
      return this;
    }

    /** User for basic authentication (used only with a password). */
    public Builder user(String user) {
      this.user = user;
      sourceKeys.remove("user");
      return this;
    }

    /** Password for basic authentication; {@code null} for none. Never logged or printed. */
    public Builder password(String password) {
      this.password = password;
      return this;
    }

    /** Database name; {@code null} for the server's default database. */
    public Builder database(String database) {
      this.database = database == null || database.isBlank() ? null : database;
      return this;
    }

    /** Connections older than this are closed instead of reused (default 3600 s). */
    public Builder maxConnectionLifetime(Duration d) {
      this.maxConnectionLifetime = d;
      sourceKeys.remove("maxConnectionLifetime");
      return this;
    }

    /** Connections the driver keeps at most (default 50; 1–10000). */
    public Builder maxConnectionPoolSize(int size) {
      this.maxConnectionPoolSize = size;
      sourceKeys.remove("maxConnectionPoolSize");
      return this;
    }

    /** How long a call waits for a free pooled connection (default 60 s). */
    public Builder connectionAcquisitionTimeout(Duration d) {
      this.connectionAcquisitionTimeout = d;
      sourceKeys.remove("connectionAcquisitionTimeout");
      return this;
    }

    /** Bound on opening a connection: TCP connect and Bolt handshake (default 30 s). */
    public Builder connectionTimeout(Duration d) {
      this.connectionTimeout = d;
      sourceKeys.remove("connectionTimeout");
      return this;
    }

    /** Connections idle longer are tested before use (default 60 s; 0 = always). */
    public Builder livenessCheckTimeout(Duration d) {
      this.livenessCheckTimeout = d;
      sourceKeys.remove("livenessCheckTimeout");
      return this;
    }

    /** Client-side bound on each attempt of a call (default 60 s). */
    public Builder queryTimeout(Duration d) {
      this.queryTimeout = d;
      sourceKeys.remove("queryTimeout");
      return this;
    }

    /** Retry, backoff, breaker and budget settings (default {@link Neo4jConfig#DEFAULT_RETRY}). */
    public Builder retry(RetryConfig retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /**
     * Applies every key present in {@code settings} (keys as in the table without the prefix, e.g.
     * {@code URI}, {@code MAX_CONNECTION_POOL_SIZE}, {@code MAX_RETRIES}); absent keys keep the
     * builder's values. Unparsable values throw {@link ConfigurationException} naming the full key.
     */
    public Builder apply(Settings s) {
      s.string("URI").ifPresent(v -> bound("uri", s, "URI").uri = v);
      s.string("USER").ifPresent(v -> bound("user", s, "USER").user = v);
      s.string("PASSWORD").ifPresent(v -> password = v);
      s.string("DATABASE").ifPresent(this::database);
      s.duration("MAX_CONNECTION_LIFETIME").ifPresent(
          v -> bound("maxConnectionLifetime", s, "MAX_CONNECTION_LIFETIME").maxConnectionLifetime = v);
      s.integer("MAX_CONNECTION_POOL_SIZE").ifPresent(
          v -> bound("maxConnectionPoolSize", s, "MAX_CONNECTION_POOL_SIZE").maxConnectionPoolSize = v);
      s.duration("CONNECTION_ACQUISITION_TIMEOUT").ifPresent(v -> bound("connectionAcquisitionTimeout", s,
          "CONNECTION_ACQUISITION_TIMEOUT").connectionAcquisitionTimeout = v);
      s.duration("CONNECTION_TIMEOUT").ifPresent(
          v -> bound("connectionTimeout", s, "CONNECTION_TIMEOUT").connectionTimeout = v);
      s.duration("LIVENESS_CHECK_TIMEOUT").ifPresent(
          v -> bound("livenessCheckTimeout", s, "LIVENESS_CHECK_TIMEOUT").livenessCheckTimeout = v);
      s.duration("QUERY_TIMEOUT").ifPresent(v -> bound("queryTimeout", s, "QUERY_TIMEOUT").queryTimeout = v);
      retry = retry.toBuilder().apply(s).build();
      return this;
    }

    private Builder bound(String field, Settings settings, String key) {
      sourceKeys.put(field, settings.fullKey(key));
      return this;
    }

    /** Validates and builds; see {@link Neo4jConfig} for the rules. */
    public Neo4jConfig build() {
      validate(sourceKeys, name, uri, user, maxConnectionLifetime, maxConnectionPoolSize,
          connectionAcquisitionTimeout, connectionTimeout, livenessCheckTimeout, queryTimeout, retry);
      return new Neo4jConfig(name, uri.trim(), user, password, database, maxConnectionLifetime,
          maxConnectionPoolSize, connectionAcquisitionTimeout, connectionTimeout, livenessCheckTimeout,
          queryTimeout, retry);
    }

    @Override
    public String toString() {
      return "Neo4jConfig.Builder[uri=" + Urls.sanitize(uri) + ", password="
          + (password == null ? "none" : Secrets.MASK) + "]";
    }
  }
}
