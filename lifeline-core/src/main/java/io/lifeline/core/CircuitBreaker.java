package io.lifeline.core;

import io.lifeline.core.internal.AtomicCircuitBreaker;
import io.lifeline.core.internal.LifelineThreads;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * A circuit breaker: CLOSED → OPEN after {@code failureThreshold} consecutive failures, OPEN →
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

  /** A state change. {@code sequence} grows by one per transition of this breaker. */
  record Transition(String breaker, State from, State to, long sequence) {}

  /** Receives transitions. */
  @FunctionalInterface
  interface Listener {
    void onTransition(Transition transition);
  }

  /** A breaker with {@code config}'s threshold, timeout and probe count. */
  static CircuitBreaker of(String name, RetryConfig config) {
    return builder(name)
        .withFailureThreshold(config.circuitBreakerThreshold())
        .withOpenTimeout(config.circuitBreakerTimeout())
        .withHalfOpenProbes(config.halfOpenProbes())
        .build();
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
   * The permitted call ended in a way that says nothing about the dependency's health (a caller
   * error such as invalid input). Does not count as success or failure; a HALF_OPEN probe permit is
   * given back so another call can probe.
   */
  void onIgnored(long permit);

  /** Consecutive failures counted while CLOSED (0 in other states). */
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

    private static void requireUnset(boolean unset, String option) {
      if (!unset) {
        throw new IllegalStateException(option + " was already set");
      }
    }

    public CircuitBreaker build() {
      Duration open = openTimeout == null ? RetryConfig.DEFAULT_CIRCUIT_BREAKER_TIMEOUT : openTimeout;
      Duration maxWait = halfOpenMaxWait != null ? halfOpenMaxWait
          : open.compareTo(Duration.ofDays(30)) > 0 ? Duration.ofDays(30) : open;
      return new AtomicCircuitBreaker(
          name,
          failureThreshold == -1 ? RetryConfig.DEFAULT_CIRCUIT_BREAKER_THRESHOLD : failureThreshold,
          open,
          halfOpenProbes == -1 ? RetryConfig.DEFAULT_HALF_OPEN_PROBES : halfOpenProbes,
          maxWait,
          ticker == null ? Ticker.system() : ticker,
          eventExecutor == null ? LifelineThreads.events() : eventExecutor);
    }
  }
}
