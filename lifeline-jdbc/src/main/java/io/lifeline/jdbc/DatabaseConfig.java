package io.lifeline.jdbc;

import io.lifeline.core.ConfigurationException;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.Secrets;
import io.lifeline.core.Settings;
import io.lifeline.core.Urls;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

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
    if (d == null) {
      return "null";
    }
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
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
    private final Map<String, String> keys = new HashMap<>();
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
    private Path journalPath;
    private long journalMaxBytes = DEFAULT_JOURNAL_MAX_BYTES;
    private int asyncMaxPending = DEFAULT_ASYNC_MAX_PENDING;
    private final Map<String, String> driverProperties = new LinkedHashMap<>();

    private Builder() {}

    /** Name used in exceptions, metrics, health and the global registry (default "database"). */
    public Builder name(String name) { this.name = name; return this; }
    public Builder url(String url) { this.url = url; keys.remove("url"); return this; }
    public Builder username(String username) { this.username = username; return this; }
    public Builder password(String password) { this.password = password; return this; }
    public Builder poolSize(int poolSize) { this.poolSize = poolSize; keys.remove("poolSize"); return this; }
    public Builder maxOverflow(int maxOverflow) { this.maxOverflow = maxOverflow; keys.remove("maxOverflow"); return this; }
    public Builder poolTimeout(Duration d) { this.poolTimeout = d; keys.remove("poolTimeout"); return this; }
    public Builder poolRecycle(Duration d) { this.poolRecycle = d; keys.remove("poolRecycle"); return this; }
    public Builder idleTimeout(Duration d) { this.idleTimeout = d; keys.remove("idleTimeout"); return this; }
    public Builder validationTimeout(Duration d) { this.validationTimeout = d; keys.remove("validationTimeout"); return this; }
    public Builder connectTimeout(Duration d) { this.connectTimeout = d; keys.remove("connectTimeout"); return this; }
    public Builder socketTimeout(Duration d) { this.socketTimeout = d; keys.remove("socketTimeout"); return this; }
    public Builder loginTimeout(Duration d) { this.loginTimeout = d; keys.remove("loginTimeout"); return this; }
    public Builder recoveryProbeInterval(Duration d) { this.recoveryProbeInterval = d; keys.remove("recoveryProbeInterval"); return this; }
    public Builder retryConfig(RetryConfig c) { this.retryConfig = Objects.requireNonNull(c, "retryConfig"); return this; }
    public Builder degradedMode(DegradedMode m) { this.degradedMode = Objects.requireNonNull(m, "degradedMode"); return this; }
    public Builder journalPath(Path p) { this.journalPath = p; return this; }
    public Builder journalMaxBytes(long n) { this.journalMaxBytes = n; keys.remove("journalMaxBytes"); return this; }
    public Builder asyncMaxPending(int n) { this.asyncMaxPending = n; keys.remove("asyncMaxPending"); return this; }

    /** A driver property passed as is (e.g. {@code sslmode}); overrides the timeouts' mapping. */
    public Builder driverProperty(String key, String value) {
      driverProperties.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
      return this;
    }

    /** Applies every present key of {@code s} (e.g. prefix {@code DATABASE_}), retry settings included. */
    public Builder apply(Settings s) {
      s.string("NAME").ifPresent(v -> name = v);
      s.string("URL").ifPresent(v -> { url = v; keys.put("url", s.fullKey("URL")); });
      s.string("USERNAME").ifPresent(v -> username = v);
      s.string("PASSWORD").ifPresent(v -> password = v);
      s.integer("POOL_SIZE").ifPresent(v -> { poolSize = v; keys.put("poolSize", s.fullKey("POOL_SIZE")); });
      s.integer("MAX_OVERFLOW").ifPresent(v -> { maxOverflow = v; keys.put("maxOverflow", s.fullKey("MAX_OVERFLOW")); });
      dur(s, "POOL_TIMEOUT", "poolTimeout", v -> poolTimeout = v);
      dur(s, "POOL_RECYCLE", "poolRecycle", v -> poolRecycle = v);
      dur(s, "IDLE_TIMEOUT", "idleTimeout", v -> idleTimeout = v);
      dur(s, "VALIDATION_TIMEOUT", "validationTimeout", v -> validationTimeout = v);
      dur(s, "CONNECT_TIMEOUT", "connectTimeout", v -> connectTimeout = v);
      dur(s, "SOCKET_TIMEOUT", "socketTimeout", v -> socketTimeout = v);
      dur(s, "LOGIN_TIMEOUT", "loginTimeout", v -> loginTimeout = v);
      dur(s, "RECOVERY_PROBE_INTERVAL", "recoveryProbeInterval", v -> recoveryProbeInterval = v);
      s.string("DEGRADED_MODE").ifPresent(v -> {
        try {
          degradedMode = DegradedMode.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new ConfigurationException(s.fullKey("DEGRADED_MODE"), v, "must be FAIL_FAST or JOURNAL");
        }
      });
      s.string("JOURNAL_PATH").ifPresent(v -> journalPath = Path.of(v));
      s.string("JOURNAL_MAX_BYTES").ifPresent(v -> {
        try {
          journalMaxBytes = Long.parseLong(v);
        } catch (NumberFormatException e) {
          throw new ConfigurationException(s.fullKey("JOURNAL_MAX_BYTES"), v, "must be a whole number of bytes");
        }
        keys.put("journalMaxBytes", s.fullKey("JOURNAL_MAX_BYTES"));
      });
      s.integer("ASYNC_MAX_PENDING").ifPresent(v -> { asyncMaxPending = v; keys.put("asyncMaxPending", s.fullKey("ASYNC_MAX_PENDING")); });
      retryConfig = retryConfig.toBuilder().apply(s).build();
      return this;
    }

    private void dur(Settings s, String envKey, String field, java.util.function.Consumer<Duration> set) {
      s.duration(envKey).ifPresent(v -> {
        set.accept(v);
        keys.put(field, s.fullKey(envKey));
      });
    }

    private String key(String field) {
      return keys.getOrDefault(field, field);
    }

    /** Validates and builds. */
    public DatabaseConfig build() {
      if (url == null || url.isBlank()) {
        throw new ConfigurationException(key("url"), "null", "must be set (DATABASE_URL), e.g. jdbc:postgresql://host:5432/db");
      }
      String jdbcUrl = url.trim();
      String user = username;
      String pw = password;
      String lower = jdbcUrl.toLowerCase(Locale.ROOT);
      if (lower.startsWith("postgresql://") || lower.startsWith("postgres://")) {
        URI uri;
        try {
          uri = URI.create(jdbcUrl);
        } catch (IllegalArgumentException e) {
          throw new ConfigurationException(key("url"), jdbcUrl, "must be a valid URL", e);
        }
        if (uri.getHost() == null) {
          throw new ConfigurationException(key("url"), jdbcUrl, "must name a host, e.g. postgresql://host:5432/db");
        }
        String info = uri.getRawUserInfo();
        if (info != null) {
          int colon = info.indexOf(':');
          String u = decode(colon < 0 ? info : info.substring(0, colon));
          String p = colon < 0 ? null : decode(info.substring(colon + 1));
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
      } else if (!lower.startsWith("jdbc:")) {
        throw new ConfigurationException(key("url"), jdbcUrl,
            "must start with jdbc: (e.g. jdbc:postgresql://host:5432/db) or postgresql://");
      }
      if (poolSize < 1 || poolSize > 10_000) {
        throw new ConfigurationException(key("poolSize"), poolSize, "must be between 1 and 10000");
      }
      if (maxOverflow < 0 || maxOverflow > 10_000) {
        throw new ConfigurationException(key("maxOverflow"), maxOverflow, "must be between 0 and 10000");
      }
      atLeast("poolTimeout", poolTimeout, Duration.ofMillis(250), "must be >= 250ms (HikariCP's minimum)");
      if (poolRecycle == null || (!poolRecycle.isZero() && poolRecycle.compareTo(Duration.ofSeconds(30)) < 0)) {
        throw new ConfigurationException(key("poolRecycle"), fmt(poolRecycle), "must be 0 (never) or >= 30s (HikariCP's minimum)");
      }
      atLeast("idleTimeout", idleTimeout, Duration.ofSeconds(10), "must be >= 10s (HikariCP's minimum)");
      atLeast("validationTimeout", validationTimeout, Duration.ofMillis(250), "must be >= 250ms (HikariCP's minimum)");
      atLeast("connectTimeout", connectTimeout, Duration.ofSeconds(1),
          "must be >= 1s (drivers take whole seconds); it bounds the first detection of an outage");
      atLeast("socketTimeout", socketTimeout, Duration.ofSeconds(1),
          "must be >= 1s; it bounds every statement on a hung database (there is no 'infinite')");
      atLeast("loginTimeout", loginTimeout, Duration.ofSeconds(1), "must be >= 1s");
      atLeast("recoveryProbeInterval", recoveryProbeInterval, Duration.ofMillis(10), "must be >= 10ms");
      if (recoveryProbeInterval.compareTo(Duration.ofMinutes(5)) > 0) {
        throw new ConfigurationException(key("recoveryProbeInterval"), fmt(recoveryProbeInterval), "must be <= 5m");
      }
      if (degradedMode == DegradedMode.JOURNAL && journalPath == null) {
        throw new ConfigurationException(keys.containsKey("url") ? "DATABASE_JOURNAL_PATH" : "journalPath", "null",
            "must be set when degradedMode is JOURNAL");
      }
      if (journalMaxBytes < 4096) {
        throw new ConfigurationException(key("journalMaxBytes"), journalMaxBytes, "must be >= 4096 bytes");
      }
      if (asyncMaxPending < 1 || asyncMaxPending > 1_000_000) {
        throw new ConfigurationException(key("asyncMaxPending"), asyncMaxPending, "must be between 1 and 1000000");
      }
      if (name == null || name.isBlank()) {
        throw new ConfigurationException("name", String.valueOf(name), "must not be blank");
      }
      return new DatabaseConfig(name, jdbcUrl, user, pw, poolSize, maxOverflow, poolTimeout, poolRecycle,
          idleTimeout, validationTimeout, connectTimeout, socketTimeout, loginTimeout, recoveryProbeInterval,
          retryConfig, degradedMode, journalPath, journalMaxBytes, asyncMaxPending, driverProperties);
    }

    private void atLeast(String field, Duration d, Duration min, String allowed) {
      if (d == null || d.compareTo(min) < 0) {
        throw new ConfigurationException(key(field), fmt(d), allowed);
      }
    }

    private static String fmt(Duration d) {
      return fmtDuration(d);
    }

    private static String decode(String s) {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
  }
}
