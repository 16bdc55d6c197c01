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
   * ExecutionException}:
   *
   * <ol>
   *   <li>an authentication or authorization failure anywhere in the cause chain (a type whose name
   *       contains {@code Authentication}, {@code Authorization}, {@code Credential} or {@code
   *       AccessDenied}, or a {@link SecurityException}) → {@link ErrorClass#CALLER_ERROR}: retrying
   *       with the same credentials cannot succeed, and the server is answering;
   *   <li>a {@link LifelineException} (e.g. from a nested {@code Guard}) → {@link ErrorClass#FAILURE}:
   *       counted, never retried again, so retry layers do not multiply;
   *   <li>{@link IOException}, {@link UncheckedIOException}, {@link TimeoutException}, {@code
   *       java.sql.SQLTransientException} and {@code SQLRecoverableException} → {@link
   *       ErrorClass#RETRIABLE};
   *   <li>any other {@link RuntimeException} ({@link IllegalArgumentException}, {@link
   *       NullPointerException}, {@link IllegalStateException} …) → {@link ErrorClass#CALLER_ERROR};
   *   <li>any other checked exception → {@link ErrorClass#FAILURE}; an {@link Error} → {@link
   *       ErrorClass#CALLER_ERROR} (rethrown at once, never counted).
   * </ol>
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
    if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof TimeoutException
        || t instanceof java.sql.SQLTransientException || t instanceof java.sql.SQLRecoverableException) {
      return ErrorClass.RETRIABLE;
    }
    if (t instanceof RuntimeException) {
      return ErrorClass.CALLER_ERROR;
    }
    return ErrorClass.FAILURE;
  }
}
