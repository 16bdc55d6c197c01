package io.lifeline.core;

import io.lifeline.core.internal.Durations;
import java.time.Duration;
import java.util.Map;

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

  /** Largest baseDelay and maxDelay: one day (a longer backoff is an outage, not a retry). */
  public static final Duration MAX_DELAY_BOUND = Duration.ofDays(1);
  /** Largest circuitBreakerTimeout: 365 days. */
  public static final Duration MAX_CIRCUIT_BREAKER_TIMEOUT = Duration.ofDays(365);
  /**
   * Largest retryBudgetMinPerSecond: 100 000, so that {@code minPerSecond * window seconds} (window
   * at most 1 h) stays far inside an {@code int}.
   */
  public static final int MAX_RETRY_BUDGET_MIN_PER_SECOND = 100_000;

  private static final RetryConfig DEFAULTS = builder().build();

  /** Validates; prefer {@link #builder()}, whose errors name env keys when bound from the environment. */
  public RetryConfig {
    Validation v = Validation.byField();
    validate(v, maxRetries, baseDelay, maxDelay, exponentialBase, circuitBreakerThreshold,
        circuitBreakerTimeout, halfOpenProbes, retryBudgetRatio, retryBudgetMinPerSecond, retryBudgetWindow);
    v.throwIfAny();
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

  /**
   * Records every problem of these values in {@code v}, whose keys are the builder's field names
   * mapped to what the user wrote. Used by the record's constructor and by {@link Builder#build()}.
   */
  private static void validate(
      Validation v,
      int maxRetries, Duration baseDelay, Duration maxDelay, double exponentialBase,
      int circuitBreakerThreshold, Duration circuitBreakerTimeout, int halfOpenProbes,
      double retryBudgetRatio, int retryBudgetMinPerSecond, Duration retryBudgetWindow) {
    v.range("maxRetries", maxRetries, 0, MAX_MAX_RETRIES);
    Duration base = v.duration("baseDelay", baseDelay, Duration.ZERO, MAX_DELAY_BOUND);
    Duration max = v.duration("maxDelay", maxDelay, Duration.ZERO, MAX_DELAY_BOUND);
    v.notAbove("baseDelay", base, "maxDelay", max);
    v.range("exponentialBase", exponentialBase, 1.0, 100.0);
    v.range("circuitBreakerThreshold", circuitBreakerThreshold, 1, 1_000_000);
    v.duration("circuitBreakerTimeout", circuitBreakerTimeout, Duration.ZERO, MAX_CIRCUIT_BREAKER_TIMEOUT);
    v.range("halfOpenProbes", halfOpenProbes, 1, 255);
    v.check(retryBudgetRatio >= 0.0 && retryBudgetRatio <= 1000, "retryBudgetRatio", retryBudgetRatio,
        "must be a number between 0 and 1000 (0.2 = retries may add 20% to recent calls)");
    v.range("retryBudgetMinPerSecond", retryBudgetMinPerSecond, 0, MAX_RETRY_BUDGET_MIN_PER_SECOND);
    v.duration("retryBudgetWindow", retryBudgetWindow, Duration.ofSeconds(1), Duration.ofHours(1));
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
    private ConfigKeys keys = new ConfigKeys();

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
      keys.set("maxRetries");
      return this;
    }

    /** Delay ceiling before the first retry. */
    public Builder baseDelay(Duration baseDelay) {
      this.baseDelay = baseDelay;
      keys.set("baseDelay");
      return this;
    }

    /** Cap on any single backoff delay. */
    public Builder maxDelay(Duration maxDelay) {
      this.maxDelay = maxDelay;
      keys.set("maxDelay");
      return this;
    }

    /** Multiplier of the delay ceiling per retry. */
    public Builder exponentialBase(double exponentialBase) {
      this.exponentialBase = exponentialBase;
      keys.set("exponentialBase");
      return this;
    }

    /** Full jitter on (default) or off (deterministic delays — only for tests and single clients). */
    public Builder jitter(boolean jitter) {
      this.jitter = jitter;
      keys.set("jitter");
      return this;
    }

    /** Consecutive failures that open the circuit breaker. */
    public Builder circuitBreakerThreshold(int threshold) {
      this.circuitBreakerThreshold = threshold;
      keys.set("circuitBreakerThreshold");
      return this;
    }

    /** Time the breaker stays OPEN before letting probe calls through. */
    public Builder circuitBreakerTimeout(Duration timeout) {
      this.circuitBreakerTimeout = timeout;
      keys.set("circuitBreakerTimeout");
      return this;
    }

    /** Probe calls let through in HALF_OPEN; all must succeed to close the breaker. */
    public Builder halfOpenProbes(int probes) {
      this.halfOpenProbes = probes;
      keys.set("halfOpenProbes");
      return this;
    }

    /** Share of recent calls that retries may add, e.g. 0.2 = 20 %. */
    public Builder retryBudgetRatio(double ratio) {
      this.retryBudgetRatio = ratio;
      keys.set("retryBudgetRatio");
      return this;
    }

    /** Retries always allowed per second of the window, so low-traffic callers can still retry. */
    public Builder retryBudgetMinPerSecond(int minPerSecond) {
      this.retryBudgetMinPerSecond = minPerSecond;
      keys.set("retryBudgetMinPerSecond");
      return this;
    }

    /** The window over which calls and retries are counted. */
    public Builder retryBudgetWindow(Duration window) {
      this.retryBudgetWindow = window;
      keys.set("retryBudgetWindow");
      return this;
    }

    /**
     * Applies every key present in {@code settings} (see the table on {@link RetryConfig}); absent keys
     * leave the builder's values. Unparsable values throw {@link ConfigurationException} naming the
     * full key; so does setting both a key and its alias.
     */
    public Builder apply(Settings settings) {
      keys.bind(settings, "MAX_RETRIES", "maxRetries", Settings::integer, v -> maxRetries = v);
      String delayKey = aliased(settings, "BASE_DELAY", "RETRY_DELAY");
      if (delayKey != null) {
        keys.bind(settings, delayKey, "baseDelay", Settings::duration, v -> baseDelay = v);
      }
      keys.bind(settings, "MAX_DELAY", "maxDelay", Settings::duration, v -> maxDelay = v);
      String baseKey = aliased(settings, "EXPONENTIAL_BASE", "RETRY_BACKOFF");
      if (baseKey != null) {
        keys.bind(settings, baseKey, "exponentialBase", Settings::decimal, v -> exponentialBase = v);
      }
      keys.bind(settings, "JITTER", "jitter", Settings::bool, v -> jitter = v);
      keys.bind(settings, "CIRCUIT_BREAKER_THRESHOLD", "circuitBreakerThreshold", Settings::integer,
          v -> circuitBreakerThreshold = v);
      keys.bind(settings, "CIRCUIT_BREAKER_TIMEOUT", "circuitBreakerTimeout", Settings::duration,
          v -> circuitBreakerTimeout = v);
      keys.bind(settings, "CIRCUIT_BREAKER_HALF_OPEN_PROBES", "halfOpenProbes", Settings::integer,
          v -> halfOpenProbes = v);
      keys.bind(settings, "RETRY_BUDGET_RATIO", "retryBudgetRatio", Settings::decimal,
          v -> retryBudgetRatio = v);
      keys.bind(settings, "RETRY_BUDGET_MIN_PER_SECOND", "retryBudgetMinPerSecond", Settings::integer,
          v -> retryBudgetMinPerSecond = v);
      keys.bind(settings, "RETRY_BUDGET_WINDOW", "retryBudgetWindow", Settings::duration,
          v -> retryBudgetWindow = v);
      return this;
    }

    /** The key and its alias both set: recorded as a problem of the alias, the key wins. */
    private String aliased(Settings settings, String key, String alias) {
      boolean hasKey = settings.has(key);
      boolean hasAlias = settings.has(alias);
      if (hasKey && hasAlias) {
        String field = key.equals("BASE_DELAY") ? "baseDelay" : "exponentialBase";
        keys.bind(settings, alias, field, (s, k) -> {
          throw new ConfigurationException(s.fullKey(k), s.raw(k).orElseThrow(),
              "must not be set together with " + s.fullKey(key) + " (an alias of the same setting)");
        }, x -> { });
        return null;
      }
      return hasKey ? key : hasAlias ? alias : null;
    }

    /**
     * Validates and builds. Throws {@link ConfigurationException} listing every invalid value (and
     * every unparsable one met by {@link #apply(Settings)}), each named as the user wrote it.
     */
    public RetryConfig build() {
      Validation v = keys.validation();
      validate(v, maxRetries, baseDelay, maxDelay,
          exponentialBase, circuitBreakerThreshold, circuitBreakerTimeout, halfOpenProbes,
          retryBudgetRatio, retryBudgetMinPerSecond, retryBudgetWindow);
      v.throwIfAny();
      return new RetryConfig(maxRetries, baseDelay, maxDelay, exponentialBase, jitter,
          circuitBreakerThreshold, circuitBreakerTimeout, halfOpenProbes, retryBudgetRatio,
          retryBudgetMinPerSecond, retryBudgetWindow);
    }
  }
}
