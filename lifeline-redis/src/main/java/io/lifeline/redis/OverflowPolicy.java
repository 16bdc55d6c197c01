package io.lifeline.redis;

/**
 * What happens when more distinct keys are written during an outage than the touched-key set holds
 * ({@code maxTouchedKeys}). Neither choice ever lets a stale value be served after recovery.
 */
public enum OverflowPolicy {
  /**
   * Keep accepting writes; on recovery delete every key of the configured namespace in Redis (all
   * keys starting with {@code namespace}; the whole logical database when the namespace is empty),
   * then, with {@link ReconciliationPolicy#WRITE_BACK}, replay what the fallback still holds.
   * Default.
   */
  FLUSH_NAMESPACE,
  /** Reject writes of new keys with {@link FallbackOverflowException} until Redis is back. */
  FAIL
}
