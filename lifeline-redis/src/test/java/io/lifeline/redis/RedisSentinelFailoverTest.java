package io.lifeline.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.health.CheckResult;
import io.lifeline.testkit.RedisSentinelGroup;
import io.lifeline.testkit.Resp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sentinel mode against a real master, two replicas and three Sentinels. The tests share one
 * group and run in order: the last one kills the master.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisSentinelFailoverTest {

  @RegisterExtension
  static final RedisSentinelGroup GROUP = RedisSentinelGroup.builder().replicas(2).sentinels(3).build();

  private static RedisConfig.Builder config() {
    return RedisConfig.fromMap(Map.of(
            "REDIS_SENTINELS", GROUP.sentinelAddresses(),
            "REDIS_MASTER_NAME", GROUP.masterName()))
        .toBuilder()
        .healthCheckInterval(Duration.ofSeconds(1));
  }

  @Test
  @Order(1)
  void findsTheMasterThroughTheSentinelsAndReportsEveryInstance() {
    try (RedisConnectionManager m = RedisConnectionManager.create(config().build())) {
      assertThat(m.isUsingFallback()).isFalse();
      m.set("where", "master");
      int master = GROUP.currentMasterPort();
      assertThat(Resp.tryCommand(master, "GET", "where")).isEqualTo("master");

      CheckResult health = m.healthCheck();
      assertThat(health.outcome()).isEqualTo(CheckResult.Outcome.UP);
      @SuppressWarnings("unchecked")
      Map<String, String> instances = (Map<String, String>) health.details().get("instances");
      assertThat(instances).hasSize(1 + 2 + 3).containsEntry("master 127.0.0.1:" + master, "up");
      for (int p : GROUP.dataPorts().subList(1, 3)) {
        assertThat(instances).containsEntry("replica 127.0.0.1:" + p, "up");
      }
      for (int p : GROUP.sentinelPorts()) {
        assertThat(instances).containsEntry("sentinel 127.0.0.1:" + p, "up");
      }
    }
  }

  @Test
  @Order(2)
  void replicaPreferredSendsReadsToReplicasAndWritesToTheMaster() {
    try (RedisConnectionManager m = RedisConnectionManager.create(
        config().readFrom(ReadFromPolicy.REPLICA_PREFERRED).build())) {
      m.set("routed", "yes");
      awaitReplicated("routed", "yes");
      long masterBefore = getCalls(GROUP.currentMasterPort());
      long replicasBefore = replicaGetCalls();
      for (int i = 0; i < 50; i++) {
        assertThat(m.get("routed")).isEqualTo("yes");
      }
      assertThat(replicaGetCalls() - replicasBefore).isGreaterThanOrEqualTo(50);
      assertThat(getCalls(GROUP.currentMasterPort()) - masterBefore).isZero();
    }
  }

  /**
   * The master is SIGKILLed under a steady 1 000 ops/s from 8 threads (60 % GET and 20 % EXISTS of
   * keys written before, 20 % SET of new keys). No caller sees an error, every read of a key
   * written before the kill gets its value (a replica answers while the master is down), writes
   * land in the fallback, and traffic is back on the promoted replica within a bound of the
   * promotion.
   */
  @Test
  @Order(3)
  void masterKilledUnderLoadNoCallerErrorsReadsFromReplicasBackOnTheNewMaster() throws Exception {
    int preloaded = 200;
    try (RedisConnectionManager m = RedisConnectionManager.create(config().build())) {
      PacedLoad.preload(m, preloaded);
      awaitReplicated(PacedLoad.PRELOADED + (preloaded - 1), "v" + (preloaded - 1));
      int old = GROUP.currentMasterPort();
      long killedAt;
      long promotedAt;
      long onlineAt;
      int promoted;
      PacedLoad load = new PacedLoad(m, 8, 1_000, preloaded, 60_000);
      try {
        await().atMost(Duration.ofSeconds(5)).until(() -> load.calls() > 500);
        killedAt = System.nanoTime();
        GROUP.kill(old);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(m::isUsingFallback);
        promoted = GROUP.awaitNewMaster(old, Duration.ofSeconds(30));
        promotedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> !m.isUsingFallback());
        onlineAt = System.nanoTime();
        long callsOnline = load.calls();
        await().atMost(Duration.ofSeconds(5)).until(() -> load.calls() > callsOnline + 500);
      } finally {
        load.close();
      }
      long[] during = load.durationsBetween(killedAt, onlineAt);
      System.out.printf("sentinel failover: %d calls, promotion %d ms after the kill, back on the new master "
              + "%d ms after the promotion was seen, p99 during failover %.1f ms, replica reads %d wrong %d fallbackMisses %d%n",
          load.calls(), TimeUnit.NANOSECONDS.toMillis(promotedAt - killedAt),
          TimeUnit.NANOSECONDS.toMillis(onlineAt - promotedAt), PacedLoad.percentile(during, 99) / 1e6,
          m.metrics().replicaReads(), load.wrongReads.get(), m.metrics().fallbackMisses());

      assertThat(load.errors()).as("caller errors").isEmpty();
      assertThat(load.wrongReads.get()).as("reads of pre-kill keys not answered with their value").isZero();
      assertThat(m.metrics().replicaReads()).as("reads a replica answered while the master was down").isPositive();
      assertThat(m.metrics().fallbackWrites()).as("writes taken by the fallback during the gap").isPositive();
      // the manager learns of the promotion from Sentinel's +switch-master; 2 s leaves room for a
      // busy machine (the figure measured quietly is in lifeline-bench/README.md)
      assertThat(TimeUnit.NANOSECONDS.toMillis(onlineAt - promotedAt)).isLessThan(2_000);

      m.set("after-failover", "new-master");
      assertThat(Resp.tryCommand(promoted, "GET", "after-failover")).isEqualTo("new-master");

      // the old master is gone: Sentinel lists it as a replica that is down -> DEGRADED
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        CheckResult health = m.healthCheck();
        assertThat(health.outcome()).isEqualTo(CheckResult.Outcome.DEGRADED);
        assertThat(health.error()).contains("127.0.0.1:" + old);
      });
    }
  }

  private static void awaitReplicated(String key, String value) {
    await().atMost(Duration.ofSeconds(10)).until(() -> GROUP.dataPorts().stream()
        .filter(p -> !GROUP.isMaster(p))
        .allMatch(p -> value.equals(Resp.tryCommand(p, "GET", key))));
  }

  private static long replicaGetCalls() {
    long n = 0;
    for (int p : GROUP.dataPorts()) {
      if (!GROUP.isMaster(p)) {
        n += getCalls(p);
      }
    }
    return n;
  }

  /** {@code cmdstat_get:calls=N} of the node on {@code port}. */
  private static long getCalls(int port) {
    String calls = Resp.infoField((String) Resp.tryCommand(port, "INFO", "commandstats"), "cmdstat_get");
    if (calls == null) {
      return 0;
    }
    for (String part : List.of(calls.split(","))) {
      if (part.startsWith("calls=")) {
        return Long.parseLong(part.substring("calls=".length()));
      }
    }
    return 0;
  }
}
