package io.lifeline.redis;

import io.lifeline.core.ServiceUnavailableException;

/**
 * Redis refused the credentials (NOAUTH / WRONGPASS). The manager serves from the fallback and
 * retries with a long backoff; fix the password (the message never contains it).
 */
public final class RedisAuthenticationException extends ServiceUnavailableException {
  private static final long serialVersionUID = 1L;

  public RedisAuthenticationException(String service, Throwable cause) {
    super(service, "authentication failed (check the password in the URL or REDIS_PASSWORD)", cause);
  }
}
