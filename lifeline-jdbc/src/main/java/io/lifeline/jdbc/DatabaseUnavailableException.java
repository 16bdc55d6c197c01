package io.lifeline.jdbc;

import io.lifeline.core.ServiceUnavailableException;
import java.time.Duration;

/**
 * The database cannot serve calls now: it is known to be down (refused or timed-out connects, a
 * failed probe), is shutting down, has no free connection slots, or rejects the credentials. While
 * it is known down every call fails with this at once, without touching the pool; callers already
 * waiting for a pooled connection when it is found down get it at that moment. One instance per
 * outage (and reason) is shared by the calls it rejects: it has no stack trace. {@link
 * #sqlState()} and {@link #kind()} say why.
 */
public final class DatabaseUnavailableException extends ServiceUnavailableException {
  private static final long serialVersionUID = 1L;

  private final String sqlState;
  private final SqlErrorKind kind;

  public DatabaseUnavailableException(String service, String reason, SqlErrorKind kind, String sqlState,
      Throwable cause, Duration retryAfter, boolean stackTrace) {
    super(service, reason, cause, retryAfter, stackTrace);
    this.kind = kind;
    this.sqlState = sqlState;
  }

  /** SQLState of the failure that made the database unavailable, or null if none (e.g. I/O). */
  public String sqlState() {
    return sqlState;
  }

  /** The class of that failure. */
  public SqlErrorKind kind() {
    return kind;
  }
}
