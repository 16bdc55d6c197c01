package io.lifeline.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeline.core.ConfigurationException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RedisConfigTest {

  @Test
  void defaultsFollowTheSeed() {
    RedisConfig c = RedisConfig.builder().build();
    assertThat(c.url()).isEqualTo("redis://localhost:6379/0");
    assertThat(c.maxConnections()).isEqualTo(10);
    assertThat(c.features()).isEqualTo(Set.of("caching", "sessions", "rate_limiting"));
    assertThat(c.reconciliation()).isEqualTo(ReconciliationPolicy.INVALIDATE);
    assertThat(c.overflowPolicy()).isEqualTo(OverflowPolicy.FLUSH_NAMESPACE);
    assertThat(c.retryConfig().maxRetries()).isZero();
  }

  @Test
  void bindsFromEnvironmentKeys() {
    RedisConfig c = RedisConfig.fromMap(Map.ofEntries(
        Map.entry("REDIS_URL", "rediss://cache.internal:6380/3"),
        Map.entry("REDIS_PASSWORD", "pw-from-env"),
        Map.entry("REDIS_COMMAND_TIMEOUT", "250ms"),
        Map.entry("REDIS_CONNECT_TIMEOUT", "2"),
        Map.entry("REDIS_MAX_CONNECTIONS", "20"),
        Map.entry("REDIS_FALLBACK_MAX_ENTRIES", "500"),
        Map.entry("REDIS_FALLBACK_MAX_BYTES", "1048576"),
        Map.entry("REDIS_DEFAULT_TTL", "5m"),
        Map.entry("REDIS_RECONCILIATION", "write_back"),
        Map.entry("REDIS_OVERFLOW_POLICY", "fail"),
        Map.entry("REDIS_MAX_TOUCHED_KEYS", "77"),
        Map.entry("REDIS_NAMESPACE", "app:"),
        Map.entry("REDIS_FEATURES", "caching, sessions"),
        Map.entry("REDIS_CIRCUIT_BREAKER_THRESHOLD", "7")));
    assertThat(c.commandTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.maxConnections()).isEqualTo(20);
    assertThat(c.fallbackMaxEntries()).isEqualTo(500);
    assertThat(c.defaultTtl()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.reconciliation()).isEqualTo(ReconciliationPolicy.WRITE_BACK);
    assertThat(c.overflowPolicy()).isEqualTo(OverflowPolicy.FAIL);
    assertThat(c.maxTouchedKeys()).isEqualTo(77);
    assertThat(c.features()).isEqualTo(Set.of("caching", "sessions"));
    assertThat(c.retryConfig().circuitBreakerThreshold()).isEqualTo(7);
    assertThat(c.redisUri().getDatabase()).isEqualTo(3);
    assertThat(c.redisUri().isSsl()).isTrue();
    assertThat(c.toString()).doesNotContain("pw-from-env");
  }

  @Test
  void invalidEnvValuesNameTheVariable() {
    assertError(Map.of("REDIS_MAX_CONNECTIONS", "0"), "REDIS_MAX_CONNECTIONS", "between 1 and 1024");
    assertError(Map.of("REDIS_MAX_CONNECTIONS", "ten"), "REDIS_MAX_CONNECTIONS", "whole number");
    assertError(Map.of("REDIS_COMMAND_TIMEOUT", "soon"), "REDIS_COMMAND_TIMEOUT", "duration");
    assertError(Map.of("REDIS_COMMAND_TIMEOUT", "0"), "REDIS_COMMAND_TIMEOUT", "between");
    assertError(Map.of("REDIS_URL", "http://x"), "REDIS_URL", "redis://");
    assertError(Map.of("REDIS_RECONCILIATION", "maybe"), "REDIS_RECONCILIATION", "INVALIDATE");
    assertError(Map.of("REDIS_FALLBACK_MAX_BYTES", "12"), "REDIS_FALLBACK_MAX_BYTES", "between 1024");
    assertError(Map.of("REDIS_NAMESPACE", "app:*"), "REDIS_NAMESPACE", "glob");
    assertError(Map.of("REDIS_MAX_RETRIES", "-1"), "REDIS_MAX_RETRIES", "between 0 and 1000");
  }

  @Test
  void builderErrorsNameTheSetting() {
    assertThatThrownBy(() -> RedisConfig.builder().reconnectDelay(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("reconnectMaxDelay");
    assertThatThrownBy(() -> RedisConfig.builder().maxTouchedKeys(0).build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("maxTouchedKeys");
    assertThatThrownBy(() -> RedisConfig.builder().defaultTtl(Duration.ofNanos(5)).build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("defaultTtl");
  }

  @Test
  void badUrlWithPasswordNeverEchoesThePassword() {
    assertThatThrownBy(() -> RedisConfig.builder().url("redis://:hunter2@:notaport/x").build())
        .isInstanceOf(ConfigurationException.class)
        .satisfies(e -> assertThat(e.getMessage()).contains("url").doesNotContain("hunter2"));
  }

  private static void assertError(Map<String, String> env, String key, String allowed) {
    assertThatThrownBy(() -> RedisConfig.fromMap(env))
        .isInstanceOf(ConfigurationException.class)
        .satisfies(e -> {
          ConfigurationException ce = (ConfigurationException) e;
          assertThat(ce.key()).isEqualTo(key);
          assertThat(ce.getMessage()).contains(allowed);
        });
  }
}
