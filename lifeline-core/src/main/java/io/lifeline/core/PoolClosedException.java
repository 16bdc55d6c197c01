package io.lifeline.core;

/**
 * The {@link ConnectionPool} has been {@linkplain ConnectionPool#close() closed}: thrown by every
 * {@code acquire}, {@code tryAcquire} and {@code warmup} after close, and to callers that were
 * waiting in {@code acquire} when close was called (at once, not at the end of their timeout).
 *
 * <p>A {@link ServiceUnavailableException} whose {@link #service()} is the pool name, so code that
 * already handles an unavailable dependency handles shutdown too. Cheap: no stack trace. Message:
 * {@code 'neo4j' unavailable: pool is closed}.
 */
public final class PoolClosedException extends ServiceUnavailableException {
  private static final long serialVersionUID = 1L;

  public PoolClosedException(String pool) {
    super(pool, "pool is closed", null, null, false);
  }
}
