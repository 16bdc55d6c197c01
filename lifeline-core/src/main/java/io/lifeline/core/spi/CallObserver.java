package io.lifeline.core.spi;

/**
 * Observes the calls of one {@link io.lifeline.core.Guard} ({@link
 * io.lifeline.core.Guard#addCallObserver}). Called on the caller's thread for sync calls, and on
 * whichever thread completes an attempt for async ones; must be fast, must not block and must not
 * throw (an observer that throws is a bug: the Guard does not catch it).
 *
 * <p>Per call: {@link #callStarted} once, then for each attempt {@link #attemptStarted} and
 * {@link #attemptEnded}, then {@link #callEnded} once. An attempt the breaker refused is not
 * started. The token returned by {@code callStarted} is handed to the other methods: an observer
 * that needs per-call state (a tracing span) returns it there; one that does not returns null and
 * so allocates nothing.
 */
public interface CallObserver {

  /** A call of {@code guard} starts; returns a token for this call (may be null). */
  Object callStarted(String guard);

  /** Attempt {@code attempt} (1-based) starts. */
  default void attemptStarted(Object token, int attempt) {}

  /** Attempt {@code attempt} ended, {@code error} null on success. */
  default void attemptEnded(Object token, int attempt, Throwable error) {}

  /** The call ended after {@code nanos}, with {@code outcome}; {@code error} null on success. */
  void callEnded(Object token, long nanos, CallOutcome outcome, Throwable error);
}
