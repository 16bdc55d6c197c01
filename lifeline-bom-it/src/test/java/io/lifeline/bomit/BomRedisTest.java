package io.lifeline.bomit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lifeline.core.ConnectionState;
import io.lifeline.redis.RedisConfig;
import io.lifeline.redis.RedisConnectionManager;
import io.lifeline.testkit.RedisServerExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With only the BOM on the build path, the Redis manager connects to Redis. The proof goes around
 * Lifeline (the bare driver or the server itself sees what the manager did), so an answer from a
 * fallback or a degraded path cannot pass. One class per backend, so one backend's failure cannot
 * hide another's.
 */
class BomRedisTest {

  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.builder().build();

  @Test
  void redisManagerWritesToTheRealServer() {
    try (RedisConnectionManager redis =
        RedisConnectionManager.create(RedisConfig.builder().url(REDIS.url()).build())) {
      redis.set("bom-it", "from-lifeline", Duration.ofMinutes(1));

      assertThat(redis.isUsingFallback()).as("answered from the fallback cache").isFalse();
      assertThat(redis.state()).isEqualTo(ConnectionState.CONNECTED);
      RedisClient bare = RedisClient.create(REDIS.url());
      try (StatefulRedisConnection<String, String> c = bare.connect()) {
        assertThat(c.sync().get("bom-it")).isEqualTo("from-lifeline");
      } finally {
        bare.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }
}
