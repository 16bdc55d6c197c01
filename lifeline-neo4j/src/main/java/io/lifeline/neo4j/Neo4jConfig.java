package io.lifeline.neo4j;

import io.lifeline.core.ConfigKeys;
import io.lifeline.core.ConfigurationException;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.Secrets;
import io.lifeline.core.Settings;
import io.lifeline.core.Urls;
import io.lifeline.core.Validation;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
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
    Validation v = Validation.byField();
    String normalized = validate(v, name, uri, user, maxConnectionLifetime, maxConnectionPoolSize,
        connectionAcquisitionTimeout, connectionTimeout, livenessCheckTimeout, queryTimeout, retry);
    v.throwIfAny();
    uri = normalized;
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

  /** {@code bolt}, {@code neo4j} and their TLS variants, scheme in any case, no credentials. */
  private static final Validation.UriRule URI_RULE =
      new Validation.UriRule(SCHEMES, false, true, "bolt://localhost:7687");

  /**
   * Records every problem of these values in {@code v}; returns the URI with its scheme in lower
   * case (RFC 3986: schemes are case-insensitive; the driver only accepts lower case), or null.
   */
  private static String validate(Validation v, String name, String uri, String user,
      Duration maxConnectionLifetime, int maxConnectionPoolSize, Duration connectionAcquisitionTimeout,
      Duration connectionTimeout, Duration livenessCheckTimeout, Duration queryTimeout, RetryConfig retry) {
    v.notBlank("name", name);
    URI parsed = v.uri("uri", uri, URI_RULE);
    v.notBlank("user", user);
    v.duration("maxConnectionLifetime", maxConnectionLifetime, Duration.ofSeconds(1), Duration.ofDays(365));
    v.range("maxConnectionPoolSize", maxConnectionPoolSize, 1, 10_000);
    v.duration("connectionAcquisitionTimeout", connectionAcquisitionTimeout, Duration.ofMillis(1),
        Duration.ofHours(1));
    v.duration("connectionTimeout", connectionTimeout, Duration.ofMillis(1), Duration.ofMinutes(10));
    v.duration("livenessCheckTimeout", livenessCheckTimeout, Duration.ZERO, Duration.ofDays(1));
    v.duration("queryTimeout", queryTimeout, Duration.ofMillis(1), Duration.ofDays(1));
    v.required("retry", retry);
    return parsed == null ? null : parsed.toString();
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
    private final ConfigKeys sourceKeys = new ConfigKeys();

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
      sourceKeys.set("uri");
      return this;
    }

    /** User for basic authentication (used only with a password). */
    public Builder user(String user) {
      this.user = user;
      sourceKeys.set("user");
      return this;
    }

    /** Password for basic authentication; {@code null} for none. Never logged or printed. */
    public Builder password(String password) {
      this.password = password;
      sourceKeys.set("password");
      return this;
    }

    /** Database name; {@code null} for the server's default database. */
    public Builder database(String database) {
      this.database = database == null || database.isBlank() ? null : database;
      sourceKeys.set("database");
      return this;
    }

    /** Connections older than this are closed instead of reused (default 3600 s). */
    public Builder maxConnectionLifetime(Duration d) {
      this.maxConnectionLifetime = d;
      sourceKeys.set("maxConnectionLifetime");
      return this;
    }

    /** Connections the driver keeps at most (default 50; 1–10000). */
    public Builder maxConnectionPoolSize(int size) {
      this.maxConnectionPoolSize = size;
      sourceKeys.set("maxConnectionPoolSize");
      return this;
    }

    /** How long a call waits for a free pooled connection (default 60 s). */
    public Builder connectionAcquisitionTimeout(Duration d) {
      this.connectionAcquisitionTimeout = d;
      sourceKeys.set("connectionAcquisitionTimeout");
      return this;
    }

    /** Bound on opening a connection: TCP connect and Bolt handshake (default 30 s). */
    public Builder connectionTimeout(Duration d) {
      this.connectionTimeout = d;
      sourceKeys.set("connectionTimeout");
      return this;
    }

    /** Connections idle longer are tested before use (default 60 s; 0 = always). */
    public Builder livenessCheckTimeout(Duration d) {
      this.livenessCheckTimeout = d;
      sourceKeys.set("livenessCheckTimeout");
      return this;
    }

    /** Client-side bound on each attempt of a call (default 60 s). */
    public Builder queryTimeout(Duration d) {
      this.queryTimeout = d;
      sourceKeys.set("queryTimeout");
      return this;
    }

    /** Retry, backoff, breaker and budget settings (default {@link Neo4jConfig#DEFAULT_RETRY}). */
    public Builder retry(RetryConfig retry) {
      this.retry = retry;
      sourceKeys.set("retry");
      return this;
    }

    /**
     * Applies every key present in {@code settings} (keys as in the table without the prefix, e.g.
     * {@code URI}, {@code MAX_CONNECTION_POOL_SIZE}, {@code MAX_RETRIES}); absent keys keep the
     * builder's values. Unparsable values throw {@link ConfigurationException} naming the full key.
     */
    public Builder apply(Settings s) {
      sourceKeys.bind(s, "URI", "uri", Settings::string, v -> uri = v);
      sourceKeys.bind(s, "USER", "user", Settings::string, v -> user = v);
      sourceKeys.bind(s, "PASSWORD", "password", Settings::string, v -> password = v);
      sourceKeys.bind(s, "DATABASE", "database", Settings::string, v -> database = v);
      sourceKeys.bind(s, "MAX_CONNECTION_LIFETIME", "maxConnectionLifetime", Settings::duration,
          v -> maxConnectionLifetime = v);
      sourceKeys.bind(s, "MAX_CONNECTION_POOL_SIZE", "maxConnectionPoolSize", Settings::integer,
          v -> maxConnectionPoolSize = v);
      sourceKeys.bind(s, "CONNECTION_ACQUISITION_TIMEOUT", "connectionAcquisitionTimeout",
          Settings::duration, v -> connectionAcquisitionTimeout = v);
      sourceKeys.bind(s, "CONNECTION_TIMEOUT", "connectionTimeout", Settings::duration,
          v -> connectionTimeout = v);
      sourceKeys.bind(s, "LIVENESS_CHECK_TIMEOUT", "livenessCheckTimeout", Settings::duration,
          v -> livenessCheckTimeout = v);
      sourceKeys.bind(s, "QUERY_TIMEOUT", "queryTimeout", Settings::duration, v -> queryTimeout = v);
      try {
        retry = retry.toBuilder().apply(s).build();
      } catch (ConfigurationException e) {
        sourceKeys.bindProblem("retry", e);
      }
      return this;
    }

    /**
     * Validates and builds; see {@link Neo4jConfig} for the rules. Throws {@link
     * ConfigurationException} listing every problem, each named as the user wrote it. An upper-case
     * scheme ({@code BOLT://}) is accepted and normalized to lower case.
     */
    public Neo4jConfig build() {
      Validation v = sourceKeys.validation();
      String normalized = validate(v, name, uri, user, maxConnectionLifetime, maxConnectionPoolSize,
          connectionAcquisitionTimeout, connectionTimeout, livenessCheckTimeout, queryTimeout, retry);
      v.throwIfAny();
      return new Neo4jConfig(name, normalized, user, password, database, maxConnectionLifetime,
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
