package io.lifeline.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Decides how a {@link Guard} treats a failure. Managers supply their own (SQLState tables, driver
 * exception types); {@link #defaults()} suits plain I/O code.
 */
@FunctionalInterface
public interface ErrorClassifier {

  ErrorClass classify(Throwable error);

  /**
   * The default rules, applied to the error after unwrapping {@link CompletionException} and {@link
   * ExecutionException}, first match wins:
   *
   * <ol>
   *   <li>an {@link Error} → {@link ErrorClass#CALLER_ERROR}: rethrown at once, never counted ({@link
   *       Guard} does this before asking any classifier, also for an {@code Error} wrapped as a cause:
   *       see {@link #findError});
   *   <li>an authentication or authorization failure anywhere in the cause chain (a type whose name
   *       contains {@code Authentication}, {@code Authorization}, {@code Credential} or {@code
   *       AccessDenied}, or a {@link SecurityException}) → {@link ErrorClass#CALLER_ERROR}: retrying
   *       with the same credentials cannot succeed, and the server is answering;
   *   <li>a {@link LifelineException} (e.g. from a nested {@code Guard}) → {@link ErrorClass#FAILURE}:
   *       counted, never retried again, so retry layers do not multiply;
   *   <li>{@link IOException}, {@link UncheckedIOException}, {@link TimeoutException}, {@code
   *       java.sql.SQLTransientException}, {@code SQLRecoverableException}, {@code
   *       SQLNonTransientConnectionException} and any {@code SQLException} whose SQLState is in class
   *       08 (connection exception) → {@link ErrorClass#RETRIABLE};
   *   <li>other {@code SQLException}s: SQLState classes 22 (data), 23 (integrity), 42 (syntax, access
   *       rule), 0A, 21, 44 and {@code SQLDataException}, {@code SQLIntegrityConstraintViolationException},
   *       {@code SQLSyntaxErrorException} → {@link ErrorClass#CALLER_ERROR}; the rest → {@link
   *       ErrorClass#FAILURE};
   *   <li>the JDK's own argument and state errors ({@link IllegalArgumentException}, {@link
   *       NullPointerException}, {@link IllegalStateException}, {@link UnsupportedOperationException},
   *       {@link ClassCastException}, {@link IndexOutOfBoundsException}, {@link ArithmeticException})
   *       → {@link ErrorClass#CALLER_ERROR};
   *   <li>any other unchecked exception whose type name says transient unavailability — it contains
   *       {@code Timeout}, {@code Unavailable}, {@code Connect} or {@code Transient} (the Neo4j
   *       driver's {@code ServiceUnavailableException}, Lettuce's {@code RedisConnectionException}
   *       and {@code RedisCommandTimeoutException}, gRPC-style {@code …UnavailableException}) → {@link
   *       ErrorClass#RETRIABLE};
   *   <li>anything else → {@link ErrorClass#FAILURE}: counted against the breaker, not retried.
   * </ol>
   *
   * <p>This is a default for code with no better knowledge. Lifeline's connection managers bring
   * their own classifiers built from each driver's error types and codes.
   */
  static ErrorClassifier defaults() {
    return DefaultClassifier.INSTANCE;
  }

  /** {@code retriable} errors are {@link ErrorClass#RETRIABLE}; all others {@link ErrorClass#CALLER_ERROR}. */
  static ErrorClassifier retryOn(Predicate<? super Throwable> retriable) {
    return e -> retriable.test(e) ? ErrorClass.RETRIABLE : ErrorClass.CALLER_ERROR;
  }

  /** The error with {@link CompletionException} / {@link ExecutionException} wrappers removed. */
  static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * The first {@link Error} in {@code error}'s cause chain ({@code error} itself included, at most 16
   * deep), or {@code null}. An {@code Error} inside a driver (a {@link LinkageError} such as {@code
   * NoSuchMethodError} from mismatched library versions, an {@code OutOfMemoryError}, an assertion)
   * says the client cannot work, not that the server is down, whatever exception the driver wrapped it
   * in: {@link Guard} neither retries it nor counts it against the breaker, and managers never answer
   * it from a degraded path.
   */
  static Error findError(Throwable error) {
    int depth = 0;
    for (Throwable t = error; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof Error) {
        return (Error) t;
      }
    }
    return null;
  }

  /** True when {@code error} or a cause is an authentication/authorization failure (see {@link #defaults()}). */
  static boolean isAuthFailure(Throwable error) {
    int depth = 0;
    for (Throwable t = error; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof SecurityException) {
        return true;
      }
      for (Class<?> c = t.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
        String n = c.getSimpleName().toLowerCase(Locale.ROOT);
        if (n.contains("authentication") || n.contains("authorization") || n.contains("credential")
            || n.contains("accessdenied")) {
          return true;
        }
      }
    }
    return false;
  }
}

enum DefaultClassifier implements ErrorClassifier {
  INSTANCE;

  @Override
  public ErrorClass classify(Throwable error) {
    Throwable t = ErrorClassifier.unwrap(error);
    if (t instanceof Error) {
      return ErrorClass.CALLER_ERROR;
    }
    if (ErrorClassifier.isAuthFailure(t)) {
      return ErrorClass.CALLER_ERROR;
    }
    if (t instanceof LifelineException) {
      return ErrorClass.FAILURE;
    }
    if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof TimeoutException) {
      return ErrorClass.RETRIABLE;
    }
    if (t instanceof java.sql.SQLException) {
      return classifySql((java.sql.SQLException) t);
    }
    if (t instanceof IllegalArgumentException || t instanceof NullPointerException
        || t instanceof IllegalStateException || t instanceof UnsupportedOperationException
        || t instanceof ClassCastException || t instanceof IndexOutOfBoundsException
        || t instanceof ArithmeticException) {
      return ErrorClass.CALLER_ERROR;
    }
    if (t instanceof RuntimeException && soundsTransient(t.getClass())) {
      return ErrorClass.RETRIABLE;
    }
    return ErrorClass.FAILURE;
  }

  private static ErrorClass classifySql(java.sql.SQLException e) {
    if (e instanceof java.sql.SQLTransientException || e instanceof java.sql.SQLRecoverableException
        || e instanceof java.sql.SQLNonTransientConnectionException) {
      return ErrorClass.RETRIABLE;
    }
    if (e instanceof java.sql.SQLDataException || e instanceof java.sql.SQLIntegrityConstraintViolationException
        || e instanceof java.sql.SQLSyntaxErrorException) {
      return ErrorClass.CALLER_ERROR;
    }
    String state = e.getSQLState();
    if (state != null && state.length() >= 2) {
      switch (state.substring(0, 2)) {
        case "08":
          return ErrorClass.RETRIABLE;
        case "0A":
        case "21":
        case "22":
        case "23":
        case "42":
        case "44":
          return ErrorClass.CALLER_ERROR;
        default:
          break;
      }
    }
    return ErrorClass.FAILURE;
  }

  private static boolean soundsTransient(Class<?> type) {
    for (Class<?> c = type; c != null && c != RuntimeException.class; c = c.getSuperclass()) {
      String n = c.getSimpleName();
      if (n.contains("Timeout") || n.contains("TimedOut") || n.contains("Unavailable")
          || n.contains("Connect") || n.contains("Transient")) {
        return true;
      }
    }
    return false;
  }
}
