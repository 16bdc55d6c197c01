package io.lifeline.redis;

import static io.lifeline.redis.RedisTestSupport.awaitFallback;
import static io.lifeline.redis.RedisTestSupport.awaitOnline;
import static io.lifeline.redis.RedisTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.ConnectionState;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Real faults against a real Redis: SIGKILL, stop, black hole, latency, reset, wrong password,
 * flapping. Each asserts that callers see no error for cache operations, every call returns within
 * its bound, the state sequence, and recovery without restarting anything but Redis.
 */
class RedisFaultTest {
  /** Generous bound for one call (command timeout 1 s) on a loaded 2-core machine. */
  static final Duration CALL_BOUND = Duration.ofSeconds(3);

  static List<ConnectionState> recordStates(RedisConnectionManager m) {
    List<ConnectionState> states = Collections.synchronizedList(new ArrayList<>());
    m.addStateListener((previous, current) -> states.add(current));
    return states;
  }

  static void awaitMoreCalls(Load load, int n) {
    long target = load.calls.get() + n;
    await().atMost(Duration.ofSeconds(20)).until(() -> load.calls.get() >= target);
  }

  static long millisSince(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  @Test
  void sigkillUnderLoadFromFourThreads() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.builder().build().start();
        RedisConnectionManager m = RedisConnectionManager.create(config(redis.url()).build())) {
      List<ConnectionState> states = recordStates(m);
      Load load = new Load(m, 4, "kill:");
      try (load) {
        awaitMoreCalls(load, 200);
        long t0 = System.nanoTime();
        redis.kill();
        awaitFallback(m);
        assertThat(millisSince(t0)).as("detection").isLessThan(2_000);
        awaitMoreCalls(load, 400); // served by the fallback
        assertThat(m.metrics().fallbackWrites()).isPositive();
        redis.start();
        awaitOnline(m);
        awaitMoreCalls(load, 200);
      }
      assertThat(load.errors()).as("caller-visible errors").isEmpty();
      assertThat(Duration.ofNanos(load.maxNanos.get())).isLessThan(CALL_BOUND);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(states)
          .containsSubsequence(ConnectionState.FAILED, ConnectionState.CONNECTING, ConnectionState.CONNECTED));
      assertThat(m.state()).isEqualTo(ConnectionState.CONNECTED);
      // a write timing out on an overloaded machine is one more (recovered) outage, not an error
      assertThat(m.metrics().outages()).isPositive();
      assertThat(m.metrics().reconciliations()).isEqualTo(m.metrics().outages() + 1);
      m.set("after", "ok");
      assertThat(m.get("after")).isEqualTo("ok");
    }
  }

  @Test
  void stopAndRestartWithHealthCallbacks() throws Exception {
    ConnectionHealthManager health = ConnectionHealthManager.builder().build();
    List<String> degraded = Collections.synchronizedList(new ArrayList<>());
    List<String> recovered = Collections.synchronizedList(new ArrayList<>());
    health.onDegraded((service, from, to, status) -> degraded.add(from + "->" + to));
    health.onRecovered((service, from, to, status) -> recovered.add(from + "->" + to));
    try (health; RedisServerExtension redis = RedisServerExtension.builder().build().start();
        RedisConnectionManager m = RedisConnectionManager.create(config(redis.url()).name("cache").build(), health)) {
      Load load = new Load(m, 2, "stop:");
      try (load) {
        awaitMoreCalls(load, 100);
        redis.stop();
        awaitFallback(m);
        // the manager's own failures (outage + failed reconnects) are reported at once: no check needed
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(health.status("cache").status()).isEqualTo(ServiceStatus.UNAVAILABLE));
        assertThat(health.isFeatureAvailable("caching")).isFalse();
        awaitMoreCalls(load, 200);
        redis.start();
        awaitOnline(m);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
            assertThat(health.checkNow("cache").status()).isEqualTo(ServiceStatus.HEALTHY));
        awaitMoreCalls(load, 100);
      }
      assertThat(load.errors()).isEmpty();
      assertThat(Duration.ofNanos(load.maxNanos.get())).isLessThan(CALL_BOUND);
      assertThat(m.metrics().outages()).isPositive();
      assertThat(m.metrics().reconciliations()).isEqualTo(m.metrics().outages() + 1); // + first connect
      assertThat(health.isFeatureAvailable("caching")).isTrue();
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        assertThat(degraded).contains("DEGRADED->UNAVAILABLE");
        assertThat(recovered).isNotEmpty().allMatch(t -> t.endsWith("->HEALTHY"));
      });
    }
  }

  @Test
  void blackHoleIsBoundedByTheCommandTimeoutThenServedAtOnce() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.builder().withProxy().build().start();
        RedisConnectionManager m = RedisConnectionManager.create(config(redis.proxyUrl()).build());
        RedisTestSupport.Raw raw = new RedisTestSupport.Raw(redis.url())) {
      m.set("bh:k", "v1");
      redis.proxy().blackHole();
      long t0 = System.nanoTime();
      m.set("bh:k", "v2"); // times out (1 s), outcome unknown: goes to the fallback
      assertThat(millisSince(t0)).isLessThan(CALL_BOUND.toMillis());
      assertThat(m.isUsingFallback()).isTrue();
      long t1 = System.nanoTime();
      for (int i = 0; i < 100; i++) {
        assertThat(m.get("bh:k")).isEqualTo("v2");
      }
      assertThat(millisSince(t1)).as("100 calls while black-holed, no timeout waits").isLessThan(500);
      assertThat(m.healthCheck().outcome()).isEqualTo(io.lifeline.core.health.CheckResult.Outcome.DOWN);
      redis.proxy().passThrough();
      awaitOnline(m);
      assertThat(m.get("bh:k")).as("INVALIDATE: the outage write is dropped, v1 never comes back").isNull();
      assertThat(raw.redis.get("bh:k")).isNull();
      m.set("bh:k", "v3");
      assertThat(raw.redis.get("bh:k")).isEqualTo("v3");
    }
  }

  @Test
  void asyncCallsFallBackWithoutErrorsWithinTheBound() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.builder().withProxy().build().start();
        RedisConnectionManager m = RedisConnectionManager.create(config(redis.proxyUrl()).build())) {
      RedisAsyncOperations a = m.async();
      a.set("as:k", "v1").get(2, java.util.concurrent.TimeUnit.SECONDS);
      redis.proxy().blackHole();
      long t0 = System.nanoTime();
      a.set("as:k", "v2").get(CALL_BOUND.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      assertThat(millisSince(t0)).isLessThan(CALL_BOUND.toMillis());
      assertThat(m.isUsingFallback()).isTrue();
      assertThat(a.get("as:k").get(1, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("v2");
      assertThat(a.hset("as:h", "f", "v").get(1, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(a.ttl("as:k").get(1, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(-1L);
      redis.proxy().passThrough();
      awaitOnline(m);
      assertThat(a.get("as:k").get(2, java.util.concurrent.TimeUnit.SECONDS)).isNull();
      assertThat(a.exists("as:h").get(2, java.util.concurrent.TimeUnit.SECONDS)).isFalse();
    }
  }

  @Test
  void addedLatencyDegradesHealthWithoutFallingBack() throws Exception {
    ConnectionHealthManager health = ConnectionHealthManager.builder()
        .latencyThreshold(Duration.ofMillis(200)).checkTimeout(Duration.ofSeconds(15)).build();
    try (health; RedisServerExtension redis = RedisServerExtension.builder().withProxy().build().start();
        RedisConnectionManager m = RedisConnectionManager.create(
            config(redis.proxyUrl()).name("slow").commandTimeout(Duration.ofSeconds(5)).build(), health)) {
      List<ServiceStatus> seen = Collections.synchronizedList(new ArrayList<>());
      health.addStatusListener((service, from, to, status) -> seen.add(to));
      m.set("lat:k", "v");
      redis.proxy().latency(Duration.ofMillis(600));
      assertThat(health.checkNow("slow").status()).isEqualTo(ServiceStatus.DEGRADED);
      assertThat(health.status("slow").responseTime()).isGreaterThanOrEqualTo(Duration.ofMillis(600));
      assertThat(m.get("lat:k")).as("slow, but Redis still answers").isEqualTo("v");
      assertThat(m.isUsingFallback()).isFalse();
      redis.proxy().passThrough();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(health.checkNow("slow").status()).isEqualTo(ServiceStatus.HEALTHY));
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(seen).containsSubsequence(ServiceStatus.DEGRADED, ServiceStatus.HEALTHY)
              .doesNotContain(ServiceStatus.UNAVAILABLE));
    }
  }

  @Test
  void connectionResetFallsBackAndRecovers() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.builder().withProxy().build().start();
        RedisConnectionManager m = RedisConnectionManager.create(config(redis.proxyUrl()).build())) {
      Load load = new Load(m, 2, "reset:");
      try (load) {
        awaitMoreCalls(load, 100);
        redis.proxy().reset();
        awaitFallback(m);
        awaitMoreCalls(load, 100);
        redis.proxy().passThrough();
        awaitOnline(m);
        awaitMoreCalls(load, 100);
      }
      assertThat(load.errors()).isEmpty();
      assertThat(Duration.ofNanos(load.maxNanos.get())).isLessThan(CALL_BOUND);
    }
  }

  @Test
  void wrongPasswordIsUnavailableWithAClearMessageAndBacksOff() throws Exception {
    ConnectionHealthManager health = ConnectionHealthManager.builder().build();
    try (health; RedisServerExtension redis = RedisServerExtension.builder().password("right-pw").build().start();
        RedisConnectionManager m = RedisConnectionManager.create(
            config(redis.url()).name("auth").password("wrong-pw").build(), health)) {
      assertThat(m.isUsingFallback()).isTrue();
      m.set("auth:k", "v");
      assertThat(m.get("auth:k")).isEqualTo("v");
      assertThat(m.lastError()).contains("authentication failed").doesNotContain("wrong-pw");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        health.checkNow("auth");
        assertThat(health.status("auth").status()).isEqualTo(ServiceStatus.UNAVAILABLE);
      });
      assertThat(health.status("auth").lastError()).contains("authentication failed").doesNotContain("wrong-pw");
      long before = m.metrics().reconnectAttempts();
      long t0 = System.nanoTime();
      await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
      long attempts = m.metrics().reconnectAttempts() - before;
      // a reconnect loop without backoff makes hundreds of attempts per second here
      assertThat(attempts).as("attempts in %d ms", millisSince(t0)).isBetween(1L, 15L);
    }
  }

  @Test
  void flappingFiveKillRestartCyclesWithinThirtySeconds() throws Exception {
    long start = System.nanoTime();
    try (RedisServerExtension redis = RedisServerExtension.builder().build().start();
        RedisConnectionManager m = RedisConnectionManager.create(config(redis.url()).build())) {
      Load load = new Load(m, 2, "flap:");
      try (load) {
        for (int cycle = 0; cycle < 5; cycle++) {
          awaitMoreCalls(load, 50);
          redis.kill();
          awaitFallback(m);
          awaitMoreCalls(load, 50);
          redis.start();
          awaitOnline(m);
        }
        awaitMoreCalls(load, 50);
      }
      assertThat(load.errors()).isEmpty();
      assertThat(Duration.ofNanos(load.maxNanos.get())).isLessThan(CALL_BOUND);
      assertThat(m.metrics().outages()).isGreaterThanOrEqualTo(5);
      assertThat(m.metrics().reconciliations()).isEqualTo(m.metrics().outages() + 1);
      assertThat(m.state()).isEqualTo(ConnectionState.CONNECTED);
    }
    assertThat(millisSince(start)).isLessThan(30_000);
  }
}
