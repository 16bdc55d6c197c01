package io.lifeline.redis;

import io.lifeline.core.ServiceUnavailableException;

/**
 * Redis is down and the write would add a key beyond the bound of keys tracked for reconciliation
 * ({@code maxTouchedKeys}) under {@link OverflowPolicy#FAIL}. Nothing was written.
 */
public final class FallbackOverflowException extends ServiceUnavailableException {
  private static final long serialVersionUID = 1L;

  public FallbackOverflowException(String service, int maxTouchedKeys) {
    super(service, "fallback refuses new keys: " + maxTouchedKeys
        + " keys already written during the outage (maxTouchedKeys, overflow policy FAIL)", null, null,
        false);
  }
}
