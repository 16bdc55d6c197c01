package io.lifeline.core;

import io.lifeline.core.internal.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * {@link ConnectionPool#acquire(Duration)} waited its whole timeout and no member became free. Means
 * the pool is too small for the load, or members are held too long (or leaked: never closed).
 *
 * <p>Unchecked, like every {@link LifelineException}. It is deliberately <em>not</em> a {@link
 * ServiceUnavailableException}: the dependency may be perfectly healthy, this process just ran out of
 * members. Thrown no earlier than the timeout, measured by the pool's {@link Ticker}. The message
 * gives the pool's state at the moment of the timeout, for example:
 *
 * <pre>pool 'neo4j' timed out after 200ms (total=10, active=10, idle=0, waiting=3)</pre>
 *
 * where {@code total} counts live members, {@code active} those lent out (or being created or
 * destroyed), {@code idle} those free, and {@code waiting} the other callers still waiting.
 */
public final class PoolTimeoutException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final String pool;
  private final transient Duration timeout;
  private final int total;
  private final int active;
  private final int idle;
  private final int waiting;

  public PoolTimeoutException(
      String pool, Duration timeout, int total, int active, int idle, int waiting) {
    super(message(pool, timeout, total, active, idle, waiting));
    this.pool = pool;
    this.timeout = timeout;
    this.total = total;
    this.active = active;
    this.idle = idle;
    this.waiting = waiting;
  }

  private static String message(
      String pool, Duration timeout, int total, int active, int idle, int waiting) {
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(timeout, "timeout");
    return "pool '" + pool + "' timed out after " + Durations.format(timeout)
        + " (total=" + total + ", active=" + active + ", idle=" + idle + ", waiting=" + waiting + ")";
  }

  /** Name of the pool. */
  public String pool() {
    return pool;
  }

  /** The timeout that expired, as passed to {@code acquire}. */
  public Duration timeout() {
    return timeout;
  }

  /** Live members when the timeout expired. */
  public int total() {
    return total;
  }

  /** Members lent out (or being created, validated or destroyed) when the timeout expired. */
  public int active() {
    return active;
  }

  /** Free members when the timeout expired (normally 0). */
  public int idle() {
    return idle;
  }

  /** Other callers still waiting when the timeout expired. */
  public int waiting() {
    return waiting;
  }
}
