package io.lifeline.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lifeline.core.ErrorClass;
import io.lifeline.core.ErrorClassifier;
import io.lifeline.redis.RedisCommandException;
import io.lifeline.redis.RedisWrongTypeException;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

/** Lettuce's errors, classified for the Guard and translated for callers. Not API. */
public final class RedisErrors {
  private RedisErrors() {}

  /** Error replies that say "try again later", not "your command is wrong". */
  private static final String[] TRANSIENT_REPLIES = {
    "LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS"
  };
  /** Error replies that mean Redis cannot take the command now (counted as failures). */
  private static final String[] FAILURE_REPLIES = {"NOAUTH", "WRONGPASS", "OOM", "READONLY", "MISCONF"};

  /**
   * CALLER_ERROR for an {@link Error} anywhere in the chain (Lettuce wraps, e.g., a Netty {@code
   * NoSuchMethodError} in a {@code RedisConnectionException}): the client is broken, which no retry
   * or breaker fixes and which must reach the caller, not the fallback. Then RETRIABLE: timeouts, lost or refused connections, rejected commands while disconnected, LOADING
   * and friends. FAILURE: NOAUTH, WRONGPASS, OOM, READONLY, MISCONF. CALLER_ERROR: other error
   * replies (WRONGTYPE, syntax) and argument errors.
   */
  public static ErrorClass classify(Throwable error) {
    if (driverError(error) != null) {
      return ErrorClass.CALLER_ERROR;
    }
    Throwable t = ErrorClassifier.unwrap(error);
    if (t instanceof RedisCommandExecutionException) {
      String m = String.valueOf(t.getMessage());
      for (String p : TRANSIENT_REPLIES) {
        if (m.startsWith(p)) {
          return ErrorClass.RETRIABLE;
        }
      }
      for (String p : FAILURE_REPLIES) {
        if (m.startsWith(p)) {
          return ErrorClass.FAILURE;
        }
      }
      return ErrorClass.CALLER_ERROR;
    }
    if (t instanceof RedisCommandTimeoutException || t instanceof RedisConnectionException
        || t instanceof TimeoutException || t instanceof IOException || t instanceof CancellationException) {
      return ErrorClass.RETRIABLE;
    }
    if (t instanceof RedisException) {
      // "Connection closed", "Currently not connected. Commands are rejected.", queue full, ...
      return ErrorClass.RETRIABLE;
    }
    return ErrorClassifier.defaults().classify(t);
  }

  /** The first {@link Error} in {@code e}'s cause chain (including {@code e}), or null. */
  public static Error driverError(Throwable e) {
    int depth = 0;
    for (Throwable t = e; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof Error) {
        return (Error) t;
      }
    }
    return null;
  }

  /** A caller-facing exception for an error reply: WRONGTYPE, or the (redacted) reply. */
  public static RuntimeException translate(RedisCommandExecutionException e) {
    String m = String.valueOf(e.getMessage());
    if (m.startsWith("WRONGTYPE")) {
      return new RedisWrongTypeException();
    }
    return new RedisCommandException(m, e);
  }

  /** True when {@code e} (or a cause) is a NOAUTH / WRONGPASS / invalid password reply. */
  public static boolean isAuthError(Throwable e) {
    int depth = 0;
    for (Throwable t = e; t != null && depth < 16; t = t.getCause(), depth++) {
      String m = String.valueOf(t.getMessage()).toUpperCase(Locale.ROOT);
      if (m.contains("NOAUTH") || m.contains("WRONGPASS") || m.contains("INVALID PASSWORD")
          || m.contains("AUTH FAILED") || m.contains("AUTHENTICATION")) {
        return true;
      }
    }
    return false;
  }
}
