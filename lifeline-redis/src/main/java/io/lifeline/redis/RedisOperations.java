package io.lifeline.redis;

import java.time.Duration;
import java.util.Map;

/**
 * The Redis operations Lifeline supports, with Redis's own semantics, for {@code String} keys and
 * UTF-8 {@code String} values. Implemented by {@link RedisConnectionManager} (Redis, or the fallback
 * cache while Redis is down) and by the fallback cache itself, which is how the two are proven to
 * behave identically.
 *
 * <p>Type errors ({@code HSET} on a string, {@code GET} on a hash) throw {@link
 * RedisWrongTypeException}; keys, fields and values must not be null ({@link NullPointerException}).
 */
public interface RedisOperations {

  /** GET: the value, or null when the key does not exist. */
  String get(String key);

  /** SET without expiry (or with the manager's default TTL, if configured); replaces any type and any TTL. */
  void set(String key, String value);

  /** SET ... PX: the value with a TTL of at least 1 ms (else {@link IllegalArgumentException}); replaces any type. */
  void set(String key, String value, Duration ttl);

  /** DEL: true if the key existed. */
  boolean delete(String key);

  /** EXISTS: true if the key exists. */
  boolean exists(String key);

  /**
   * PEXPIRE: sets the TTL of an existing key and returns true; false when the key does not exist. A
   * zero or negative TTL deletes the key (true if it existed), as in Redis.
   */
  boolean expire(String key, Duration ttl);

  /** TTL: remaining seconds (rounded), -1 when the key has no expiry, -2 when it does not exist. */
  long ttl(String key);

  /** HGET: the field's value, or null. */
  String hget(String key, String field);

  /** HSET of one field: true if the field is new. Keeps the key's TTL. */
  boolean hset(String key, String field, String value);

  /** HGETALL: the hash (empty when the key does not exist). */
  Map<String, String> hgetAll(String key);

  /** HDEL: number of fields removed; a hash left empty is deleted, as in Redis. */
  long hdel(String key, String... fields);
}
