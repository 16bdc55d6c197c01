package io.lifeline.redis;

import io.lifeline.core.LifelineException;
import io.lifeline.core.Secrets;

/** Redis answered a command with an error other than WRONGTYPE (a caller error, e.g. a bad argument). */
public final class RedisCommandException extends LifelineException {
  private static final long serialVersionUID = 1L;

  public RedisCommandException(String message, Throwable cause) {
    super(Secrets.redact(message), cause);
  }
}
