package io.lifeline.neo4j;

import io.lifeline.core.ErrorClass;
import io.lifeline.core.ErrorClassifier;
import io.lifeline.core.LifelineException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;
import org.neo4j.driver.exceptions.AuthorizationExpiredException;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.DatabaseException;
import org.neo4j.driver.exceptions.Neo4jException;
import org.neo4j.driver.exceptions.SecurityException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.neo4j.driver.exceptions.SessionExpiredException;
import org.neo4j.driver.exceptions.TransientException;

/**
 * How the Neo4j driver's errors are treated by the {@link io.lifeline.core.Guard} of a {@link
 * Neo4jConnectionManager}, after unwrapping {@code CompletionException}s, first match wins:
 *
 * <table>
 *   <caption>Classification</caption>
 *   <tr><th>error</th><th>class</th><th>why</th></tr>
 *   <tr><td>a {@link LifelineException} (e.g. {@link TransactionOutcomeUnknownException})</td>
 *       <td>FAILURE</td><td>already decided; never retried again</td></tr>
 *   <tr><td>{@code TransientException} with code {@code Neo.TransientError.Transaction.Terminated} or
 *       {@code LockClientStopped}</td><td>CALLER_ERROR</td><td>someone terminated the transaction on
 *       purpose; retrying would undo their decision, and the server is fine</td></tr>
 *   <tr><td>the driver's pool refused (pending-acquisition queue full, acquisition timeout; see
 *       {@link #isLocalPoolSaturation})</td><td>CALLER_ERROR</td><td>this process is saturated, not
 *       Neo4j: no retry, no breaker</td></tr>
 *   <tr><td>{@code AuthorizationExpiredException}</td><td>RETRIABLE</td><td>the driver re-authenticates
 *       on a new connection</td></tr>
 *   <tr><td>other {@code SecurityException}s (authentication, authorization, token expired)</td>
 *       <td>CALLER_ERROR</td><td>the same credentials fail again; the server is answering</td></tr>
 *   <tr><td>{@code ClientException} (syntax, constraint, missing parameter, unknown database)</td>
 *       <td>CALLER_ERROR</td><td>the query is wrong, not the server</td></tr>
 *   <tr><td>{@code ServiceUnavailableException}, {@code SessionExpiredException}, other {@code
 *       TransientException}s (deadlock, lock timeout, leader switch)</td><td>RETRIABLE</td><td></td></tr>
 *   <tr><td>{@link IOException}, {@link TimeoutException} (an attempt over {@code queryTimeout})</td>
 *       <td>RETRIABLE</td><td></td></tr>
 *   <tr><td>{@code DatabaseException} and any other driver error</td><td>FAILURE</td><td>counted against
 *       the breaker, not retried</td></tr>
 *   <tr><td>anything else</td><td colspan="2">{@link ErrorClassifier#defaults()}</td></tr>
 * </table>
 */
public final class Neo4jErrors {
  private Neo4jErrors() {}

  private static final ErrorClassifier CLASSIFIER = Neo4jErrors::classify;

  /** The classifier described above. */
  public static ErrorClassifier classifier() {
    return CLASSIFIER;
  }

  /** Classifies {@code error}; see the class documentation. */
  public static ErrorClass classify(Throwable error) {
    Throwable t = ErrorClassifier.unwrap(error);
    if (t instanceof LifelineException) {
      return ErrorClass.FAILURE;
    }
    if (t instanceof TimeoutException && hasOutcomeUnknown(t)) {
      return ErrorClass.FAILURE; // the attempt timed out during a commit: never retried
    }
    if (t instanceof Neo4jException) {
      Neo4jException e = (Neo4jException) t;
      if (isTerminatedByUser(e) || isLocalPoolSaturation(e)) {
        return ErrorClass.CALLER_ERROR;
      }
      if (e instanceof AuthorizationExpiredException) {
        return ErrorClass.RETRIABLE;
      }
      if (e instanceof SecurityException || e instanceof ClientException) {
        return ErrorClass.CALLER_ERROR;
      }
      if (e instanceof ServiceUnavailableException || e instanceof SessionExpiredException
          || e instanceof TransientException) {
        return ErrorClass.RETRIABLE;
      }
      if (e instanceof DatabaseException) {
        return ErrorClass.FAILURE;
      }
      return ErrorClass.FAILURE;
    }
    if (t instanceof IOException || t instanceof TimeoutException) {
      return ErrorClass.RETRIABLE;
    }
    return ErrorClassifier.defaults().classify(t);
  }

  /**
   * True when the driver's own connection pool refused the call: its pending-acquisition queue (100
   * waiters) is full, or no connection became free within {@code connectionAcquisitionTimeout}.
   * That is this process's saturation, not Neo4j's failure: retrying would add load, and the
   * breaker must not open on it.
   */
  public static boolean isLocalPoolSaturation(Neo4jException e) {
    String m = e.getMessage();
    if (m == null) {
      return false;
    }
    return (e instanceof TransientException && m.contains("pending acquisition queue is full"))
        || (e instanceof ClientException && m.startsWith("Unable to acquire connection from the pool"));
  }

  /**
   * True for the transient codes the driver itself never retries: the transaction was terminated
   * (e.g. {@code TERMINATE TRANSACTION}) or its lock client stopped because of that.
   */
  public static boolean isTerminatedByUser(Neo4jException e) {
    String code = e.code();
    return "Neo.TransientError.Transaction.Terminated".equalsIgnoreCase(code)
        || "Neo.TransientError.Transaction.LockClientStopped".equalsIgnoreCase(code)
        || "Neo.ClientError.Transaction.Terminated".equalsIgnoreCase(code)
        || "Neo.ClientError.Transaction.LockClientStopped".equalsIgnoreCase(code);
  }

  /**
   * True when {@code error} means the connection to the server failed (so a commit that failed
   * with it has an unknown outcome): the driver's {@code ServiceUnavailableException}, {@code
   * SessionExpiredException}, or an {@link IOException} anywhere in the cause chain.
   */
  public static boolean isConnectionFailure(Throwable error) {
    int depth = 0;
    for (Throwable t = ErrorClassifier.unwrap(error); t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof ServiceUnavailableException || t instanceof SessionExpiredException
          || t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  static boolean hasOutcomeUnknown(Throwable error) {
    int depth = 0;
    for (Throwable t = error; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof TransactionOutcomeUnknownException) {
        return true;
      }
    }
    return false;
  }

  static TransactionOutcomeUnknownException outcomeUnknown(Throwable error) {
    int depth = 0;
    for (Throwable t = error; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof TransactionOutcomeUnknownException) {
        return (TransactionOutcomeUnknownException) t;
      }
    }
    return null;
  }
}
