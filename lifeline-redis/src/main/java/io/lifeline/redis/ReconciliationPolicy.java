package io.lifeline.redis;

/**
 * What the manager does, when Redis is back, with the keys written to the fallback cache during the
 * outage, before it sends traffic to Redis again. Either way a key written during the outage never
 * reads back its pre-outage value from Redis.
 */
public enum ReconciliationPolicy {
  /**
   * Delete every touched key in Redis (default). Values written during the outage are dropped: the
   * next read misses and the application reloads from its source of truth. Safe for caches.
   */
  INVALIDATE,
  /**
   * Replay the latest value of every touched key (with its remaining TTL) into Redis; a key deleted
   * or evicted from the fallback is deleted in Redis. Last writer wins: a value another client wrote
   * to Redis during the outage is overwritten.
   */
  WRITE_BACK
}
