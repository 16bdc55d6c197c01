package io.lifeline.jdbc;

import io.lifeline.core.ErrorClass;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The SQLState classification table of the {@link DatabaseConnectionManager}. One row per kind:
 *
 * <table>
 *   <caption>SQLState → behaviour</caption>
 *   <tr><th>SQLState</th><th>kind</th><th>retried</th><th>breaker</th><th>surfaces as</th></tr>
 *   <tr><td>08xxx, or an I/O error without SQLState</td><td>{@link #CONNECTION}</td><td>yes, unless a
 *       probe confirms the database is down</td><td>counts</td><td>{@link DatabaseUnavailableException}</td></tr>
 *   <tr><td>40001, 40P01</td><td>{@link #TRANSACTION_CONFLICT}</td><td>the whole transaction function is re-run</td>
 *       <td>not counted as down</td><td>the SQLException (in {@code CallFailedException}) when retries run out</td></tr>
 *   <tr><td>57P01, 57P02, 57P03</td><td>{@link #SHUTDOWN}</td><td>yes, unless the probe says down</td><td>counts</td>
 *       <td>{@link DatabaseUnavailableException}</td></tr>
 *   <tr><td>53300</td><td>{@link #TOO_MANY_CONNECTIONS}</td><td>yes, with backoff</td><td>counts</td>
 *       <td>{@link DatabaseUnavailableException}</td></tr>
 *   <tr><td>28xxx</td><td>{@link #AUTHENTICATION}</td><td>never</td><td>database marked unavailable</td>
 *       <td>{@link DatabaseUnavailableException} saying to check the credentials</td></tr>
 *   <tr><td>42xxx, 23xxx, 22xxx, 0Axxx, 21xxx, 44xxx</td><td>{@link #CALLER_ERROR}</td><td>never</td>
 *       <td>never counted</td><td>{@code CallFailedException} with the SQLException as cause</td></tr>
 *   <tr><td>anything else</td><td>{@link #OTHER}</td><td>no</td><td>counts</td><td>{@code ServiceUnavailableException}</td></tr>
 * </table>
 */
public enum SqlErrorKind {
  /** The connection failed or was lost (class 08, or an I/O error). */
  CONNECTION(ErrorClass.RETRIABLE, true),
  /** Serialization failure (40001) or deadlock (40P01): the server rolled back; re-run the transaction. */
  TRANSACTION_CONFLICT(ErrorClass.RETRIABLE, false),
  /** Admin/crash shutdown or "cannot connect now" (57P01, 57P02, 57P03). */
  SHUTDOWN(ErrorClass.RETRIABLE, true),
  /** 53300: the server has no free connection slot. */
  TOO_MANY_CONNECTIONS(ErrorClass.RETRIABLE, true),
  /** Class 28: invalid authorization; retrying with the same credentials cannot help. */
  AUTHENTICATION(ErrorClass.FAILURE, true),
  /** Syntax, access rule, constraint, data errors: the caller's mistake, the database is fine. */
  CALLER_ERROR(ErrorClass.CALLER_ERROR, false),
  /** Anything else: counted as a failure, not retried. */
  OTHER(ErrorClass.FAILURE, false);

  private final ErrorClass errorClass;
  private final boolean unavailable;

  SqlErrorKind(ErrorClass errorClass, boolean unavailable) {
    this.errorClass = errorClass;
    this.unavailable = unavailable;
  }

  /** How the manager's {@link io.lifeline.core.Guard} treats this kind. */
  public ErrorClass errorClass() {
    return errorClass;
  }

  /** True when this kind means the database cannot serve calls (surfaces as unavailable). */
  public boolean unavailable() {
    return unavailable;
  }

  /** True for the kinds after which the connection the error came from cannot serve again. */
  boolean connectionLost() {
    return this == CONNECTION || this == SHUTDOWN;
  }

    /** The kind of a SQLState ({@code null} → {@link #OTHER}). */
  public static SqlErrorKind of(String sqlState) {
    if (sqlState == null || sqlState.length() < 2) {
      return OTHER;
    }
    String s = sqlState.toUpperCase(Locale.ROOT);
    switch (s) {
      case "40001":
      case "40P01":
        return TRANSACTION_CONFLICT;
      case "57P01":
      case "57P02":
      case "57P03":
        return SHUTDOWN;
      case "53300":
        return TOO_MANY_CONNECTIONS;
      default:
        break;
    }
    switch (s.substring(0, 2)) {
      case "08":
        return CONNECTION;
      case "28":
        return AUTHENTICATION;
      case "42":
      case "23":
      case "22":
      case "0A":
      case "21":
      case "44":
        return CALLER_ERROR;
      default:
        return OTHER;
    }
  }

  /**
   * The kind of any error: the first {@link SQLException} in the cause chain by its SQLState; an
   * {@link IOException} in the chain (no SQLState) is {@link #CONNECTION}.
   */
  public static SqlErrorKind of(Throwable error) {
    int depth = 0;
    for (Throwable t = error; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof SQLException) {
        SQLException e = (SQLException) t;
        SqlErrorKind k = of(e.getSQLState());
        if (k != OTHER) {
          return k;
        }
        if (e.getSQLState() == null && hasIoCause(e)) {
          return CONNECTION;
        }
        if (e instanceof java.sql.SQLRecoverableException || e instanceof java.sql.SQLNonTransientConnectionException) {
          return CONNECTION;
        }
        return OTHER;
      }
      if (t instanceof IOException) {
        return CONNECTION;
      }
    }
    return OTHER;
  }

  private static boolean hasIoCause(Throwable e) {
    int depth = 0;
    for (Throwable t = e.getCause(); t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  /** The SQLState of the first SQLException in the chain, or null. */
  static String sqlStateOf(Throwable error) {
    int depth = 0;
    for (Throwable t = error; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof SQLException && ((SQLException) t).getSQLState() != null) {
        return ((SQLException) t).getSQLState();
      }
    }
    return null;
  }
}
