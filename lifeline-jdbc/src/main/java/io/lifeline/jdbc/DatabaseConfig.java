package io.lifeline.jdbc;

import io.lifeline.core.ConfigKeys;
import io.lifeline.core.ConfigurationException;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.Secrets;
import io.lifeline.core.Settings;
import io.lifeline.core.Urls;
import io.lifeline.core.Validation;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.List;

/**
 * Configuration of a {@link DatabaseConnectionManager}. Immutable; build with {@link #builder()} or
 * read from the environment with {@link #fromEnv()}. {@link #toString()} never shows the password.
 *
 * <h2>Settings (environment variable, default)</h2>
 *
 * <table>
 *   <caption>Database settings</caption>
 *   <tr><th>builder</th><th>env</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>url</td><td>DATABASE_URL</td><td>required</td><td>{@code jdbc:...} URL, or
 *       {@code postgresql://user:pw@host:port/db} (converted, credentials taken from it)</td></tr>
 *   <tr><td>username / password</td><td>DATABASE_USERNAME / DATABASE_PASSWORD</td><td>none</td><td>credentials (never logged)</td></tr>
 *   <tr><td>poolSize</td><td>DATABASE_POOL_SIZE</td><td>10</td><td>connections kept open (Hikari {@code minimumIdle})</td></tr>
 *   <tr><td>maxOverflow</td><td>DATABASE_MAX_OVERFLOW</td><td>10</td><td>extra connections under load
 *       (Hikari {@code maximumPoolSize = poolSize + maxOverflow}); they are closed after
 *       {@code idleTimeout} idle, which is how Hikari expresses SQLAlchemy's overflow</td></tr>
 *   <tr><td>poolTimeout</td><td>DATABASE_POOL_TIMEOUT</td><td>30 s</td><td>wait for a free connection (Hikari {@code connectionTimeout})</td></tr>
 *   <tr><td>poolRecycle</td><td>DATABASE_POOL_RECYCLE</td><td>30 min</td><td>max lifetime of a connection (Hikari {@code maxLifetime}); 0 = never</td></tr>
 *   <tr><td>idleTimeout</td><td>DATABASE_IDLE_TIMEOUT</td><td>10 min</td><td>overflow connections idle this long are closed</td></tr>
 *   <tr><td>validationTimeout</td><td>DATABASE_VALIDATION_TIMEOUT</td><td>2 s</td><td>pre-ping bound ({@code Connection.isValid}) and health check bound</td></tr>
 *   <tr><td>connectTimeout</td><td>DATABASE_CONNECT_TIMEOUT</td><td>5 s</td><td>driver TCP connect timeout; bounds the first detection of an outage</td></tr>
 *   <tr><td>socketTimeout</td><td>DATABASE_SOCKET_TIMEOUT</td><td>30 s</td><td>driver read timeout; bounds every statement on a hung database</td></tr>
 *   <tr><td>loginTimeout</td><td>DATABASE_LOGIN_TIMEOUT</td><td>10 s</td><td>driver bound on connect + authentication</td></tr>
 *   <tr><td>recoveryProbeInterval</td><td>DATABASE_RECOVERY_PROBE_INTERVAL</td><td>250 ms</td><td>how often a down database is probed</td></tr>
 *   <tr><td>degradedMode</td><td>DATABASE_DEGRADED_MODE</td><td>FAIL_FAST</td><td>{@link DegradedMode}</td></tr>
 *   <tr><td>journalPath</td><td>DATABASE_JOURNAL_PATH</td><td>required for JOURNAL</td><td>journal file</td></tr>
 *   <tr><td>journalMaxBytes</td><td>DATABASE_JOURNAL_MAX_BYTES</td><td>64 MiB</td><td>journal size bound; a full journal rejects</td></tr>
 *   <tr><td>asyncMaxPending</td><td>DATABASE_ASYNC_MAX_PENDING</td><td>1000</td><td>bound on queued + running async calls</td></tr>
 *   <tr><td>retryConfig</td><td>DATABASE_MAX_RETRIES, ...</td><td>{@link RetryConfig#defaults()}</td><td>see {@link RetryConfig}</td></tr>
 * </table>
 *
 * <p>The driver timeouts are passed as driver properties for PostgreSQL ({@code connectTimeout},
 * {@code socketTimeout}, {@code loginTimeout}, seconds) and MySQL/MariaDB ({@code connectTimeout},
 * {@code socketTimeout}, milliseconds); for other drivers set the equivalents with {@link
 * Builder#driverProperty}.
 */
public record DatabaseConfig(
    String name,
    String url,
    String username,
    String password,
    int poolSize,
    int maxOverflow,
    Duration poolTimeout,
    Duration poolRecycle,
    Duration idleTimeout,
    Duration validationTimeout,
    Duration connectTimeout,
    Duration socketTimeout,
    Duration loginTimeout,
    Duration recoveryProbeInterval,
    RetryConfig retryConfig,
    DegradedMode degradedMode,
    Path journalPath,
    long journalMaxBytes,
    int asyncMaxPending,
    Map<String, String> driverProperties) {

  public static final String DEFAULT_NAME = "database";
  public static final int DEFAULT_POOL_SIZE = 10;
  public static final int DEFAULT_MAX_OVERFLOW = 10;
  public static final Duration DEFAULT_POOL_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_POOL_RECYCLE = Duration.ofMinutes(30);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);
  public static final Duration DEFAULT_VALIDATION_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_LOGIN_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_RECOVERY_PROBE_INTERVAL = Duration.ofMillis(250);
  public static final long DEFAULT_JOURNAL_MAX_BYTES = 64L * 1024 * 1024;
  public static final int DEFAULT_ASYNC_MAX_PENDING = 1000;
  /** Largest journalMaxBytes: 1 TiB. */
  public static final long MAX_JOURNAL_BYTES = 1L << 40;

  /** {@code postgresql://} / {@code postgres://} URLs (any case), converted to JDBC. */
  private static final Validation.UriRule POSTGRES_URL = new Validation.UriRule(
      java.util.Set.of("postgresql", "postgres"), true, true, "postgresql://user:password@host:5432/db");

  public DatabaseConfig {
    driverProperties = Map.copyOf(driverProperties);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Reads {@code DATABASE_*} from the process environment; see the table above. */
  public static DatabaseConfig fromEnv() {
    return builder().apply(Settings.fromEnv().withPrefix("DATABASE_")).build();
  }

  /** As {@link #fromEnv()} over a map with keys such as {@code DATABASE_URL}. */
  public static DatabaseConfig fromMap(Map<String, String> env) {
    return builder().apply(Settings.of(env).withPrefix("DATABASE_")).build();
  }

  /** Hikari's {@code maximumPoolSize}: {@code poolSize + maxOverflow}. */
  public int maxPoolSize() {
    return poolSize + maxOverflow;
  }

  static String fmtDuration(Duration d) {
    return io.lifeline.core.internal.Durations.format(d); // overflow-safe, unlike toMillis()
  }

  /** The URL with credentials masked. */
  public String sanitizedUrl() {
    return Urls.sanitize(url);
  }

  @Override
  public String toString() {
    Map<String, String> shownProps = new LinkedHashMap<>();
    driverProperties.forEach((k, v) -> shownProps.put(k, Secrets.isSecretKey(k) ? Secrets.MASK : v));
    return "DatabaseConfig[name=" + name + ", url=" + sanitizedUrl() + ", username=" + username
        + ", password=" + (password == null ? "null" : Secrets.MASK) + ", poolSize=" + poolSize
        + ", maxOverflow=" + maxOverflow + ", poolTimeout=" + fmtDuration(poolTimeout)
        + ", poolRecycle=" + fmtDuration(poolRecycle) + ", connectTimeout="
        + fmtDuration(connectTimeout) + ", socketTimeout=" + fmtDuration(socketTimeout)
        + ", degradedMode=" + degradedMode + ", journalPath=" + journalPath
        + ", journalMaxBytes=" + journalMaxBytes + ", driverProperties=" + shownProps + "]";
  }

  /**
   * Builds a {@link DatabaseConfig}. Validation happens in {@link #build()}: an invalid value throws
   * {@link ConfigurationException} naming the builder key, or the environment variable when the
   * value came from {@link #apply(Settings)}. Not thread-safe.
   */
  public static final class Builder {
    private ConfigKeys keys = new ConfigKeys();
    private String name = DEFAULT_NAME;
    private String url;
    private String username;
    private String password;
    private int poolSize = DEFAULT_POOL_SIZE;
    private int maxOverflow = DEFAULT_MAX_OVERFLOW;
    private Duration poolTimeout = DEFAULT_POOL_TIMEOUT;
    private Duration poolRecycle = DEFAULT_POOL_RECYCLE;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration validationTimeout = DEFAULT_VALIDATION_TIMEOUT;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration socketTimeout = DEFAULT_SOCKET_TIMEOUT;
    private Duration loginTimeout = DEFAULT_LOGIN_TIMEOUT;
    private Duration recoveryProbeInterval = DEFAULT_RECOVERY_PROBE_INTERVAL;
    private RetryConfig retryConfig = RetryConfig.defaults();
    private DegradedMode degradedMode = DegradedMode.FAIL_FAST;
    /** The journal path as given: a {@link Path}, or a string from the environment. */
    private Object journalPath;
    private long journalMaxBytes = DEFAULT_JOURNAL_MAX_BYTES;
    private int asyncMaxPending = DEFAULT_ASYNC_MAX_PENDING;
    private final Map<String, String> driverProperties = new LinkedHashMap<>();
    /** The prefix of the last {@link #apply(Settings)}, to name missing keys as variables. */
    private String envPrefix;
    /** driverProperty calls with a null key or value (reported by build()). */
    private final List<String> nullProperties = new ArrayList<>();

    private Builder() {}

    private Builder set(String field) {
      keys.set(field);
      return this;
    }

    /** Name used in exceptions, metrics, health and the global registry (default "database"). */
    public Builder name(String name) { this.name = name; return set("name"); }
    public Builder url(String url) { this.url = url; return set("url"); }
    public Builder username(String username) { this.username = username; return set("username"); }
    public Builder password(String password) { this.password = password; return set("password"); }
    public Builder poolSize(int poolSize) { this.poolSize = poolSize; return set("poolSize"); }
    public Builder maxOverflow(int maxOverflow) { this.maxOverflow = maxOverflow; return set("maxOverflow"); }
    public Builder poolTimeout(Duration d) { this.poolTimeout = d; return set("poolTimeout"); }
    public Builder poolRecycle(Duration d) { this.poolRecycle = d; return set("poolRecycle"); }
    public Builder idleTimeout(Duration d) { this.idleTimeout = d; return set("idleTimeout"); }
    public Builder validationTimeout(Duration d) { this.validationTimeout = d; return set("validationTimeout"); }
    public Builder connectTimeout(Duration d) { this.connectTimeout = d; return set("connectTimeout"); }
    public Builder socketTimeout(Duration d) { this.socketTimeout = d; return set("socketTimeout"); }
    public Builder loginTimeout(Duration d) { this.loginTimeout = d; return set("loginTimeout"); }
    public Builder recoveryProbeInterval(Duration d) { this.recoveryProbeInterval = d; return set("recoveryProbeInterval"); }
    public Builder retryConfig(RetryConfig c) { this.retryConfig = c; return set("retryConfig"); }
    public Builder degradedMode(DegradedMode m) { this.degradedMode = m; return set("degradedMode"); }
    public Builder journalPath(Path p) { this.journalPath = p; return set("journalPath"); }
    public Builder journalMaxBytes(long n) { this.journalMaxBytes = n; return set("journalMaxBytes"); }
    public Builder asyncMaxPending(int n) { this.asyncMaxPending = n; return set("asyncMaxPending"); }

    /** A driver property passed as is (e.g. {@code sslmode}); overrides the timeouts' mapping. */
    public Builder driverProperty(String key, String value) {
      if (key == null || value == null) {
        nullProperties.add("driverProperty " + (key == null ? "(key)" : key));
      } else {
        driverProperties.put(key, value);
      }
      return this;
    }

    /**
     * Applies every present key of {@code s} (e.g. prefix {@code DATABASE_}), retry settings
     * included. Unparsable values are reported by {@link #build()} with every other problem.
     */
    public Builder apply(Settings s) {
      envPrefix = s.prefix();
      keys.bind(s, "NAME", "name", Settings::string, v -> name = v);
      keys.bind(s, "URL", "url", Settings::string, v -> url = v);
      keys.bind(s, "USERNAME", "username", Settings::string, v -> username = v);
      keys.bind(s, "PASSWORD", "password", Settings::string, v -> password = v);
      keys.bind(s, "POOL_SIZE", "poolSize", Settings::integer, v -> poolSize = v);
      keys.bind(s, "MAX_OVERFLOW", "maxOverflow", Settings::integer, v -> maxOverflow = v);
      keys.bind(s, "POOL_TIMEOUT", "poolTimeout", Settings::duration, v -> poolTimeout = v);
      keys.bind(s, "POOL_RECYCLE", "poolRecycle", Settings::duration, v -> poolRecycle = v);
      keys.bind(s, "IDLE_TIMEOUT", "idleTimeout", Settings::duration, v -> idleTimeout = v);
      keys.bind(s, "VALIDATION_TIMEOUT", "validationTimeout", Settings::duration, v -> validationTimeout = v);
      keys.bind(s, "CONNECT_TIMEOUT", "connectTimeout", Settings::duration, v -> connectTimeout = v);
      keys.bind(s, "SOCKET_TIMEOUT", "socketTimeout", Settings::duration, v -> socketTimeout = v);
      keys.bind(s, "LOGIN_TIMEOUT", "loginTimeout", Settings::duration, v -> loginTimeout = v);
      keys.bind(s, "RECOVERY_PROBE_INTERVAL", "recoveryProbeInterval", Settings::duration,
          v -> recoveryProbeInterval = v);
      keys.bind(s, "DEGRADED_MODE", "degradedMode", (st, k) -> st.string(k).map(v -> {
        try {
          return DegradedMode.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new ConfigurationException(st.fullKey(k), v, "must be FAIL_FAST or JOURNAL");
        }
      }), v -> degradedMode = v);
      keys.bind(s, "JOURNAL_PATH", "journalPath", Settings::raw, v -> journalPath = v);
      keys.bind(s, "JOURNAL_MAX_BYTES", "journalMaxBytes", Settings::longValue, v -> journalMaxBytes = v);
      keys.bind(s, "ASYNC_MAX_PENDING", "asyncMaxPending", Settings::integer, v -> asyncMaxPending = v);
      try {
        retryConfig = retryConfig.toBuilder().apply(s).build();
      } catch (ConfigurationException e) {
        keys.bindProblem("retryConfig", e);
      }
      return this;
    }

    /**
     * Validates and builds. Throws {@link ConfigurationException} listing every problem, each named
     * as the user wrote it (builder method, or environment variable for values from {@link
     * #apply(Settings)}); passwords never appear, not even inside a URL.
     */
    public DatabaseConfig build() {
      Validation v = keys.validation();
      String jdbcUrl = null;
      String user = username;
      String pw = password;
      if (url == null || url.isBlank()) {
        v.add(ConfigurationException.Problem.of(missingKey("url", "URL"), url == null ? "null" : '"' + url + '"',
            "must be set, e.g. jdbc:postgresql://host:5432/db"));
      } else {
        String lower = url.trim().toLowerCase(Locale.ROOT);
        if (lower.startsWith("postgresql://") || lower.startsWith("postgres://")) {
          URI uri = v.uri("url", url, POSTGRES_URL);
          if (uri != null) {
            String info = uri.getRawUserInfo();
            if (info != null) {
              int colon = info.indexOf(':');
              String u = decode(colon < 0 ? info : info.substring(0, colon));
              String p = colon < 0 ? null : decode(info.substring(colon + 1));
              if (u == null || (colon >= 0 && p == null)) {
                v.problem("url", Validation.urlShown(url),
                    "must have percent-encoded user info (%XX escapes, e.g. %40 for @)");
              }
              if (user == null) {
                user = u;
              }
              if (pw == null) {
                pw = p;
              }
            }
            jdbcUrl = "jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                + (uri.getRawPath() == null ? "" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
          }
        } else if (!lower.startsWith("jdbc:")) {
          v.problem("url", Validation.urlShown(url), "must start with jdbc: (e.g. jdbc:postgresql://host:5432/db) or postgresql://");
        } else if (v.jdbcAuthority("url", url.trim())) {
          jdbcUrl = "jdbc:" + url.trim().substring(5); // scheme normalized: JDBC: works as jdbc:
        }
      }
      v.range("poolSize", poolSize, 1, 10_000);
      v.range("maxOverflow", maxOverflow, 0, 10_000);
      v.duration("poolTimeout", poolTimeout, Duration.ofMillis(250), Duration.ofHours(1));
      v.durationOrZero("poolRecycle", poolRecycle, Duration.ofSeconds(30), Duration.ofDays(30), "never");
      v.duration("idleTimeout", idleTimeout, Duration.ofSeconds(10), Duration.ofDays(1));
      v.duration("validationTimeout", validationTimeout, Duration.ofMillis(250), Duration.ofMinutes(10));
      v.duration("connectTimeout", connectTimeout, Duration.ofSeconds(1), Duration.ofMinutes(10));
      v.duration("socketTimeout", socketTimeout, Duration.ofSeconds(1), Duration.ofDays(1));
      v.duration("loginTimeout", loginTimeout, Duration.ofSeconds(1), Duration.ofMinutes(10));
      v.duration("recoveryProbeInterval", recoveryProbeInterval, Duration.ofMillis(10), Duration.ofMinutes(5));
      v.required("retryConfig", retryConfig);
      if (degradedMode == null) {
        v.problem("degradedMode", "null", "must be FAIL_FAST or JOURNAL");
      }
      Path journal = null;
      if (journalPath instanceof Path) {
        journal = (Path) journalPath;
      } else if (journalPath != null) {
        journal = v.path("journalPath", (String) journalPath);
      } else if (degradedMode == DegradedMode.JOURNAL) {
        v.add(ConfigurationException.Problem.of(missingKey("journalPath", "JOURNAL_PATH"), "null",
            "must be set when " + keys.key("degradedMode") + " is JOURNAL"));
      }
      v.range("journalMaxBytes", journalMaxBytes, 4096, MAX_JOURNAL_BYTES);
      v.range("asyncMaxPending", asyncMaxPending, 1, 1_000_000);
      v.notBlank("name", name);
      nullProperties.forEach(p -> v.problem(p, "null", "must not be null"));
      v.throwIfAny();
      return new DatabaseConfig(name, jdbcUrl, user, pw, poolSize, maxOverflow, poolTimeout, poolRecycle,
          idleTimeout, validationTimeout, connectTimeout, socketTimeout, loginTimeout, recoveryProbeInterval,
          retryConfig, degradedMode, journal, journalMaxBytes, asyncMaxPending, driverProperties);
    }

    /** A missing value is named as the variable when the builder was bound from the environment. */
    private String missingKey(String field, String envKey) {
      return keys.isBound(field) || envPrefix == null ? keys.key(field) : envPrefix + envKey;
    }

    /** Percent-decoded, or null for malformed escapes (URLDecoder's message would echo them). */
    private static String decode(String s) {
      try {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
  }
}
