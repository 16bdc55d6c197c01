package io.lifeline.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConnectionHealthManagerTest {
  private final CountDownLatch release = new CountDownLatch(1);
  private ConnectionHealthManager health;

  @AfterEach
  void tearDown() {
    release.countDown();
    if (health != null) {
      health.close();
    }
  }

  private ConnectionHealthManager.Builder fast() {
    return ConnectionHealthManager.builder().checkInterval(Duration.ofMillis(50))
        .checkTimeout(Duration.ofMillis(300)).latencyThreshold(Duration.ofMillis(200));
  }

  /** A check whose answer the test switches. */
  static final class Switch implements HealthCheck {
    final AtomicReference<String> mode = new AtomicReference<>("up");

    @Override
    public CheckResult check() throws Exception {
      switch (mode.get()) {
        case "up":
          return CheckResult.up(Map.of("version", "7.2"));
        case "degraded":
          return CheckResult.degraded("replica lag");
        default:
          throw new IOException("connection refused to redis://:pw@cache:6379");
      }
    }
  }

  private static List<String> transitions(List<String> seen) {
    return List.copyOf(seen);
  }

  @Test
  void statusFollowsTheRulesAndEveryCallbackFiresOnceInOrder() {
    health = fast().build();
    Switch redis = new Switch();
    health.register("redis", ServiceType.REDIS, redis, Set.of("caching", "sessions", "rate_limiting"));
    List<String> all = new CopyOnWriteArrayList<>();
    List<String> degraded = new CopyOnWriteArrayList<>();
    List<String> recovered = new CopyOnWriteArrayList<>();
    health.addStatusListener((s, from, to, st) -> all.add(s + ":" + from + ">" + to));
    health.onDegraded((s, from, to, st) -> degraded.add(from + ">" + to));
    health.onRecovered((s, from, to, st) -> recovered.add(from + ">" + to));

    assertThat(health.checkNow("redis").status()).isEqualTo(ServiceStatus.HEALTHY);
    assertThat(health.status("redis").details()).containsEntry("version", "7.2");
    redis.mode.set("down");
    assertThat(health.checkNow("redis").status()).isEqualTo(ServiceStatus.DEGRADED);
    assertThat(health.isFeatureAvailable("caching")).isTrue(); // DEGRADED still serves
    health.checkNow("redis");
    HealthStatus down = health.checkNow("redis");
    assertThat(down.status()).isEqualTo(ServiceStatus.UNAVAILABLE);
    assertThat(down.consecutiveFailures()).isEqualTo(3);
    assertThat(down.lastError()).contains("connection refused").doesNotContain(":pw@");
    assertThat(health.isFeatureAvailable("caching")).isFalse();
    assertThat(health.degradedFeatures()).containsExactly("caching", "rate_limiting", "sessions");
    redis.mode.set("up");
    assertThat(health.checkNow("redis").status()).isEqualTo(ServiceStatus.RECOVERING);
    assertThat(health.checkNow("redis").status()).isEqualTo(ServiceStatus.HEALTHY);
    assertThat(health.availableFeatures()).containsExactly("caching", "rate_limiting", "sessions");

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(all).hasSize(4));
    assertThat(transitions(all)).containsExactly("redis:HEALTHY>DEGRADED", "redis:DEGRADED>UNAVAILABLE",
        "redis:UNAVAILABLE>RECOVERING", "redis:RECOVERING>HEALTHY");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(recovered).hasSize(1));
    assertThat(degraded).containsExactly("HEALTHY>DEGRADED", "DEGRADED>UNAVAILABLE");
    assertThat(recovered).containsExactly("RECOVERING>HEALTHY");
    HealthStatus h = health.status("redis");
    assertThat(h.totalChecks()).isEqualTo(6);
    assertThat(h.successRate()).isEqualTo(3.0 / 6);
    assertThat(h.lastSuccess()).isNotNull();
  }

  @Test
  void aHungCheckIsDownAtItsTimeoutAndDelaysNoOtherService() {
    health = fast().build();
    health.register("hung", ServiceType.HTTP, () -> {
      release.await(); // hangs until the test ends
      return CheckResult.up();
    }, Set.of("search"));
    AtomicBoolean checked = new AtomicBoolean();
    health.register("fine", ServiceType.DATABASE, () -> {
      checked.set(true);
      return CheckResult.up();
    }, Set.of("orders"));
    long t0 = System.nanoTime();
    health.start();
    await().atMost(Duration.ofSeconds(1)).untilTrue(checked);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(300));
    await().atMost(Duration.ofSeconds(5)).until(() -> health.status("hung").totalChecks() >= 1);
    assertThat(health.status("hung").lastError())
        .containsAnyOf("timed out after 300ms", "previous check still running after 300ms");
    // the stuck check is not restarted on a second thread; each due check counts as a failure
    await().atMost(Duration.ofSeconds(5))
        .until(() -> health.status("hung").status() == ServiceStatus.UNAVAILABLE);
    assertThat(health.status("fine").status()).isEqualTo(ServiceStatus.HEALTHY);
    assertThat(health.isFeatureAvailable("orders")).isTrue();
    assertThat(health.isFeatureAvailable("search")).isFalse();
  }

  @Test
  void slowOrThrowingListenersAreIsolated() throws Exception {
    health = fast().unavailableThreshold(1).build();
    Switch s = new Switch();
    health.register("db", ServiceType.DATABASE, s, Set.of());
    CountDownLatch slowEntered = new CountDownLatch(1);
    List<String> fast = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    health.addStatusListener((n, from, to, st) -> {
      slowEntered.countDown();
      try {
        release.await(); // blocks its own mailbox only
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    health.addStatusListener((n, from, to, st) -> {
      throw new IllegalStateException("listener bug");
    });
    health.addStatusListener((n, from, to, st) -> {
      fast.add(from + ">" + to);
      threads.add(Thread.currentThread().getName());
    });
    s.mode.set("down");
    health.checkNow("db");
    s.mode.set("up");
    health.checkNow("db");
    health.checkNow("db");
    assertThat(slowEntered.await(5, TimeUnit.SECONDS)).isTrue();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(fast)
        .containsExactly("HEALTHY>UNAVAILABLE", "UNAVAILABLE>RECOVERING", "RECOVERING>HEALTHY"));
    assertThat(threads).allSatisfy(n -> assertThat(n).contains("lifeline-health-").contains("-notify-"));
  }

  @Test
  void reportedFailuresMarkTheServiceDownWithoutWaitingForACheck() {
    health = fast().build();
    health.register("neo4j", ServiceType.NEO4J, CheckResult::up, Set.of("graph"));
    for (int i = 0; i < 3; i++) {
      health.reportFailure("neo4j", new IOException("bolt://neo4j:secret@db:7687 refused"));
    }
    HealthStatus h = health.status("neo4j");
    assertThat(h.status()).isEqualTo(ServiceStatus.UNAVAILABLE);
    assertThat(h.totalChecks()).isZero(); // reports are not checks
    assertThat(h.lastError()).doesNotContain("secret");
    health.reportSuccess("neo4j", Duration.ofMillis(3));
    health.reportSuccess("neo4j", Duration.ofMillis(3));
    assertThat(health.status("neo4j").status()).isEqualTo(ServiceStatus.HEALTHY);
    health.reportSuccess("neo4j", Duration.ofSeconds(2)); // slower than the latency threshold
    assertThat(health.status("neo4j").status()).isEqualTo(ServiceStatus.DEGRADED);
  }

  @Test
  void backgroundMonitoringNoticesChangesByItself() {
    health = fast().unavailableThreshold(2).build();
    Switch s = new Switch();
    health.register("es", ServiceType.ELASTICSEARCH, s, Set.of("search"));
    health.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> health.status("es").totalChecks() >= 1);
    assertThat(health.status("es").nextCheckAt()).isNotNull();
    s.mode.set("down");
    await().atMost(Duration.ofSeconds(5)).until(() -> health.status("es").status() == ServiceStatus.UNAVAILABLE);
    s.mode.set("up");
    await().atMost(Duration.ofSeconds(10)).until(() -> health.status("es").status() == ServiceStatus.HEALTHY);
  }

  @Test
  void degradedResultsAndSlowChecksDegrade() {
    health = fast().latencyThreshold(Duration.ZERO).build();
    health.register("milvus", ServiceType.MILVUS, CheckResult::up, Set.of());
    assertThat(health.checkNow("milvus").status()).isEqualTo(ServiceStatus.DEGRADED); // every check is "slow"
    ConnectionHealthManager h2 = fast().build();
    try {
      Switch s = new Switch();
      s.mode.set("degraded");
      h2.register("pg", ServiceType.DATABASE, s, Set.of());
      assertThat(h2.checkNow("pg").status()).isEqualTo(ServiceStatus.DEGRADED);
      assertThat(h2.status("pg").lastError()).isEqualTo("replica lag");
    } finally {
      h2.close();
    }
  }

  @Test
  void featureRules() {
    health = fast().unavailableThreshold(1).featureRule("search", ConnectionHealthManager.FeatureRule.ANY).build();
    Switch a = new Switch();
    Switch b = new Switch();
    health.register("es-a", ServiceType.ELASTICSEARCH, a, Set.of("search", "analytics"));
    health.register("es-b", ServiceType.ELASTICSEARCH, b, Set.of("search", "analytics"));
    a.mode.set("down");
    health.checkAll();
    assertThat(health.isFeatureAvailable("search")).isTrue(); // ANY: one replica is enough
    assertThat(health.isFeatureAvailable("analytics")).isFalse(); // ALL (default)
    assertThat(health.isFeatureAvailable("unknown-feature")).isTrue();
    HealthReport r = health.report();
    assertThat(r.overall()).isEqualTo(ServiceStatus.DEGRADED);
    assertThat(r.availableFeatures()).containsExactly("search");
    assertThat(r.degradedFeatures()).containsExactly("analytics");
    assertThat(r.services()).containsOnlyKeys("es-a", "es-b");
    assertThat(r.toString()).contains("es-a (ELASTICSEARCH): UNAVAILABLE", "features degraded: [analytics]")
        .doesNotContain(":pw@");
    b.mode.set("down");
    health.checkAll();
    assertThat(health.report().overall()).isEqualTo(ServiceStatus.UNAVAILABLE);
    assertThat(health.unregister("es-a")).isTrue();
    assertThat(health.services()).containsExactly("es-b");
    assertThatThrownBy(() -> health.status("es-a")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no service 'es-a'");
  }

  @Test
  void asyncChecksAreSupported() {
    health = fast().build();
    health.register("graphiti", ServiceType.HTTP,
        HealthCheck.async(() -> java.util.concurrent.CompletableFuture.supplyAsync(CheckResult::up)), Set.of());
    assertThat(health.checkNowAsync("graphiti").join().status()).isEqualTo(ServiceStatus.HEALTHY);
    health.register("never", ServiceType.HTTP,
        HealthCheck.async(java.util.concurrent.CompletableFuture::new), Set.of());
    assertThat(health.checkNow("never").lastError()).contains("timed out");
  }

  @Test
  void closeLeavesNoThreadBehind() {
    health = fast().build();
    for (int i = 0; i < 5; i++) {
      health.register("svc" + i, ServiceType.CUSTOM, () -> {
        release.await();
        return CheckResult.up();
      }, Set.of());
    }
    health.addStatusListener((n, f, t, s) -> { });
    health.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> healthThreads() >= 6);
    health.close();
    health.close(); // idempotent
    await().atMost(Duration.ofSeconds(10)).until(() -> healthThreads() == 0);
    assertThatThrownBy(() -> health.register("x", ServiceType.CUSTOM, CheckResult::up, Set.of()))
        .isInstanceOf(IllegalStateException.class);
  }

  private static long healthThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(ConnectionHealthManager.THREAD_PREFIX) && t.isAlive()).count();
  }

  @Test
  void aLongOutageLogsTransitionsOnceAndOnlyRareSummaries() {
    ch.qos.logback.classic.Logger log =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ConnectionHealthManager.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured =
        new ch.qos.logback.core.read.ListAppender<>();
    captured.start();
    log.addAppender(captured);
    ch.qos.logback.classic.Level before = log.getLevel();
    log.setLevel(ch.qos.logback.classic.Level.INFO);
    try {
      java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
      health = fast().ticker(now::get).build();
      Switch s = new Switch();
      health.register("redis", ServiceType.REDIS, s, Set.of("caching"));
      health.checkNow("redis");
      s.mode.set("down");
      // one simulated minute of an outage, a failed check every second
      for (int i = 0; i < 60; i++) {
        health.checkNow("redis");
        now.addAndGet(Duration.ofSeconds(1).toNanos());
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> captured.list.size() >= 2);
      assertThat(health.status("redis").status()).isEqualTo(ServiceStatus.UNAVAILABLE);
      assertThat(captured.list).extracting(e -> e.getFormattedMessage())
          .containsExactly("service 'redis' is DEGRADED (was HEALTHY): IOException: connection refused to redis://****@cache:6379",
              "service 'redis' is UNAVAILABLE (was DEGRADED): IOException: connection refused to redis://****@cache:6379");
      // ten more simulated minutes: one summary line per 5 minutes, not 600 lines
      for (int i = 0; i < 600; i++) {
        health.checkNow("redis");
        now.addAndGet(Duration.ofSeconds(1).toNanos());
      }
      assertThat(captured.list).hasSize(4);
      assertThat(captured.list.get(2).getFormattedMessage())
          .startsWith("service 'redis' is still UNAVAILABLE: ").contains("in the last 300s");
      s.mode.set("up");
      health.checkNow("redis");
      health.checkNow("redis");
      await().atMost(Duration.ofSeconds(5)).until(() -> captured.list.size() == 6);
      assertThat(captured.list).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(":pw@"));
    } finally {
      log.detachAppender(captured);
      log.setLevel(before);
    }
  }

  @Test
  void readyMadeChecks() throws Exception {
    health = fast().unavailableThreshold(1).build();
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      health.register("tcp", ServiceType.CUSTOM,
          HealthCheck.tcp("127.0.0.1", server.getLocalPort(), Duration.ofMillis(500)), Set.of());
      HealthStatus up = health.checkNow("tcp");
      assertThat(up.status()).isEqualTo(ServiceStatus.HEALTHY);
      assertThat(up.details()).containsEntry("address", "127.0.0.1:" + server.getLocalPort());
      int port = server.getLocalPort();
      server.close();
      health.register("closed", ServiceType.CUSTOM, HealthCheck.tcp("127.0.0.1", port, Duration.ofMillis(500)), Set.of());
      assertThat(health.checkNow("closed").status()).isEqualTo(ServiceStatus.UNAVAILABLE);
      assertThat(health.status("closed").lastError()).contains("ConnectException");
    }
    health.register("callable", ServiceType.CUSTOM, HealthCheck.of(() -> 42), Set.of());
    assertThat(health.checkNow("callable").details()).containsEntry("result", "42");
    health.register("throws", ServiceType.CUSTOM, HealthCheck.of(() -> {
      throw new IllegalStateException("no");
    }), Set.of());
    assertThat(health.checkNow("throws").status()).isEqualTo(ServiceStatus.UNAVAILABLE);
    assertThatThrownBy(() -> HealthCheck.tcp("h", 0, Duration.ofSeconds(1)))
        .hasMessage("port=0: must be between 1 and 65535");
  }

  @Test
  void globalIsIdempotentAndShutsDown() {
    try {
      ConnectionHealthManager g = ConnectionHealthManager.initializeGlobal(fast());
      assertThat(ConnectionHealthManager.initializeGlobal(fast())).isSameAs(g);
      assertThat(ConnectionHealthManager.global()).isSameAs(g);
      assertThat(g.isRunning()).isTrue();
      ConnectionHealthManager.shutdownGlobal();
      ConnectionHealthManager.shutdownGlobal();
      assertThat(g.isRunning()).isFalse();
      assertThat(ConnectionHealthManager.global()).isNotSameAs(g);
    } finally {
      ConnectionHealthManager.shutdownGlobal();
    }
  }
}
