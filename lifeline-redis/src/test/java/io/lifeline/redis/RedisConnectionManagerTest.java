package io.lifeline.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.CircuitBreaker;
import io.lifeline.core.Lifeline;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisConnectionManagerTest {

  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.builder().build();

  @Test
  void syncOperationsReachRedis() {
    try (RedisConnectionManager m = RedisConnectionManager.create(RedisTestSupport.config(REDIS.url()).build());
        RedisTestSupport.Raw raw = new RedisTestSupport.Raw(REDIS.url())) {
      assertThat(m.isUsingFallback()).isFalse();
      m.set("s:a", "1");
      m.set("s:b", "2", Duration.ofSeconds(100));
      assertThat(raw.redis.get("s:a")).isEqualTo("1");
      assertThat(raw.redis.pttl("s:b")).isBetween(90_000L, 100_000L);
      assertThat(m.get("s:a")).isEqualTo("1");
      assertThat(m.exists("s:a")).isTrue();
      assertThat(m.ttl("s:a")).isEqualTo(-1);
      assertThat(m.expire("s:a", Duration.ofSeconds(50))).isTrue();
      assertThat(m.ttl("s:a")).isBetween(49L, 50L);
      assertThat(m.delete("s:a")).isTrue();
      assertThat(m.delete("s:a")).isFalse();
      assertThat(m.ttl("s:a")).isEqualTo(-2);
      assertThat(m.hset("s:h", "f", "v")).isTrue();
      assertThat(m.hset("s:h", "f", "w")).isFalse();
      assertThat(m.hget("s:h", "f")).isEqualTo("w");
      assertThat(m.hgetAll("s:h")).isEqualTo(Map.of("f", "w"));
      assertThat(raw.redis.hgetall("s:h")).isEqualTo(Map.of("f", "w"));
      assertThat(m.hdel("s:h", "f", "x")).isEqualTo(1);
      assertThat(m.metrics().count(RedisMetrics.Op.HSET)).isEqualTo(2);
      assertThat(m.metrics().fallbackWrites()).isZero();
    }
  }

  /** Issue 12: a huge or hugely negative TTL was an ArithmeticException from toMillis(), sync and async. */
  @Test
  void hugeTtlsAreAClearArgumentErrorAndNegativeExpireDeletes() throws Exception {
    try (RedisConnectionManager m = RedisConnectionManager.create(RedisTestSupport.config(REDIS.url()).build())) {
      Duration huge = Duration.ofHours(100_000_000_000_000L);
      Duration hugeNegative = Duration.ofSeconds(Long.MIN_VALUE);
      assertThatThrownBy(() -> m.set("t:k", "v", huge))
          .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 36500 days");
      assertThatThrownBy(() -> m.set("t:k", "v", hugeNegative))
          .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be between 1ms and 36500 days");
      assertThatThrownBy(() -> m.expire("t:k", huge))
          .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 36500 days");
      assertThatThrownBy(() -> m.async().set("t:k", "v", huge))
          .isExactlyInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> m.async().expire("t:k", huge))
          .isExactlyInstanceOf(IllegalArgumentException.class);
      m.set("t:k", "v", io.lifeline.redis.internal.FallbackCache.MAX_TTL);
      assertThat(m.ttl("t:k")).isGreaterThan(3_000_000_000L);
      assertThat(m.expire("t:k", hugeNegative)).isTrue();
      assertThat(m.exists("t:k")).isFalse();
      m.set("t:a", "v");
      assertThat(m.async().expire("t:a", hugeNegative).get(2, TimeUnit.SECONDS)).isTrue();
      assertThat(m.exists("t:a")).isFalse();
    }
  }

  @Test
  void asyncOperationsGiveTheSameResults() throws Exception {
    try (RedisConnectionManager m = RedisConnectionManager.create(RedisTestSupport.config(REDIS.url()).build())) {
      RedisAsyncOperations a = m.async();
      a.set("a:k", "v").get(2, TimeUnit.SECONDS);
      assertThat(a.get("a:k").get(2, TimeUnit.SECONDS)).isEqualTo("v");
      a.set("a:t", "v", Duration.ofSeconds(30)).get(2, TimeUnit.SECONDS);
      assertThat(a.ttl("a:t").get(2, TimeUnit.SECONDS)).isBetween(29L, 30L);
      assertThat(a.exists("a:k").get(2, TimeUnit.SECONDS)).isTrue();
      assertThat(a.expire("a:missing", Duration.ofSeconds(1)).get(2, TimeUnit.SECONDS)).isFalse();
      assertThat(a.hset("a:h", "f", "1").get(2, TimeUnit.SECONDS)).isTrue();
      assertThat(a.hget("a:h", "f").get(2, TimeUnit.SECONDS)).isEqualTo("1");
      assertThat(a.hgetAll("a:h").get(2, TimeUnit.SECONDS)).isEqualTo(Map.of("f", "1"));
      assertThat(a.hdel("a:h", "f").get(2, TimeUnit.SECONDS)).isEqualTo(1L);
      assertThat(a.delete("a:k").get(2, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> a.hget("a:t", "f").get(2, TimeUnit.SECONDS))
          .hasCauseInstanceOf(RedisWrongTypeException.class);
    }
  }

  @Test
  void wrongTypeIsACallerErrorAndNeverSwitchesToTheFallback() {
    try (RedisConnectionManager m = RedisConnectionManager.create(RedisTestSupport.config(REDIS.url()).build())) {
      m.set("w:s", "v");
      for (int i = 0; i < 10; i++) {
        assertThatThrownBy(() -> m.hset("w:s", "f", "v")).isInstanceOf(RedisWrongTypeException.class)
            .hasMessage(RedisWrongTypeException.MESSAGE);
      }
      assertThat(m.guard().circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(m.isUsingFallback()).isFalse();
      assertThatThrownBy(() -> m.set("w:s", "v", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> m.get(null)).isInstanceOf(NullPointerException.class);
    }
  }

  @Test
  void defaultTtlAppliesToSetWithoutTtl() {
    try (RedisConnectionManager m = RedisConnectionManager.create(
        RedisTestSupport.config(REDIS.url()).defaultTtl(Duration.ofSeconds(60)).build())) {
      m.set("d:k", "v");
      assertThat(m.ttl("d:k")).isBetween(59L, 60L);
    }
  }

  @Test
  void healthCheckReportsPingLatencyAndInfoDetails() {
    ConnectionHealthManager health = ConnectionHealthManager.builder().build();
    try (health; RedisConnectionManager m = RedisConnectionManager.create(
        RedisTestSupport.config(REDIS.url()).name("cache").build(), health)) {
      CheckResult r = m.healthCheck();
      assertThat(r.outcome()).isEqualTo(CheckResult.Outcome.UP);
      assertThat(r.latency()).isPositive();
      assertThat(r.details()).containsKeys("version", "used_memory", "connected_clients");
      assertThat(r.details().get("version")).asString().startsWith("6.");
      assertThat(health.services()).contains("cache");
      assertThat(health.checkNow("cache").status()).isEqualTo(ServiceStatus.HEALTHY);
      assertThat(health.features()).containsAll(Set.of("caching", "sessions", "rate_limiting"));
    }
    assertThat(health.services()).doesNotContain("cache");
  }

  @Test
  void closeIsIdempotentAndReleasesEveryThread() {
    await().atMost(Duration.ofSeconds(10)).until(() -> redisThreads() == 0);
    RedisConnectionManager m = RedisConnectionManager.create(RedisTestSupport.config(REDIS.url()).name("t").build());
    m.set("c:k", "v");
    assertThat(redisThreads()).as("lettuce/netty and the manager's threads").isPositive();
    m.close();
    m.close();
    assertThat(m.isClosed()).isTrue();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(redisThreads()).isZero());
    assertThatThrownBy(() -> m.get("c:k")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThat(m.state()).isEqualTo(io.lifeline.core.ConnectionState.CLOSED);
  }

  static long redisThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("lettuce-") || n.startsWith(RedisConnectionManager.THREAD_PREFIX)
            || n.contains("epollEventLoop") || n.contains("nioEventLoop"))
        .count();
  }

  @Test
  void passwordNeverShowsInToStringErrorsOrHealth() throws Exception {
    try (RedisServerExtension secured = RedisServerExtension.builder().password("Sup3rS3cret").build().start()) {
      String url = "redis://:Sup3rS3cret@127.0.0.1:" + secured.port() + "/0";
      RedisConfig config = RedisTestSupport.config(url).build();
      assertThat(config.toString()).doesNotContain("Sup3rS3cret");
      try (RedisConnectionManager m = RedisConnectionManager.create(config)) {
        m.set("p:k", "v");
        assertThat(m.get("p:k")).isEqualTo("v");
        assertThat(m.toString()).doesNotContain("Sup3rS3cret");
        assertThat(m.healthCheck().details().toString()).doesNotContain("Sup3rS3cret");
        secured.kill();
        RedisTestSupport.awaitFallback(m);
        assertThat(String.valueOf(m.lastError())).doesNotContain("Sup3rS3cret");
        assertThat(String.valueOf(m.healthCheck().error())).doesNotContain("Sup3rS3cret");
      }
      RedisConfig separate = RedisTestSupport.config("redis://127.0.0.1:" + secured.port()).password("Sup3rS3cret").build();
      assertThat(separate.toString()).doesNotContain("Sup3rS3cret").contains("password=****");
    }
  }

  @Test
  void globalIsRegisteredWithLifelineAndTheGlobalHealthManager() {
    try {
      RedisConnectionManager g = RedisConnectionManager.initializeGlobal(
          RedisTestSupport.config(REDIS.url()).name("global-redis").build());
      assertThat(RedisConnectionManager.global()).isSameAs(g);
      assertThat(RedisConnectionManager.initializeGlobal(RedisTestSupport.config(REDIS.url()).build())).isSameAs(g);
      assertThat(Lifeline.registered()).contains("redis");
      assertThat(ConnectionHealthManager.global().services()).contains("global-redis");
      g.set("g:k", "v");
      RedisConnectionManager.shutdownGlobal();
      assertThat(g.isClosed()).isTrue();
      assertThat(Lifeline.registered()).doesNotContain("redis");
      RedisConnectionManager.shutdownGlobal(); // idempotent
    } finally {
      RedisConnectionManager.shutdownGlobal();
      ConnectionHealthManager.shutdownGlobal();
    }
  }
}
