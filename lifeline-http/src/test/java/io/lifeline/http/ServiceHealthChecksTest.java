package io.lifeline.http;

import static io.lifeline.http.LoopbackServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.ConfigurationException;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthCheck;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.core.health.ServiceType;
import io.lifeline.testkit.FaultProxy;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Elasticsearch and Milvus checks against loopback servers serving their documented answers. */
class ServiceHealthChecksTest {
  final LoopbackServer server;
  final AtomicReference<String> clusterStatus = new AtomicReference<>("green");

  ServiceHealthChecksTest() throws Exception {
    server = new LoopbackServer();
    // the shape of GET /_cluster/health (Elasticsearch 8.x)
    server.on("/_cluster/health", (ex, b) -> {
      String s = clusterStatus.get();
      int unassigned = s.equals("green") ? 0 : s.equals("yellow") ? 5 : 12;
      json(ex, 200, "{\"cluster_name\":\"docs\",\"status\":\"" + s + "\",\"timed_out\":false,"
          + "\"number_of_nodes\":3,\"number_of_data_nodes\":3,\"active_primary_shards\":10,"
          + "\"active_shards\":" + (20 - unassigned) + ",\"relocating_shards\":0,\"initializing_shards\":0,"
          + "\"unassigned_shards\":" + unassigned + ",\"delayed_unassigned_shards\":0,"
          + "\"number_of_pending_tasks\":0,\"number_of_in_flight_fetch\":0,"
          + "\"task_max_waiting_in_queue_millis\":0,\"active_shards_percent_as_number\":100.0}");
    });
    server.on("/healthz", (ex, b) -> LoopbackServer.send(ex, 200, "text/plain", "OK"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  static CheckResult run(HealthCheck c) throws Exception {
    return c.checkAsync().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void elasticsearchGreenYellowRed() throws Exception {
    HealthCheck es = ServiceHealthChecks.elasticsearch(server.url()).basicAuth("elastic", "pw-SECRET").build();
    CheckResult green = run(es);
    assertThat(green.outcome()).isEqualTo(CheckResult.Outcome.UP);
    assertThat(green.details()).containsEntry("cluster", "docs").containsEntry("nodes", 3)
        .containsEntry("unassignedShards", 0).containsEntry("status", "green");
    assertThat(server.seen.get(0).header("Authorization")).startsWith("Basic ");
    clusterStatus.set("yellow");
    CheckResult yellow = run(es);
    assertThat(yellow.outcome()).isEqualTo(CheckResult.Outcome.DEGRADED);
    assertThat(yellow.details()).containsEntry("unassignedShards", 5);
    clusterStatus.set("red");
    CheckResult red = run(es);
    assertThat(red.outcome()).isEqualTo(CheckResult.Outcome.DOWN);
    assertThat(red.error()).contains("red").contains("12 unassigned");
    assertThat(List.of(green, yellow, red, es.toString()).toString()).doesNotContain("SECRET");
  }

  @Test
  void elasticsearchUnreachableOrGarbledIsDown() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    assertThat(run(ServiceHealthChecks.elasticsearch("http://127.0.0.1:" + port).build()).outcome())
        .isEqualTo(CheckResult.Outcome.DOWN);
    server.on("/_cluster/health", (ex, b) -> json(ex, 200, "not json"));
    assertThat(run(ServiceHealthChecks.elasticsearch(server.url()).build()).error()).contains("not JSON");
    server.on("/_cluster/health", (ex, b) -> json(ex, 401, "{\"error\":\"auth\"}"));
    assertThat(run(ServiceHealthChecks.elasticsearch(server.url()).build()).error()).contains("401");
  }

  @Test
  void blackHoleIsBoundedByTheCheckTimeout() throws Exception {
    try (FaultProxy proxy = FaultProxy.start("127.0.0.1", server.port())) {
      proxy.blackHole();
      long start = System.nanoTime();
      CheckResult r = run(ServiceHealthChecks.milvus("http://127.0.0.1:" + proxy.port())
          .timeout(Duration.ofMillis(300)).build());
      assertThat(r.outcome()).isEqualTo(CheckResult.Outcome.DOWN);
      assertThat(r.error()).containsAnyOf("no answer within 300ms", "request timed out"); // our bound or the JDK's, whichever fires first
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void milvusHealthz() throws Exception {
    CheckResult ok = run(ServiceHealthChecks.milvus(server.url()).build());
    assertThat(ok.outcome()).isEqualTo(CheckResult.Outcome.UP);
    assertThat(ok.details()).containsEntry("body", "OK");
    server.on("/healthz", (ex, b) -> LoopbackServer.send(ex, 500, "text/plain", "not ready"));
    assertThat(run(ServiceHealthChecks.milvus(server.url()).build()).outcome()).isEqualTo(CheckResult.Outcome.DOWN);
    assertThatThrownBy(() -> ServiceHealthChecks.milvus("localhost:9091"))
        .isInstanceOf(ConfigurationException.class);
  }

  @Test
  void statusSequenceWithTheHealthManager() throws Exception {
    try (ConnectionHealthManager health = ConnectionHealthManager.builder().checkInterval(Duration.ofMillis(100))
        .unavailableThreshold(1).recoveryThreshold(1).build()) {
      List<ServiceStatus> seen = new CopyOnWriteArrayList<>();
      health.addStatusListener((name, prev, now, st) -> seen.add(now));
      health.register("search", ServiceType.ELASTICSEARCH,
          ServiceHealthChecks.elasticsearch(server.url()).build(), Set.of("search"));
      health.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> health.status("search").totalChecks() >= 1);
      assertThat(health.status("search").status()).isEqualTo(ServiceStatus.HEALTHY);
      clusterStatus.set("yellow");
      await().atMost(Duration.ofSeconds(5)).until(() -> health.status("search").status() == ServiceStatus.DEGRADED);
      assertThat(health.status("search").details()).containsEntry("unassignedShards", 5);
      clusterStatus.set("red");
      await().atMost(Duration.ofSeconds(5)).until(() -> health.status("search").status() == ServiceStatus.UNAVAILABLE);
      assertThat(health.isFeatureAvailable("search")).isFalse();
      clusterStatus.set("green");
      await().atMost(Duration.ofSeconds(5)).until(() -> health.status("search").status() == ServiceStatus.HEALTHY);
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(ServiceStatus.HEALTHY));
      assertThat(seen).containsSubsequence(ServiceStatus.DEGRADED, ServiceStatus.UNAVAILABLE, ServiceStatus.HEALTHY);
    }
  }
}
