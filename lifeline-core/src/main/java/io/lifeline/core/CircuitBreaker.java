package io.lifeline.core;

import io.lifeline.core.internal.AtomicCircuitBreaker;
import io.lifeline.core.internal.CountWindow;
import io.lifeline.core.internal.FailureRatePolicy;
import io.lifeline.core.internal.LifelineThreads;
import io.lifeline.core.internal.TimeWindow;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * A circuit breaker: CLOSED → OPEN after {@code failureThreshold} consecutive failures (the default
 * mode) or, in failure-rate mode, when the failure rate or the slow-call rate over a sliding window
 * reaches its threshold (see below); OPEN →
 * HALF_OPEN once {@code openTimeout} has passed, HALF_OPEN → CLOSED when <em>exactly</em> {@code
 * halfOpenProbes} probe calls have all succeeded, HALF_OPEN → OPEN on any probe failure, and also when
 * all probes are out and none has reported back within {@code halfOpenMaxWait} (default: the open
 * timeout, whole seconds): a hung probe counts as a failed one instead of wedging the breaker.
 *
 * <p><b>Permits.</b> A call asks {@link #tryAcquirePermission()} for a permit (a {@code long} ≥ 0,
 * like a {@link java.util.concurrent.locks.StampedLock} stamp; -1 means rejected) and reports its
 * outcome with exactly one of {@link #onSuccess(long)}, {@link #onFailure(long)} or {@link
 * #onIgnored(long)}. A permit remembers the breaker generation it was issued in, so a slow call that
 * started before a transition cannot move the breaker afterwards (a failure from before the breaker
 * opened does not re-open it while it is probing). In HALF_OPEN exactly {@code halfOpenProbes}
 * permits are issued, however many threads ask at once.
 *
 * <p><b>Failure-rate mode</b> (any of {@link Builder#withFailureRateThreshold}, {@link
 * Builder#withSlidingWindowType}, {@link Builder#withSlidingWindowSize}, {@link
 * Builder#withMinimumNumberOfCalls}, {@link Builder#withSlowCallDurationThreshold}, {@link
 * Builder#withSlowCallRateThreshold} set) follows Resilience4j's CLOSED state with the same names
 * and defaults: the outcomes of the last {@code slidingWindowSize} calls (COUNT_BASED, default 100)
 * or of the last {@code slidingWindowSize} seconds (TIME_BASED) are kept; once at least {@code
 * minimumNumberOfCalls} (default 100; capped at the window size when COUNT_BASED) are in, the
 * breaker opens when failed calls reach {@code failureRateThreshold} percent (default 50) or calls
 * slower than {@code slowCallDurationThreshold} reach {@code slowCallRateThreshold} percent. Slow-call
 * detection is off unless one of its two options is set (default duration 60 s, rate 100 %, as
 * Resilience4j's); only then does a call read the clock for it. A fresh window starts with every
 * CLOSED period. HALF_OPEN is the same in both modes ({@code halfOpenProbes}, all must succeed).
 * The count-based window is exact and linearizable; the time-based one sums per-second buckets
 * (see {@code TimeWindow}).
 *
 * <p><b>Listeners</b> receive each transition exactly once, in order, on Lifeline's event threads
 * (never on the calling thread). A throwing listener is logged and does not affect other listeners.
 *
 * <p>The whole state is one atomic {@code long}: no locks, and no allocation except on transitions.
 * Thread-safe. Most users get a breaker inside a {@link Guard} and never touch this interface.
 */
public interface CircuitBreaker {

  /** Breaker states. */
  enum State {
    /** Calls flow; consecutive failures are counted. */
    CLOSED,
    /** Calls are rejected without touching the dependency until the open timeout passes. */
    OPEN,
    /** A fixed number of probe calls are let through; their outcome closes or re-opens the breaker. */
    HALF_OPEN
  }

  /** How a failure-rate breaker's sliding window is measured (Resilience4j's names). */
  enum SlidingWindowType {
    /** The last {@code slidingWindowSize} calls. */
    COUNT_BASED,
    /** The calls of the last {@code slidingWindowSize} seconds. */
    TIME_BASED
  }

  /** {@link #startTime()} of a breaker that does not measure call durations. */
  long NOT_TIMED = Long.MIN_VALUE;

  /** A state change. {@code sequence} grows by one per transition of this breaker. */
  record Transition(String breaker, State from, State to, long sequence) {}

  /** Receives transitions. */
  @FunctionalInterface
  interface Listener {
    void onTransition(Transition transition);
  }

  /** Failure-rate mode's default {@code failureRateThreshold}: 50 %, as Resilience4j's. */
  float DEFAULT_FAILURE_RATE_THRESHOLD = 50f;
  /** Failure-rate mode's default {@code slidingWindowSize}: 100 (calls), as Resilience4j's. */
  int DEFAULT_SLIDING_WINDOW_SIZE = 100;
  /** Failure-rate mode's default {@code minimumNumberOfCalls}: 100, as Resilience4j's. */
  int DEFAULT_MINIMUM_NUMBER_OF_CALLS = 100;
  /** Default {@code slowCallDurationThreshold}: 60 s, as Resilience4j's. */
  Duration DEFAULT_SLOW_CALL_DURATION_THRESHOLD = Duration.ofSeconds(60);
  /** Default {@code slowCallRateThreshold}: 100 %, as Resilience4j's. */
  float DEFAULT_SLOW_CALL_RATE_THRESHOLD = 100f;

  /** A breaker with {@code config}'s threshold, timeout and probe count. */
  static CircuitBreaker of(String name, RetryConfig config) {
    return builder(name, config).build();
  }

  /**
   * A builder preset from {@code config}: consecutive failures, or the failure-rate window when
   * {@link RetryConfig#failureRateMode()}; open timeout and probes either way. Add a ticker or an
   * executor before {@code build()}.
   */
  static Builder builder(String name, RetryConfig config) {
    Builder b = builder(name)
        .withOpenTimeout(config.circuitBreakerTimeout())
        .withHalfOpenProbes(config.halfOpenProbes());
    if (!config.failureRateMode()) {
      return b.withFailureThreshold(config.circuitBreakerThreshold());
    }
    b.withFailureRateThreshold((float) config.circuitBreakerFailureRateThreshold())
        .withSlidingWindowType(config.circuitBreakerSlidingWindowType())
        .withSlidingWindowSize(config.circuitBreakerSlidingWindowSize())
        .withMinimumNumberOfCalls(config.circuitBreakerMinimumNumberOfCalls());
    if (!config.circuitBreakerSlowCallDurationThreshold().isZero()) {
      b.withSlowCallDurationThreshold(config.circuitBreakerSlowCallDurationThreshold())
          .withSlowCallRateThreshold((float) config.circuitBreakerSlowCallRateThreshold());
    }
    return b;
  }

  static Builder builder(String name) {
    return new Builder(name);
  }

  String name();

  State state();

  /** A permit ≥ 0 if the call may proceed, or -1 if it must be rejected. May move OPEN → HALF_OPEN. */
  long tryAcquirePermission();

  /** The permitted call succeeded. */
  void onSuccess(long permit);

  /** The permitted call failed in a way that says the dependency is unhealthy. */
  void onFailure(long permit);

  /**
   * What to pass as {@code startTime} to {@link #onSuccess(long, long)} / {@link #onFailure(long,
   * long)}: the breaker's clock when it detects slow calls, {@link #NOT_TIMED} otherwise (no clock
   * read). Read it just before the call starts.
   */
  default long startTime() {
    return NOT_TIMED;
  }

  /** The permitted call, started at {@code startTime} (from {@link #startTime()}), succeeded. */
  default void onSuccess(long permit, long startTime) {
    onSuccess(permit);
  }

  /** The permitted call, started at {@code startTime} (from {@link #startTime()}), failed. */
  default void onFailure(long permit, long startTime) {
    onFailure(permit);
  }

  /**
   * The permitted call ended in a way that says nothing about the dependency's health (a caller
   * error such as invalid input). Does not count as success or failure; a HALF_OPEN probe permit is
   * given back so another call can probe.
   */
  void onIgnored(long permit);

  /** Consecutive failures counted while CLOSED (0 in other states, and always 0 in failure-rate mode). */
  int consecutiveFailures();

  /** Time until an OPEN breaker lets probes through; zero when not OPEN. */
  Duration remainingOpenTime();

  /** Forces the breaker CLOSED (e.g. an operator override). Publishes a transition if it changed. */
  void reset();

  void addListener(Listener listener);

  void removeListener(Listener listener);

  /**
   * Builds a {@link CircuitBreaker}. Each option may be set once; a second set is a programming
   * error ({@link IllegalStateException}). Not thread-safe.
   */
  final class Builder {
    private final String name;
    private int failureThreshold = -1;
    private Duration openTimeout;
    private int halfOpenProbes = -1;
    private Duration halfOpenMaxWait;
    private Ticker ticker;
    private Executor eventExecutor;
    private Float failureRateThreshold;
    private SlidingWindowType slidingWindowType;
    private Integer slidingWindowSize;
    private Integer minimumNumberOfCalls;
    private Duration slowCallDurationThreshold;
    private Float slowCallRateThreshold;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    /** Consecutive failures that open the breaker (default 10). */
    public Builder withFailureThreshold(int threshold) {
      requireUnset(failureThreshold == -1, "failureThreshold");
      if (threshold < 1 || threshold > 1_000_000) {
        throw new ConfigurationException("circuitBreakerThreshold", threshold, "must be between 1 and 1000000");
      }
      this.failureThreshold = threshold;
      return this;
    }

    /** How long the breaker stays OPEN before probing (default 300 s). */
    public Builder withOpenTimeout(Duration timeout) {
      requireUnset(openTimeout == null, "openTimeout");
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.compareTo(Duration.ofDays(365)) > 0) {
        throw new ConfigurationException("circuitBreakerTimeout", timeout, "must be between 0 and 365 days");
      }
      this.openTimeout = timeout;
      return this;
    }

    /** Probe calls let through in HALF_OPEN (default 1). */
    public Builder withHalfOpenProbes(int probes) {
      requireUnset(halfOpenProbes == -1, "halfOpenProbes");
      if (probes < 1 || probes > AtomicCircuitBreaker.MAX_PROBES) {
        throw new ConfigurationException("halfOpenProbes", probes,
            "must be between 1 and " + AtomicCircuitBreaker.MAX_PROBES);
      }
      this.halfOpenProbes = probes;
      return this;
    }

    /**
     * How long HALF_OPEN waits for its probes once all are out before treating them as failed and
     * re-opening (default: the open timeout). Measured in whole seconds.
     */
    public Builder withHalfOpenMaxWait(Duration maxWait) {
      requireUnset(halfOpenMaxWait == null, "halfOpenMaxWait");
      Objects.requireNonNull(maxWait, "maxWait");
      if (maxWait.isNegative() || maxWait.compareTo(Duration.ofDays(30)) > 0) {
        throw new ConfigurationException("halfOpenMaxWait", maxWait, "must be between 0 and 30 days");
      }
      this.halfOpenMaxWait = maxWait;
      return this;
    }

    /** Time source (default {@link Ticker#system()}); tests pass a fake. */
    public Builder withTicker(Ticker ticker) {
      requireUnset(this.ticker == null, "ticker");
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** Where listeners run (default: Lifeline's shared event threads). */
    public Builder withEventExecutor(Executor executor) {
      requireUnset(eventExecutor == null, "eventExecutor");
      this.eventExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Failure-rate mode: percentage of failed calls in the window at which the breaker opens, in
     * {@code (0, 100]} (default 50; Resilience4j {@code failureRateThreshold}, same default).
     */
    public Builder withFailureRateThreshold(float percent) {
      requireUnset(failureRateThreshold == null, "failureRateThreshold");
      this.failureRateThreshold = percent;
      return this;
    }

    /** Failure-rate mode: count- or time-based window (default COUNT_BASED, as Resilience4j). */
    public Builder withSlidingWindowType(SlidingWindowType type) {
      requireUnset(slidingWindowType == null, "slidingWindowType");
      this.slidingWindowType = Objects.requireNonNull(type, "type");
      return this;
    }

    /**
     * Failure-rate mode: calls (COUNT_BASED, 1 to {@value CountWindow#MAX_SIZE}) or seconds
     * (TIME_BASED, 1 to {@value TimeWindow#MAX_SECONDS}) in the window (default 100, as
     * Resilience4j).
     */
    public Builder withSlidingWindowSize(int size) {
      requireUnset(slidingWindowSize == null, "slidingWindowSize");
      this.slidingWindowSize = size;
      return this;
    }

    /**
     * Failure-rate mode: calls the window must hold before any rate is computed, 1 to 1 000 000 000
     * (default 100, as Resilience4j; capped at the window size when COUNT_BASED, as there).
     */
    public Builder withMinimumNumberOfCalls(int calls) {
      requireUnset(minimumNumberOfCalls == null, "minimumNumberOfCalls");
      this.minimumNumberOfCalls = calls;
      return this;
    }

    /**
     * Failure-rate mode: a call taking at least this long is slow, 1 ms to 1 day (default 60 s, as
     * Resilience4j). Setting it turns slow-call detection on.
     */
    public Builder withSlowCallDurationThreshold(Duration threshold) {
      requireUnset(slowCallDurationThreshold == null, "slowCallDurationThreshold");
      this.slowCallDurationThreshold = Objects.requireNonNull(threshold, "threshold");
      return this;
    }

    /**
     * Failure-rate mode: percentage of slow calls at which the breaker opens, in {@code (0, 100]}
     * (default 100, as Resilience4j). Setting it turns slow-call detection on.
     */
    public Builder withSlowCallRateThreshold(float percent) {
      requireUnset(slowCallRateThreshold == null, "slowCallRateThreshold");
      this.slowCallRateThreshold = percent;
      return this;
    }

    private boolean failureRateMode() {
      return failureRateThreshold != null || slidingWindowType != null || slidingWindowSize != null
          || minimumNumberOfCalls != null || slowCallDurationThreshold != null
          || slowCallRateThreshold != null;
    }

    /** Validates every failure-rate option at once; {@code null} in consecutive-failures mode. */
    private FailureRatePolicy failureRatePolicy() {
      if (!failureRateMode()) {
        return null;
      }
      Validation v = Validation.byField();
      if (failureThreshold != -1) {
        v.problem("failureThreshold", failureThreshold, "must not be set together with the"
            + " failure-rate options (consecutive failures and failure rate are two modes; choose one)");
      }
      float rate = failureRateThreshold == null ? DEFAULT_FAILURE_RATE_THRESHOLD : failureRateThreshold;
      v.check(rate > 0 && rate <= 100, "failureRateThreshold", rate,
          "must be a percentage above 0 and at most 100");
      SlidingWindowType type = slidingWindowType == null ? SlidingWindowType.COUNT_BASED : slidingWindowType;
      int size = slidingWindowSize == null ? DEFAULT_SLIDING_WINDOW_SIZE : slidingWindowSize;
      if (type == SlidingWindowType.COUNT_BASED) {
        v.range("slidingWindowSize", size, 1, CountWindow.MAX_SIZE);
      } else {
        v.check(size >= 1 && size <= TimeWindow.MAX_SECONDS, "slidingWindowSize", size,
            "must be between 1 and " + TimeWindow.MAX_SECONDS + " (seconds, TIME_BASED)");
      }
      int min = minimumNumberOfCalls == null ? DEFAULT_MINIMUM_NUMBER_OF_CALLS : minimumNumberOfCalls;
      v.range("minimumNumberOfCalls", min, 1, 1_000_000_000);
      Duration slow = slowCallDurationThreshold == null
          ? DEFAULT_SLOW_CALL_DURATION_THRESHOLD : slowCallDurationThreshold;
      v.duration("slowCallDurationThreshold", slow, Duration.ofMillis(1), Duration.ofDays(1));
      float slowRate = slowCallRateThreshold == null ? DEFAULT_SLOW_CALL_RATE_THRESHOLD : slowCallRateThreshold;
      v.check(slowRate > 0 && slowRate <= 100, "slowCallRateThreshold", slowRate,
          "must be a percentage above 0 and at most 100");
      v.throwIfAny();
      boolean slowOn = slowCallDurationThreshold != null || slowCallRateThreshold != null;
      return new FailureRatePolicy(type == SlidingWindowType.TIME_BASED, size, min, rate,
          slowOn ? slow.toNanos() : 0, slowRate);
    }

    private static void requireUnset(boolean unset, String option) {
      if (!unset) {
        throw new IllegalStateException(option + " was already set");
      }
    }

    /**
     * Builds the breaker. Throws {@link ConfigurationException} listing every invalid failure-rate
     * option, each named as its builder method without {@code with} (e.g. {@code
     * slidingWindowSize=0: must be between 1 and 10000}).
     */
    public CircuitBreaker build() {
      FailureRatePolicy policy = failureRatePolicy();
      Duration open = openTimeout == null ? RetryConfig.DEFAULT_CIRCUIT_BREAKER_TIMEOUT : openTimeout;
      Duration maxWait = halfOpenMaxWait != null ? halfOpenMaxWait
          : open.compareTo(Duration.ofDays(30)) > 0 ? Duration.ofDays(30) : open;
      return new AtomicCircuitBreaker(
          name,
          failureThreshold == -1 ? RetryConfig.DEFAULT_CIRCUIT_BREAKER_THRESHOLD : failureThreshold,
          policy,
          open,
          halfOpenProbes == -1 ? RetryConfig.DEFAULT_HALF_OPEN_PROBES : halfOpenProbes,
          maxWait,
          ticker == null ? Ticker.system() : ticker,
          eventExecutor == null ? LifelineThreads.events() : eventExecutor);
    }
  }
}
