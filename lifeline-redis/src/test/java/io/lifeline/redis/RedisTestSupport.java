package io.lifeline.redis;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lifeline.core.RetryConfig;
import java.time.Duration;

/** Shared settings for tests against a real Redis. */
final class RedisTestSupport {
  private RedisTestSupport() {}

  /** Small, test-friendly bounds; timing assertions use generous multiples of these. */
  static RedisConfig.Builder config(String url) {
    return RedisConfig.builder()
        .url(url)
        .commandTimeout(Duration.ofSeconds(1))
        .connectTimeout(Duration.ofMillis(500))
        .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200))
        .healthCheckInterval(Duration.ofSeconds(1))
        .retryConfig(RedisConfig.DEFAULT_RETRY.toBuilder().circuitBreakerThreshold(3).build());
  }

  static RetryConfig retry() {
    return RedisConfig.DEFAULT_RETRY;
  }

  static void awaitOnline(RedisConnectionManager m) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> !m.isUsingFallback());
  }

  static void awaitFallback(RedisConnectionManager m) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(m::isUsingFallback);
  }

  /** A plain Lettuce client to look at what Redis really holds. */
  static final class Raw implements AutoCloseable {
    final RedisClient client;
    final StatefulRedisConnection<String, String> connection;
    final RedisCommands<String, String> redis;

    Raw(String url) {
      client = RedisClient.create(url);
      connection = client.connect();
      redis = connection.sync();
    }

    @Override
    public void close() {
      connection.close();
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
