package io.lifeline.spring;

import io.lifeline.core.RetryConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Lifeline's {@code lifeline.*} properties. Every value left unset keeps the Lifeline default
 * (RetryConfig, ConnectionHealthManager.Builder, RedisConfig, DatabaseConfig); Redis falls back to
 * Boot's {@code spring.data.redis.*}, the database manager wraps the application's DataSource.
 * Values are validated when the beans are built; a bad one fails start-up with a message naming
 * the property, its value (masked if secret) and what is allowed.
 */
@ConfigurationProperties("lifeline")
public class LifelineProperties {

  /** Whether Lifeline's auto-configuration is enabled at all. */
  private boolean enabled = true;

  /** Retry, circuit breaker and retry budget defaults of every Guard and manager. */
  private final Retry retry = new Retry();

  /**
   * Per-Guard overrides (name as in {@code @Guarded("name")}): any retry setting, and a call
   * timeout; unset values come from {@code lifeline.retry.*}.
   */
  private final Map<String, GuardSettings> guards = new LinkedHashMap<>();

  /** The health manager: check intervals, timeouts, thresholds and critical features. */
  private final Health health = new Health();

  /** The Redis manager (lifeline-redis on the class path). */
  private final Redis redis = new Redis();

  /** The database manager wrapping the application's DataSource (lifeline-jdbc on the class path). */
  private final Database database = new Database();

  /**
   * HTTP services by name (lifeline-http on the class path), e.g. {@code
   * lifeline.http.graphiti.base-url}: one HttpServiceConnectionManager each, in {@link
   * LifelineHttpServices}.
   */
  private final Map<String, HttpService> http = new LinkedHashMap<>();

  /** The Neo4j manager (lifeline-neo4j on the class path). */
  private final Neo4j neo4j = new Neo4j();

  /** The embedded console of lifeline-console. */
  private final Console console = new Console();

  public boolean isEnabled() { return enabled; }
  public void setEnabled(boolean enabled) { this.enabled = enabled; }
  public Retry getRetry() { return retry; }
  public Map<String, GuardSettings> getGuards() { return guards; }
  public Health getHealth() { return health; }
  public Redis getRedis() { return redis; }
  public Database getDatabase() { return database; }
  public Console getConsole() { return console; }
  public Neo4j getNeo4j() { return neo4j; }
  public Map<String, HttpService> getHttp() { return http; }

  /** One HTTP service. */
  public static class HttpService {
    /** Base URL, e.g. http://graphiti:8000 (required). */
    private String baseUrl;
    /** Bearer token sent with every request. Never logged or shown. */
    private String bearerToken;
    /** API key sent in api-key-header. Never logged or shown. */
    private String apiKey;
    /** Header of the API key (default X-API-Key). */
    private String apiKeyHeader;
    /** Bound on one request (default 30s). */
    private Duration requestTimeout;
    /** Bound on a connect (default 10s). */
    private Duration connectTimeout;
    /** Path of the health check (default /). */
    private String healthPath;
    /** Features that need this service (default: its name). */
    private Set<String> features;
    /** Retry overrides for this service. */
    private final Retry retry = new Retry();

    public String getBaseUrl() { return baseUrl; }
    public void setBaseUrl(String v) { this.baseUrl = v; }
    public String getBearerToken() { return bearerToken; }
    public void setBearerToken(String v) { this.bearerToken = v; }
    public String getApiKey() { return apiKey; }
    public void setApiKey(String v) { this.apiKey = v; }
    public String getApiKeyHeader() { return apiKeyHeader; }
    public void setApiKeyHeader(String v) { this.apiKeyHeader = v; }
    public Duration getRequestTimeout() { return requestTimeout; }
    public void setRequestTimeout(Duration v) { this.requestTimeout = v; }
    public Duration getConnectTimeout() { return connectTimeout; }
    public void setConnectTimeout(Duration v) { this.connectTimeout = v; }
    public String getHealthPath() { return healthPath; }
    public void setHealthPath(String v) { this.healthPath = v; }
    public Set<String> getFeatures() { return features; }
    public void setFeatures(Set<String> v) { this.features = v; }
    public Retry getRetry() { return retry; }
  }

  /** Neo4j manager settings; unset connection values come from {@code spring.neo4j.*}. */
  public static class Neo4j {
    /** Whether the Neo4j manager is created (when Neo4j is configured here or in spring.neo4j.uri). */
    private boolean enabled = true;
    /** Name in health, metrics and exceptions (default "neo4j"). */
    private String name;
    /** bolt:// or neo4j:// URI; falls back to spring.neo4j.uri. */
    private String uri;
    /** User; falls back to spring.neo4j.authentication.username. */
    private String username;
    /** Password; falls back to spring.neo4j.authentication.password. Never logged or shown. */
    private String password;
    /** Database (default: the server's default database). */
    private String database;
    /** Features that need Neo4j (default "graph"). */
    private Set<String> features;
    /** Bound on a connect (default 30s). */
    private Duration connectionTimeout;
    /** Bound on one query attempt (default 60s). */
    private Duration queryTimeout;
    /** Retry overrides for the Neo4j manager. */
    private final Retry retry = new Retry();

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean v) { this.enabled = v; }
    public String getName() { return name; }
    public void setName(String v) { this.name = v; }
    public String getUri() { return uri; }
    public void setUri(String v) { this.uri = v; }
    public String getUsername() { return username; }
    public void setUsername(String v) { this.username = v; }
    public String getPassword() { return password; }
    public void setPassword(String v) { this.password = v; }
    public String getDatabase() { return database; }
    public void setDatabase(String v) { this.database = v; }
    public Set<String> getFeatures() { return features; }
    public void setFeatures(Set<String> v) { this.features = v; }
    public Duration getConnectionTimeout() { return connectionTimeout; }
    public void setConnectionTimeout(Duration v) { this.connectionTimeout = v; }
    public Duration getQueryTimeout() { return queryTimeout; }
    public void setQueryTimeout(Duration v) { this.queryTimeout = v; }
    public Retry getRetry() { return retry; }
  }

  /** Retry, breaker and budget settings; each unset one keeps the inherited value. */
  public static class Retry {
    /** Retries after the first attempt (Lifeline default 5). */
    private Integer maxRetries;
    /** First backoff delay (default 1s). */
    private Duration baseDelay;
    /** Backoff cap (default 60s). */
    private Duration maxDelay;
    /** Backoff multiplier (default 2.0). */
    private Double exponentialBase;
    /** Whether backoff delays are jittered (default true). */
    private Boolean jitter;
    /** Consecutive failures that open the circuit breaker (default 10). */
    private Integer circuitBreakerThreshold;
    /** How long an open breaker stays open before a probe (default 300s). */
    private Duration circuitBreakerTimeout;
    /** Retries allowed as a share of recent calls (retry budget, 0..1). */
    private Double retryBudgetRatio;
    /** Retries per second always allowed by the budget. */
    private Integer retryBudgetMinPerSecond;

    public Integer getMaxRetries() { return maxRetries; }
    public void setMaxRetries(Integer v) { this.maxRetries = v; }
    public Duration getBaseDelay() { return baseDelay; }
    public void setBaseDelay(Duration v) { this.baseDelay = v; }
    public Duration getMaxDelay() { return maxDelay; }
    public void setMaxDelay(Duration v) { this.maxDelay = v; }
    public Double getExponentialBase() { return exponentialBase; }
    public void setExponentialBase(Double v) { this.exponentialBase = v; }
    public Boolean getJitter() { return jitter; }
    public void setJitter(Boolean v) { this.jitter = v; }
    public Integer getCircuitBreakerThreshold() { return circuitBreakerThreshold; }
    public void setCircuitBreakerThreshold(Integer v) { this.circuitBreakerThreshold = v; }
    public Duration getCircuitBreakerTimeout() { return circuitBreakerTimeout; }
    public void setCircuitBreakerTimeout(Duration v) { this.circuitBreakerTimeout = v; }
    public Double getRetryBudgetRatio() { return retryBudgetRatio; }
    public void setRetryBudgetRatio(Double v) { this.retryBudgetRatio = v; }
    public Integer getRetryBudgetMinPerSecond() { return retryBudgetMinPerSecond; }
    public void setRetryBudgetMinPerSecond(Integer v) { this.retryBudgetMinPerSecond = v; }

    /** {@code base} with every value set here applied; validation errors name {@code prefix}. */
    RetryConfig apply(RetryConfig base, String prefix) {
      return Problems.build(prefix, () -> {
        RetryConfig.Builder b = base.toBuilder();
        if (maxRetries != null) b.maxRetries(maxRetries);
        if (baseDelay != null) b.baseDelay(baseDelay);
        if (maxDelay != null) b.maxDelay(maxDelay);
        if (exponentialBase != null) b.exponentialBase(exponentialBase);
        if (jitter != null) b.jitter(jitter);
        if (circuitBreakerThreshold != null) b.circuitBreakerThreshold(circuitBreakerThreshold);
        if (circuitBreakerTimeout != null) b.circuitBreakerTimeout(circuitBreakerTimeout);
        if (retryBudgetRatio != null) b.retryBudgetRatio(retryBudgetRatio);
        if (retryBudgetMinPerSecond != null) b.retryBudgetMinPerSecond(retryBudgetMinPerSecond);
        return b.build();
      });
    }
  }

  /** One Guard's overrides. */
  public static class GuardSettings extends Retry {
    /** Deadline of a whole guarded call, retries included (none by default). */
    private Duration timeout;
    /** Bound on each attempt (none by default). */
    private Duration attemptTimeout;

    public Duration getTimeout() { return timeout; }
    public void setTimeout(Duration v) { this.timeout = v; }
    public Duration getAttemptTimeout() { return attemptTimeout; }
    public void setAttemptTimeout(Duration v) { this.attemptTimeout = v; }
  }

  /** Health manager settings. */
  public static class Health {
    /** Interval between two checks of a service (default 30s). */
    private Duration checkInterval;
    /** Bound on one check (default 5s). */
    private Duration checkTimeout;
    /** A successful check slower than this counts as slow (default 1s). */
    private Duration latencyThreshold;
    /** Consecutive failed checks that make a service UNAVAILABLE (default 3). */
    private Integer unavailableThreshold;
    /** Consecutive successful checks that make it HEALTHY again (default 2). */
    private Integer recoveryThreshold;
    /**
     * Features whose unavailability takes the application out of the readiness group
     * ({@code /actuator/health/readiness} OUT_OF_SERVICE), e.g. {@code orders}.
     */
    private Set<String> criticalFeatures = new LinkedHashSet<>();

    public Duration getCheckInterval() { return checkInterval; }
    public void setCheckInterval(Duration v) { this.checkInterval = v; }
    public Duration getCheckTimeout() { return checkTimeout; }
    public void setCheckTimeout(Duration v) { this.checkTimeout = v; }
    public Duration getLatencyThreshold() { return latencyThreshold; }
    public void setLatencyThreshold(Duration v) { this.latencyThreshold = v; }
    public Integer getUnavailableThreshold() { return unavailableThreshold; }
    public void setUnavailableThreshold(Integer v) { this.unavailableThreshold = v; }
    public Integer getRecoveryThreshold() { return recoveryThreshold; }
    public void setRecoveryThreshold(Integer v) { this.recoveryThreshold = v; }
    public Set<String> getCriticalFeatures() { return criticalFeatures; }
    public void setCriticalFeatures(Set<String> v) { this.criticalFeatures = v; }
  }

  /** Redis manager settings; unset connection values come from {@code spring.data.redis.*}. */
  public static class Redis {
    /** Whether the Redis manager is created (when Redis is configured here or in spring.data.redis). */
    private boolean enabled = true;
    /** Name in health, metrics and exceptions (default "redis"). */
    private String name;
    /** redis:// or rediss:// URL; falls back to spring.data.redis.url or host/port/database. */
    private String url;
    /** Password; falls back to spring.data.redis.password. Never logged or shown. */
    private String password;
    /** Features that need Redis (default caching, sessions, rate_limiting). */
    private Set<String> features;
    /** Bound on one command (default 1s). */
    private Duration commandTimeout;
    /** Bound on a connect (default 2s). */
    private Duration connectTimeout;
    /** Entries kept by the in-memory fallback while Redis is down (default 10000). */
    private Long fallbackMaxEntries;
    /**
     * What happens to keys written to the fallback when Redis is back: INVALIDATE (default) or
     * WRITE_BACK.
     */
    private String reconciliation;
    /** Retry overrides for the Redis manager. */
    private final Retry retry = new Retry();

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean v) { this.enabled = v; }
    public String getName() { return name; }
    public void setName(String v) { this.name = v; }
    public String getUrl() { return url; }
    public void setUrl(String v) { this.url = v; }
    public String getPassword() { return password; }
    public void setPassword(String v) { this.password = v; }
    public Set<String> getFeatures() { return features; }
    public void setFeatures(Set<String> v) { this.features = v; }
    public Duration getCommandTimeout() { return commandTimeout; }
    public void setCommandTimeout(Duration v) { this.commandTimeout = v; }
    public Duration getConnectTimeout() { return connectTimeout; }
    public void setConnectTimeout(Duration v) { this.connectTimeout = v; }
    public Long getFallbackMaxEntries() { return fallbackMaxEntries; }
    public void setFallbackMaxEntries(Long v) { this.fallbackMaxEntries = v; }
    public String getReconciliation() { return reconciliation; }
    public void setReconciliation(String v) { this.reconciliation = v; }
    public Retry getRetry() { return retry; }
  }

  /** Database manager settings. */
  public static class Database {
    /** Whether the database manager wrapping the application's DataSource is created. */
    private boolean enabled = true;
    /** Name in health, metrics and exceptions (default "database"). */
    private String name;
    /** JDBC URL naming the database; defaults to spring.datasource.url or the DataSource's own. */
    private String url;
    /** What writes do while the database is down: FAIL_FAST (default) or JOURNAL. */
    private String degradedMode;
    /** Journal file (required with JOURNAL). */
    private Path journalPath;
    /** Journal size bound in bytes (default 64 MiB). */
    private Long journalMaxBytes;
    /** Connections the manager keeps borrowed from the DataSource (default 1). */
    private Integer poolSize = 1;
    /** Extra connections it may borrow under load (default 4). */
    private Integer maxOverflow = 4;
    /** How often a down database is probed (default 250ms). */
    private Duration recoveryProbeInterval;
    /** Wait for a connection (default 30s). */
    private Duration poolTimeout;
    /** Features that need the database (default "database"). */
    private Set<String> features;
    /** Retry overrides for the database manager. */
    private final Retry retry = new Retry();

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean v) { this.enabled = v; }
    public String getName() { return name; }
    public void setName(String v) { this.name = v; }
    public String getUrl() { return url; }
    public void setUrl(String v) { this.url = v; }
    public String getDegradedMode() { return degradedMode; }
    public void setDegradedMode(String v) { this.degradedMode = v; }
    public Path getJournalPath() { return journalPath; }
    public void setJournalPath(Path v) { this.journalPath = v; }
    public Long getJournalMaxBytes() { return journalMaxBytes; }
    public void setJournalMaxBytes(Long v) { this.journalMaxBytes = v; }
    public Integer getPoolSize() { return poolSize; }
    public void setPoolSize(Integer v) { this.poolSize = v; }
    public Integer getMaxOverflow() { return maxOverflow; }
    public void setMaxOverflow(Integer v) { this.maxOverflow = v; }
    public Duration getRecoveryProbeInterval() { return recoveryProbeInterval; }
    public void setRecoveryProbeInterval(Duration v) { this.recoveryProbeInterval = v; }
    public Duration getPoolTimeout() { return poolTimeout; }
    public void setPoolTimeout(Duration v) { this.poolTimeout = v; }
    public Set<String> getFeatures() { return features; }
    public void setFeatures(Set<String> v) { this.features = v; }
    public Retry getRetry() { return retry; }
  }

  /** The lifeline-console dashboard, off by default. */
  public static class Console {
    /** Whether the console (dashboard, /health, /metrics) is started. */
    private boolean enabled = false;
    /** Bind address (default 127.0.0.1: loopback only). */
    private String bindAddress;
    /** Port (default 9464; 0 picks a free one). */
    private Integer port;
    /** Bearer token required off loopback. Never logged. */
    private String token;

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean v) { this.enabled = v; }
    public String getBindAddress() { return bindAddress; }
    public void setBindAddress(String v) { this.bindAddress = v; }
    public Integer getPort() { return port; }
    public void setPort(Integer v) { this.port = v; }
    public String getToken() { return token; }
    public void setToken(String v) { this.token = v; }
  }
}
