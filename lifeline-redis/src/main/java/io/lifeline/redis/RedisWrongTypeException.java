package io.lifeline.redis;

import io.lifeline.core.LifelineException;

/**
 * The operation does not fit the type of the value at the key (a hash command on a string, GET on
 * a hash), raised alike by Redis and by the fallback cache. A caller error: never counted against
 * Redis's health.
 */
public final class RedisWrongTypeException extends LifelineException {
  private static final long serialVersionUID = 1L;

  /** Redis's own message for this error. */
  public static final String MESSAGE = "WRONGTYPE Operation against a key holding the wrong kind of value";

  public RedisWrongTypeException() {
    super(MESSAGE, null, false);
  }
}
