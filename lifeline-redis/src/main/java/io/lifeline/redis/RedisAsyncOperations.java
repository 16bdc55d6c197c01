package io.lifeline.redis;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@link RedisOperations} without blocking: each method returns at once and the future completes
 * with the same result (or exception) the sync method gives. Futures complete on Lettuce's I/O
 * threads or on the caller's thread (fallback answers); do not block in their callbacks.
 */
public interface RedisAsyncOperations {

  CompletableFuture<String> get(String key);

  CompletableFuture<Void> set(String key, String value);

  CompletableFuture<Void> set(String key, String value, Duration ttl);

  CompletableFuture<Boolean> delete(String key);

  CompletableFuture<Boolean> exists(String key);

  CompletableFuture<Boolean> expire(String key, Duration ttl);

  CompletableFuture<Long> ttl(String key);

  CompletableFuture<String> hget(String key, String field);

  CompletableFuture<Boolean> hset(String key, String field, String value);

  CompletableFuture<Map<String, String>> hgetAll(String key);

  CompletableFuture<Long> hdel(String key, String... fields);
}
