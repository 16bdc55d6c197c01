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
 *   <tr><td>circuitBreakerFailureRateThreshold</td><td>0 (off: consecutive failures)</td>
 *       <td>CIRCUIT_BREAKER_FAILURE_RATE_THRESHOLD</td></tr>
 *   <tr><td>circuitBreakerSlidingWindowType</td><td>COUNT_BASED</td>
 *       <td>CIRCUIT_BREAKER_SLIDING_WINDOW_TYPE</td></tr>
 *   <tr><td>circuitBreakerSlidingWindowSize</td><td>100</td><td>CIRCUIT_BREAKER_SLIDING_WINDOW_SIZE</td></tr>
 *   <tr><td>circuitBreakerMinimumNumberOfCalls</td><td>100</td>
 *       <td>CIRCUIT_BREAKER_MINIMUM_NUMBER_OF_CALLS</td></tr>
 *   <tr><td>circuitBreakerSlowCallDurationThreshold</td><td>0 (off)</td>
 *       <td>CIRCUIT_BREAKER_SLOW_CALL_DURATION_THRESHOLD</td></tr>
 *   <tr><td>circuitBreakerSlowCallRateThreshold</td><td>100</td>
 *       <td>CIRCUIT_BREAKER_SLOW_CALL_RATE_THRESHOLD</td></tr>
 * </table>
 *
 * <p>A {@code circuitBreakerFailureRateThreshold} above 0 switches the breaker to failure-rate mode
 * (see {@link CircuitBreaker}): the window settings apply and {@code circuitBreakerThreshold} does
 * not. A {@code circuitBreakerSlowCallDurationThreshold} above 0 turns slow-call detection on.
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
    Duration retryBudgetWindow,
    double circuitBreakerFailureRateThreshold,
    CircuitBreaker.SlidingWindowType circuitBreakerSlidingWindowType,
    int circuitBreakerSlidingWindowSize,
    int circuitBreakerMinimumNumberOfCalls,
    Duration circuitBreakerSlowCallDurationThreshold,
    double circuitBreakerSlowCallRateThreshold) {

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
  /** 0: the breaker counts consecutive failures; above 0 it opens at this failure rate (percent). */
  public static final double DEFAULT_CIRCUIT_BREAKER_FAILURE_RATE_THRESHOLD = 0;
  public static final CircuitBreaker.SlidingWindowType DEFAULT_CIRCUIT_BREAKER_SLIDING_WINDOW_TYPE =
      CircuitBreaker.SlidingWindowType.COUNT_BASED;
  public static final int DEFAULT_CIRCUIT_BREAKER_SLIDING_WINDOW_SIZE = CircuitBreaker.DEFAULT_SLIDING_WINDOW_SIZE;
  public static final int DEFAULT_CIRCUIT_BREAKER_MINIMUM_NUMBER_OF_CALLS =
      CircuitBreaker.DEFAULT_MINIMUM_NUMBER_OF_CALLS;
  /** 0: no slow-call detection (no clock read per call). */
  public static final Duration DEFAULT_CIRCUIT_BREAKER_SLOW_CALL_DURATION_THRESHOLD = Duration.ZERO;
  public static final double DEFAULT_CIRCUIT_BREAKER_SLOW_CALL_RATE_THRESHOLD =
      CircuitBreaker.DEFAULT_SLOW_CALL_RATE_THRESHOLD;

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
    validateWindow(v, circuitBreakerFailureRateThreshold, circuitBreakerSlidingWindowType,
        circuitBreakerSlidingWindowSize, circuitBreakerMinimumNumberOfCalls,
        circuitBreakerSlowCallDurationThreshold, circuitBreakerSlowCallRateThreshold);
    v.throwIfAny();
  }

  /** The settings before the failure-rate mode existed; that mode off. */
  public RetryConfig(int maxRetries, Duration baseDelay, Duration maxDelay, double exponentialBase,
      boolean jitter, int circuitBreakerThreshold, Duration circuitBreakerTimeout, int halfOpenProbes,
      double retryBudgetRatio, int retryBudgetMinPerSecond, Duration retryBudgetWindow) {
    this(maxRetries, baseDelay, maxDelay, exponentialBase, jitter, circuitBreakerThreshold,
        circuitBreakerTimeout, halfOpenProbes, retryBudgetRatio, retryBudgetMinPerSecond,
        retryBudgetWindow, DEFAULT_CIRCUIT_BREAKER_FAILURE_RATE_THRESHOLD,
        DEFAULT_CIRCUIT_BREAKER_SLIDING_WINDOW_TYPE, DEFAULT_CIRCUIT_BREAKER_SLIDING_WINDOW_SIZE,
        DEFAULT_CIRCUIT_BREAKER_MINIMUM_NUMBER_OF_CALLS,
        DEFAULT_CIRCUIT_BREAKER_SLOW_CALL_DURATION_THRESHOLD,
        DEFAULT_CIRCUIT_BREAKER_SLOW_CALL_RATE_THRESHOLD);
  }

  /** Whether the breaker opens on a failure rate ({@code circuitBreakerFailureRateThreshold > 0}). */
  public boolean failureRateMode() {
    return circuitBreakerFailureRateThreshold > 0;
  }

  /** The failure-rate settings' ranges (checked whether or not the mode is on). */
  private static void validateWindow(Validation v, double failureRate,
      CircuitBreaker.SlidingWindowType type, int size, int minimumCalls, Duration slowDuration,
      double slowRate) {
    v.range("circuitBreakerFailureRateThreshold", failureRate, 0.0, 100.0);
    if (v.required("circuitBreakerSlidingWindowType", type) == CircuitBreaker.SlidingWindowType.TIME_BASED) {
      v.check(size >= 1 && size <= io.lifeline.core.internal.TimeWindow.MAX_SECONDS,
          "circuitBreakerSlidingWindowSize", size, "must be between 1 and "
              + io.lifeline.core.internal.TimeWindow.MAX_SECONDS + " (seconds, TIME_BASED)");
    } else {
      v.range("circuitBreakerSlidingWindowSize", size, 1, io.lifeline.core.internal.CountWindow.MAX_SIZE);
    }
    v.range("circuitBreakerMinimumNumberOfCalls", minimumCalls, 1, 1_000_000_000);
    v.durationOrZero("circuitBreakerSlowCallDurationThreshold", slowDuration, Duration.ofMillis(1),
        Duration.ofDays(1), "off");
    v.check(slowRate > 0 && slowRate <= 100, "circuitBreakerSlowCallRateThreshold", slowRate,
        "must be a percentage above 0 and at most 100");
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
        + ", retryBudgetWindow=" + Durations.format(retryBudgetWindow)
        + (failureRateMode() ? ", circuitBreakerFailureRateThreshold=" + circuitBreakerFailureRateThreshold
            + ", circuitBreakerSlidingWindowType=" + circuitBreakerSlidingWindowType
            + ", circuitBreakerSlidingWindowSize=" + circuitBreakerSlidingWindowSize
            + ", circuitBreakerMinimumNumberOfCalls=" + circuitBreakerMinimumNumberOfCalls
            + ", circuitBreakerSlowCallDurationThreshold="
            + Durations.format(circuitBreakerSlowCallDurationThreshold)
            + ", circuitBreakerSlowCallRateThreshold=" + circuitBreakerSlowCallRateThreshold : "")
        + "]";
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
    private double circuitBreakerFailureRateThreshold = DEFAULT_CIRCUIT_BREAKER_FAILURE_RATE_THRESHOLD;
    private CircuitBreaker.SlidingWindowType circuitBreakerSlidingWindowType =
        DEFAULT_CIRCUIT_BREAKER_SLIDING_WINDOW_TYPE;
    private int circuitBreakerSlidingWindowSize = DEFAULT_CIRCUIT_BREAKER_SLIDING_WINDOW_SIZE;
    private int circuitBreakerMinimumNumberOfCalls = DEFAULT_CIRCUIT_BREAKER_MINIMUM_NUMBER_OF_CALLS;
    private Duration circuitBreakerSlowCallDurationThreshold =
        DEFAULT_CIRCUIT_BREAKER_SLOW_CALL_DURATION_THRESHOLD;
    private double circuitBreakerSlowCallRateThreshold = DEFAULT_CIRCUIT_BREAKER_SLOW_CALL_RATE_THRESHOLD;
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
      circuitBreakerFailureRateThreshold = c.circuitBreakerFailureRateThreshold;
      circuitBreakerSlidingWindowType = c.circuitBreakerSlidingWindowType;
      circuitBreakerSlidingWindowSize = c.circuitBreakerSlidingWindowSize;
      circuitBreakerMinimumNumberOfCalls = c.circuitBreakerMinimumNumberOfCalls;
      circuitBreakerSlowCallDurationThreshold = c.circuitBreakerSlowCallDurationThreshold;
      circuitBreakerSlowCallRateThreshold = c.circuitBreakerSlowCallRateThreshold;
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
     * Failure rate (percent) at which the breaker opens, in (0, 100]; 0 (default) keeps the
     * consecutive-failures breaker. Resilience4j: {@code failureRateThreshold}.
     */
    public Builder circuitBreakerFailureRateThreshold(double percent) {
      this.circuitBreakerFailureRateThreshold = percent;
      keys.set("circuitBreakerFailureRateThreshold");
      return this;
    }

    /** Failure-rate mode: count- or time-based window. Resilience4j: {@code slidingWindowType}. */
    public Builder circuitBreakerSlidingWindowType(CircuitBreaker.SlidingWindowType type) {
      this.circuitBreakerSlidingWindowType = type;
      keys.set("circuitBreakerSlidingWindowType");
      return this;
    }

    /** Failure-rate mode: calls or seconds in the window. Resilience4j: {@code slidingWindowSize}. */
    public Builder circuitBreakerSlidingWindowSize(int size) {
      this.circuitBreakerSlidingWindowSize = size;
      keys.set("circuitBreakerSlidingWindowSize");
      return this;
    }

    /** Failure-rate mode: calls needed before a rate counts. Resilience4j: {@code minimumNumberOfCalls}. */
    public Builder circuitBreakerMinimumNumberOfCalls(int calls) {
      this.circuitBreakerMinimumNumberOfCalls = calls;
      keys.set("circuitBreakerMinimumNumberOfCalls");
      return this;
    }

    /**
     * Failure-rate mode: calls at least this long are slow; 0 (default) turns slow-call detection
     * off. Resilience4j: {@code slowCallDurationThreshold} (always on there, 60 s).
     */
    public Builder circuitBreakerSlowCallDurationThreshold(Duration threshold) {
      this.circuitBreakerSlowCallDurationThreshold = threshold;
      keys.set("circuitBreakerSlowCallDurationThreshold");
      return this;
    }

    /** Failure-rate mode: slow-call rate (percent) that opens. Resilience4j: {@code slowCallRateThreshold}. */
    public Builder circuitBreakerSlowCallRateThreshold(double percent) {
      this.circuitBreakerSlowCallRateThreshold = percent;
      keys.set("circuitBreakerSlowCallRateThreshold");
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
      keys.bind(settings, "CIRCUIT_BREAKER_FAILURE_RATE_THRESHOLD", "circuitBreakerFailureRateThreshold",
          Settings::decimal, v -> circuitBreakerFailureRateThreshold = v);
      keys.bind(settings, "CIRCUIT_BREAKER_SLIDING_WINDOW_TYPE", "circuitBreakerSlidingWindowType",
          Builder::windowType, v -> circuitBreakerSlidingWindowType = v);
      keys.bind(settings, "CIRCUIT_BREAKER_SLIDING_WINDOW_SIZE", "circuitBreakerSlidingWindowSize",
          Settings::integer, v -> circuitBreakerSlidingWindowSize = v);
      keys.bind(settings, "CIRCUIT_BREAKER_MINIMUM_NUMBER_OF_CALLS", "circuitBreakerMinimumNumberOfCalls",
          Settings::integer, v -> circuitBreakerMinimumNumberOfCalls = v);
      keys.bind(settings, "CIRCUIT_BREAKER_SLOW_CALL_DURATION_THRESHOLD",
          "circuitBreakerSlowCallDurationThreshold", Settings::duration,
          v -> circuitBreakerSlowCallDurationThreshold = v);
      keys.bind(settings, "CIRCUIT_BREAKER_SLOW_CALL_RATE_THRESHOLD", "circuitBreakerSlowCallRateThreshold",
          Settings::decimal, v -> circuitBreakerSlowCallRateThreshold = v);
      return this;
    }

    /** COUNT_BASED or TIME_BASED, any case. */
    private static java.util.Optional<CircuitBreaker.SlidingWindowType> windowType(Settings s, String key) {
      return s.string(key).map(raw -> {
        for (CircuitBreaker.SlidingWindowType t : CircuitBreaker.SlidingWindowType.values()) {
          if (t.name().equalsIgnoreCase(raw.trim())) {
            return t;
          }
        }
        throw new ConfigurationException(s.fullKey(key), raw, "must be COUNT_BASED or TIME_BASED");
      });
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
      validateWindow(v, circuitBreakerFailureRateThreshold, circuitBreakerSlidingWindowType,
          circuitBreakerSlidingWindowSize, circuitBreakerMinimumNumberOfCalls,
          circuitBreakerSlowCallDurationThreshold, circuitBreakerSlowCallRateThreshold);
      v.throwIfAny();
      return new RetryConfig(maxRetries, baseDelay, maxDelay, exponentialBase, jitter,
          circuitBreakerThreshold, circuitBreakerTimeout, halfOpenProbes, retryBudgetRatio,
          retryBudgetMinPerSecond, retryBudgetWindow, circuitBreakerFailureRateThreshold,
          circuitBreakerSlidingWindowType, circuitBreakerSlidingWindowSize,
          circuitBreakerMinimumNumberOfCalls, circuitBreakerSlowCallDurationThreshold,
          circuitBreakerSlowCallRateThreshold);
    }
  }
}
