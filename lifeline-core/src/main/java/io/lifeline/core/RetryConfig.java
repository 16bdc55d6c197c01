package io.lifeline.core;

import io.lifeline.core.internal.Durations;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a {@link Guard} retries, backs off, budgets retries and trips its circuit breaker. Immutable;
 * build with {@link #builder()}, start from {@link #defaults()}, or bind from environment variables
 * with {@link #fromEnv(String)}.
 *
 * <p>Defaults come from the design documents:
 *
 * <table>
 *   <caption>Settings, defaults and environment keys</caption>
 *   <tr><th>setting</th><th>default</th><th>env key (after the prefix)</th></tr>
 *   <tr><td>maxRetries</td><td>5</td><td>MAX_RETRIES</td></tr>
 *   <tr><td>baseDelay</td><td>1 s</td><td>BASE_DELAY, alias RETRY_DELAY</td></tr>
 *   <tr><td>maxDelay</td><td>60 s</td><td>MAX_DELAY</td></tr>
 *   <tr><td>exponentialBase</td><td>2.0</td><td>EXPONENTIAL_BASE, alias RETRY_BACKOFF</td></tr>
 *   <tr><td>jitter</td><td>true</td><td>JITTER</td></tr>
 *   <tr><td>circuitBreakerThreshold</td><td>10</td><td>CIRCUIT_BREAKER_THRESHOLD</td></tr>
 *   <tr><td>circuitBreakerTimeout</td><td>300 s</td><td>CIRCUIT_BREAKER_TIMEOUT</td></tr>
 *   <tr><td>halfOpenProbes</td><td>1</td><td>CIRCUIT_BREAKER_HALF_OPEN_PROBES</td></tr>
 *   <tr><td>retryBudgetRatio</td><td>0.2</td><td>RETRY_BUDGET_RATIO</td></tr>
 *   <tr><td>retryBudgetMinPerSecond</td><td>10</td><td>RETRY_BUDGET_MIN_PER_SECOND</td></tr>
 *   <tr><td>retryBudgetWindow</td><td>10 s</td><td>RETRY_BUDGET_WINDOW</td></tr>
 * </table>
 *
 * <p>The delay before retry {@code n} (1-based) is drawn uniformly from {@code [0, min(maxDelay,
 * baseDelay * exponentialBase^(n-1))]} when jitter is on ("full jitter", see {@link Backoff}), and is
 * exactly that ceiling when it is off.
 *
 * <p>All values are validated when built: a bad value throws {@link ConfigurationException} naming
 * the key (the environment variable when bound from one), the value and what is allowed.
 */
public record RetryConfig(
    int maxRetries,
    Duration baseDelay,
    Duration maxDelay,
    double exponentialBase,
    boolean jitter,
    int circuitBreakerThreshold,
    Duration circuitBreakerTimeout,
    int halfOpenProbes,
    double retryBudgetRatio,
    int retryBudgetMinPerSecond,
    Duration retryBudgetWindow) {

  public static final int DEFAULT_MAX_RETRIES = 5;
  public static final Duration DEFAULT_BASE_DELAY = Duration.ofSeconds(1);
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(60);
  public static final double DEFAULT_EXPONENTIAL_BASE = 2.0;
  public static final boolean DEFAULT_JITTER = true;
  public static final int DEFAULT_CIRCUIT_BREAKER_THRESHOLD = 10;
  public static final Duration DEFAULT_CIRCUIT_BREAKER_TIMEOUT = Duration.ofSeconds(300);
  public static final int DEFAULT_HALF_OPEN_PROBES = 1;
  public static final double DEFAULT_RETRY_BUDGET_RATIO = 0.2;
  public static final int DEFAULT_RETRY_BUDGET_MIN_PER_SECOND = 10;
  public static final Duration DEFAULT_RETRY_BUDGET_WINDOW = Duration.ofSeconds(10);

  /** Upper bound on maxRetries: beyond this a budget or a breaker is the right tool. */
  public static final int MAX_MAX_RETRIES = 1_000;

  private static final RetryConfig DEFAULTS = builder().build();

  /** Validates; prefer {@link #builder()}, whose errors name env keys when bound from the environment. */
  public RetryConfig {
    validate(java.util.function.UnaryOperator.identity(), maxRetries, baseDelay, maxDelay, exponentialBase, circuitBreakerThreshold,
        circuitBreakerTimeout, halfOpenProbes, retryBudgetRatio, retryBudgetMinPerSecond, retryBudgetWindow);
  }

  /** The design documents' defaults. */
  public static RetryConfig defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder preset with this config's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Binds from the process environment under {@code prefix}, e.g. {@code fromEnv("GRAPHITI_")} reads
   * {@code GRAPHITI_MAX_RETRIES}, {@code GRAPHITI_RETRY_DELAY}, {@code GRAPHITI_RETRY_BACKOFF}. Keys not
   * present keep the defaults.
   */
  public static RetryConfig fromEnv(String prefix) {
    return builder().apply(Settings.fromEnv().withPrefix(prefix)).build();
  }

  /** As {@link #fromEnv(String)} over a map. */
  public static RetryConfig fromMap(Map<String, String> values, String prefix) {
    return builder().apply(Settings.of(values).withPrefix(prefix)).build();
  }

  private static void validate(
      java.util.function.UnaryOperator<String> key,
      int maxRetries, Duration baseDelay, Duration maxDelay, double exponentialBase,
      int circuitBreakerThreshold, Duration circuitBreakerTimeout, int halfOpenProbes,
      double retryBudgetRatio, int retryBudgetMinPerSecond, Duration retryBudgetWindow) {
    if (maxRetries < 0 || maxRetries > MAX_MAX_RETRIES) {
      throw new ConfigurationException(key.apply("maxRetries"), maxRetries,
          maxRetries < 0 ? "must be >= 0" : "must be <= " + MAX_MAX_RETRIES);
    }
    requireNonNegative(key.apply("baseDelay"), baseDelay);
    requireNonNegative(key.apply("maxDelay"), maxDelay);
    if (maxDelay.compareTo(baseDelay) < 0) {
      throw new ConfigurationException(key.apply("maxDelay"), Durations.format(maxDelay),
          "must be >= " + key.apply("baseDelay") + " (" + Durations.format(baseDelay) + ")");
    }
    if (!(exponentialBase >= 1.0) || Double.isInfinite(exponentialBase) || exponentialBase > 100) {
      throw new ConfigurationException(key.apply("exponentialBase"), exponentialBase,
          "must be between 1.0 and 100");
    }
    if (circuitBreakerThreshold < 1 || circuitBreakerThreshold > 1_000_000) {
      throw new ConfigurationException(key.apply("circuitBreakerThreshold"), circuitBreakerThreshold,
          "must be between 1 and 1000000");
    }
    requireNonNegative(key.apply("circuitBreakerTimeout"), circuitBreakerTimeout);
    if (circuitBreakerTimeout.compareTo(Duration.ofDays(365)) > 0) {
      throw new ConfigurationException(key.apply("circuitBreakerTimeout"),
          Durations.format(circuitBreakerTimeout), "must be <= 365 days");
    }
    if (halfOpenProbes < 1 || halfOpenProbes > 255) {
      throw new ConfigurationException(key.apply("halfOpenProbes"), halfOpenProbes,
          "must be between 1 and 255");
    }
    if (!(retryBudgetRatio >= 0.0) || retryBudgetRatio > 1000) {
      throw new ConfigurationException(key.apply("retryBudgetRatio"), retryBudgetRatio,
          "must be between 0.0 and 1000 (0.2 = retries may add 20% to recent calls)");
    }
    if (retryBudgetMinPerSecond < 0) {
      throw new ConfigurationException(key.apply("retryBudgetMinPerSecond"), retryBudgetMinPerSecond,
          "must be >= 0");
    }
    Objects.requireNonNull(retryBudgetWindow, key.apply("retryBudgetWindow"));
    if (retryBudgetWindow.compareTo(Duration.ofSeconds(1)) < 0
        || retryBudgetWindow.compareTo(Duration.ofHours(1)) > 0) {
      throw new ConfigurationException(key.apply("retryBudgetWindow"), Durations.format(retryBudgetWindow),
          "must be between 1s and 1h");
    }
  }

  private static void requireNonNegative(String key, Duration d) {
    if (d == null) {
      throw new ConfigurationException(key, "null", "must be set");
    }
    if (d.isNegative()) {
      throw new ConfigurationException(key, d, "must not be negative");
    }
  }

  @Override
  public String toString() {
    return "RetryConfig[maxRetries=" + maxRetries
        + ", baseDelay=" + Durations.format(baseDelay)
        + ", maxDelay=" + Durations.format(maxDelay)
        + ", exponentialBase=" + exponentialBase
        + ", jitter=" + jitter
        + ", circuitBreakerThreshold=" + circuitBreakerThreshold
        + ", circuitBreakerTimeout=" + Durations.format(circuitBreakerTimeout)
        + ", halfOpenProbes=" + halfOpenProbes
        + ", retryBudgetRatio=" + retryBudgetRatio
        + ", retryBudgetMinPerSecond=" + retryBudgetMinPerSecond
        + ", retryBudgetWindow=" + Durations.format(retryBudgetWindow) + "]";
  }

  /**
   * Builds a {@link RetryConfig}. Not thread-safe. Setters may be called more than once (the last
   * value wins), so that a preset from {@link #toBuilder()} or {@link #apply(Settings)} can be
   * overridden in code. Validation happens in {@link #build()}.
   */
  public static final class Builder {
    private int maxRetries = DEFAULT_MAX_RETRIES;
    private Duration baseDelay = DEFAULT_BASE_DELAY;
    private Duration maxDelay = DEFAULT_MAX_DELAY;
    private double exponentialBase = DEFAULT_EXPONENTIAL_BASE;
    private boolean jitter = DEFAULT_JITTER;
    private int circuitBreakerThreshold = DEFAULT_CIRCUIT_BREAKER_THRESHOLD;
    private Duration circuitBreakerTimeout = DEFAULT_CIRCUIT_BREAKER_TIMEOUT;
    private int halfOpenProbes = DEFAULT_HALF_OPEN_PROBES;
    private double retryBudgetRatio = DEFAULT_RETRY_BUDGET_RATIO;
    private int retryBudgetMinPerSecond = DEFAULT_RETRY_BUDGET_MIN_PER_SECOND;
    private Duration retryBudgetWindow = DEFAULT_RETRY_BUDGET_WINDOW;
    /** Field name → the key it was bound from (an env variable), so errors name what the user wrote. */
    private final Map<String, String> sourceKeys = new HashMap<>();

    private Builder() {}

    private Builder(RetryConfig c) {
      maxRetries = c.maxRetries;
      baseDelay = c.baseDelay;
      maxDelay = c.maxDelay;
      exponentialBase = c.exponentialBase;
      jitter = c.jitter;
      circuitBreakerThreshold = c.circuitBreakerThreshold;
      circuitBreakerTimeout = c.circuitBreakerTimeout;
      halfOpenProbes = c.halfOpenProbes;
      retryBudgetRatio = c.retryBudgetRatio;
      retryBudgetMinPerSecond = c.retryBudgetMinPerSecond;
      retryBudgetWindow = c.retryBudgetWindow;
    }

    /** Retries after the first attempt; a call makes at most {@code maxRetries + 1} attempts. */
    public Builder maxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
      sourceKeys.remove("maxRetries");
      return this;
    }

    /** Delay ceiling before the first retry. */
    public Builder baseDelay(Duration baseDelay) {
      this.baseDelay = baseDelay;
      sourceKeys.remove("baseDelay");
      return this;
    }

    /** Cap on any single backoff delay. */
    public Builder maxDelay(Duration maxDelay) {
      this.maxDelay = maxDelay;
      sourceKeys.remove("maxDelay");
      return this;
    }

    /** Multiplier of the delay ceiling per retry. */
    public Builder exponentialBase(double exponentialBase) {
      this.exponentialBase = exponentialBase;
      sourceKeys.remove("exponentialBase");
      return this;
    }

    /** Full jitter on (default) or off (deterministic delays — only for tests and single clients). */
    public Builder jitter(boolean jitter) {
      this.jitter = jitter;
      return this;
    }

    /** Consecutive failures that open the circuit breaker. */
    public Builder circuitBreakerThreshold(int threshold) {
      this.circuitBreakerThreshold = threshold;
      sourceKeys.remove("circuitBreakerThreshold");
      return this;
    }

    /** Time the breaker stays OPEN before letting probe calls through. */
    public Builder circuitBreakerTimeout(Duration timeout) {
      this.circuitBreakerTimeout = timeout;
      sourceKeys.remove("circuitBreakerTimeout");
      return this;
    }

    /** Probe calls let through in HALF_OPEN; all must succeed to close the breaker. */
    public Builder halfOpenProbes(int probes) {
      this.halfOpenProbes = probes;
      sourceKeys.remove("halfOpenProbes");
      return this;
    }

    /** Share of recent calls that retries may add, e.g. 0.2 = 20 %. */
    public Builder retryBudgetRatio(double ratio) {
      this.retryBudgetRatio = ratio;
      sourceKeys.remove("retryBudgetRatio");
      return this;
    }

    /** Retries always allowed per second of the window, so low-traffic callers can still retry. */
    public Builder retryBudgetMinPerSecond(int minPerSecond) {
      this.retryBudgetMinPerSecond = minPerSecond;
      sourceKeys.remove("retryBudgetMinPerSecond");
      return this;
    }

    /** The window over which calls and retries are counted. */
    public Builder retryBudgetWindow(Duration window) {
      this.retryBudgetWindow = window;
      sourceKeys.remove("retryBudgetWindow");
      return this;
    }

    /**
     * Applies every key present in {@code settings} (see the table on {@link RetryConfig}); absent keys
     * leave the builder's values. Unparsable values throw {@link ConfigurationException} naming the
     * full key; so does setting both a key and its alias.
     */
    public Builder apply(Settings settings) {
      settings.integer("MAX_RETRIES").ifPresent(v -> bound("maxRetries", settings, "MAX_RETRIES").maxRetries = v);
      String delayKey = aliased(settings, "BASE_DELAY", "RETRY_DELAY");
      if (delayKey != null) {
        Duration v = settings.duration(delayKey).orElseThrow();
        bound("baseDelay", settings, delayKey).baseDelay = v;
      }
      settings.duration("MAX_DELAY").ifPresent(v -> bound("maxDelay", settings, "MAX_DELAY").maxDelay = v);
      String baseKey = aliased(settings, "EXPONENTIAL_BASE", "RETRY_BACKOFF");
      if (baseKey != null) {
        double v = settings.decimal(baseKey).orElseThrow();
        bound("exponentialBase", settings, baseKey).exponentialBase = v;
      }
      settings.bool("JITTER").ifPresent(v -> jitter = v);
      settings.integer("CIRCUIT_BREAKER_THRESHOLD").ifPresent(
          v -> bound("circuitBreakerThreshold", settings, "CIRCUIT_BREAKER_THRESHOLD").circuitBreakerThreshold = v);
      settings.duration("CIRCUIT_BREAKER_TIMEOUT").ifPresent(
          v -> bound("circuitBreakerTimeout", settings, "CIRCUIT_BREAKER_TIMEOUT").circuitBreakerTimeout = v);
      settings.integer("CIRCUIT_BREAKER_HALF_OPEN_PROBES").ifPresent(
          v -> bound("halfOpenProbes", settings, "CIRCUIT_BREAKER_HALF_OPEN_PROBES").halfOpenProbes = v);
      settings.decimal("RETRY_BUDGET_RATIO").ifPresent(
          v -> bound("retryBudgetRatio", settings, "RETRY_BUDGET_RATIO").retryBudgetRatio = v);
      settings.integer("RETRY_BUDGET_MIN_PER_SECOND").ifPresent(
          v -> bound("retryBudgetMinPerSecond", settings, "RETRY_BUDGET_MIN_PER_SECOND").retryBudgetMinPerSecond = v);
      settings.duration("RETRY_BUDGET_WINDOW").ifPresent(
          v -> bound("retryBudgetWindow", settings, "RETRY_BUDGET_WINDOW").retryBudgetWindow = v);
      return this;
    }

    private Builder bound(String field, Settings settings, String key) {
      sourceKeys.put(field, settings.fullKey(key));
      return this;
    }

    private static String aliased(Settings settings, String key, String alias) {
      boolean hasKey = settings.has(key);
      boolean hasAlias = settings.has(alias);
      if (hasKey && hasAlias) {
        throw new ConfigurationException(settings.fullKey(alias), settings.raw(alias).orElseThrow(),
            "must not be set together with " + settings.fullKey(key) + " (an alias of the same setting)");
      }
      return hasKey ? key : hasAlias ? alias : null;
    }

    /** Validates and builds. */
    public RetryConfig build() {
      validate(field -> sourceKeys.getOrDefault(field, field), maxRetries, baseDelay, maxDelay,
          exponentialBase, circuitBreakerThreshold, circuitBreakerTimeout, halfOpenProbes,
          retryBudgetRatio, retryBudgetMinPerSecond, retryBudgetWindow);
      return new RetryConfig(maxRetries, baseDelay, maxDelay, exponentialBase, jitter,
          circuitBreakerThreshold, circuitBreakerTimeout, halfOpenProbes, retryBudgetRatio,
          retryBudgetMinPerSecond, retryBudgetWindow);
    }
  }
}
