package io.lifeline.redis;

/**
 * What the manager does, when Redis is back, with the keys written to the fallback cache during the
 * outage, before it sends traffic to Redis again. A key is "touched" by every write-type call that
 * names it (SET, DEL, EXPIRE, HSET, HDEL), whatever the fallback answered: an EXPIRE or HDEL of a
 * key that only Redis holds answers "no such key" from the (initially empty) fallback and is still
 * reconciled. Either way a key written during the outage never reads back its pre-outage value from
 * Redis.
 */
public enum ReconciliationPolicy {
  /**
   * Delete every touched key in Redis (default). Values written during the outage are dropped: the
   * next read misses and the application reloads from its source of truth. Safe for caches.
   */
  INVALIDATE,
  /**
   * Make Redis hold what the fallback holds for every touched key: its latest value with its
   * remaining TTL, and a key the fallback does not hold is deleted in Redis. That includes a key
   * deleted, expired or evicted in the fallback, and one it never held: an EXPIRE or HDEL of a
   * pre-outage key cannot be written back (the value is unknown), so the key is deleted, a cache
   * miss rather than a stale value. Last writer wins: a value another client wrote to Redis during
   * the outage is overwritten.
   */
  WRITE_BACK
}
