package io.lifeline.http;

import static io.lifeline.http.LoopbackServer.json;
import static io.lifeline.http.LoopbackServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lifeline.core.CircuitOpenException;
import io.lifeline.core.ConfigurationException;
import io.lifeline.core.ConnectionState;
import io.lifeline.core.Lifeline;
import io.lifeline.core.RetriesExhaustedException;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.testkit.FaultProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Graphiti server API against a loopback server answering with Graphiti's documented shapes. */
class GraphitiConnectionManagerTest {
  static final String FACT = "{\"uuid\":\"e-1\",\"name\":\"WORKS_AT\",\"fact\":\"Alice works at Acme\","
      + "\"valid_at\":\"2024-05-01T10:00:00Z\",\"invalid_at\":null,"
      + "\"created_at\":\"2024-05-01T10:00:01.123456+00:00\",\"expired_at\":null}";
  static final String EPISODE = "{\"uuid\":\"ep-1\",\"name\":\"msg\",\"group_id\":\"g1\",\"labels\":[],"
      + "\"created_at\":\"2024-05-01T10:00:00\",\"source\":\"message\",\"source_description\":\"chat\","
      + "\"content\":\"user(Alice): hi\",\"valid_at\":\"2024-05-01T10:00:00Z\",\"entity_edges\":[\"e-1\"]}";
  static final ObjectMapper JSON = new ObjectMapper();

  final LoopbackServer server;
  final AtomicBoolean databaseUp = new AtomicBoolean(true);
  final List<AutoCloseable> closeMe = new ArrayList<>();

  GraphitiConnectionManagerTest() throws Exception {
    server = new LoopbackServer();
    server.on("/healthcheck", (ex, b) -> json(ex, 200, "{\"status\":\"healthy\"}"));
    server.on("/search", (ex, b) -> json(ex, 200, "{\"facts\":[" + FACT + "]}"));
    server.on("/get-memory", (ex, b) -> json(ex, 200, "{\"facts\":[" + FACT + "]}"));
    server.on("/messages", (ex, b) -> json(ex, 202, "{\"message\":\"Messages added to processing queue\",\"success\":true}"));
    server.on("/entity-node", (ex, b) -> {
      JsonNode req = JSON.readTree(b);
      json(ex, 201, "{\"uuid\":\"" + req.get("uuid").asText() + "\",\"name\":\"" + req.get("name").asText()
          + "\",\"group_id\":\"" + req.get("group_id").asText() + "\",\"labels\":[\"Entity\"],"
          + "\"created_at\":\"2024-05-01T10:00:00Z\",\"name_embedding\":[0.1,0.2],\"summary\":\""
          + req.get("summary").asText() + "\",\"attributes\":{}}");
    });
    server.on("/entity-edge/", (ex, b) -> {
      String uuid = ex.getRequestURI().getPath().substring("/entity-edge/".length());
      if (!uuid.equals("e-1")) {
        json(ex, 404, "{\"detail\":\"Entity edge " + uuid + " not found\"}");
      } else if (ex.getRequestMethod().equals("DELETE")) {
        json(ex, 200, "{\"message\":\"Entity Edge deleted\",\"success\":true}");
      } else {
        json(ex, 200, FACT);
      }
    });
    server.on("/episodes/", (ex, b) -> {
      if (!databaseUp.get()) {
        json(ex, 500, "{\"detail\":\"Internal Server Error\"}");
        return;
      }
      json(ex, 200, "[" + EPISODE + "]");
    });
    server.on("/episode/", (ex, b) -> json(ex, 200, "{\"message\":\"Episode deleted\",\"success\":true}"));
    server.on("/group/", (ex, b) -> json(ex, 200, "{\"message\":\"Group deleted\",\"success\":true}"));
    server.on("/clear", (ex, b) -> json(ex, 200, "{\"message\":\"Graph cleared\",\"success\":true}"));
  }

  @AfterEach
  void tearDown() throws Exception {
    GraphitiConnectionManager.shutdownGlobal();
    for (AutoCloseable c : closeMe) {
      c.close();
    }
    server.close();
  }

  GraphitiConnectionManager manager(String url, GraphitiConfig.Builder b) {
    GraphitiConnectionManager m = new GraphitiConnectionManager(b.url(url).build());
    closeMe.add(m);
    return m;
  }

  GraphitiConnectionManager manager() {
    return manager(server.url(), GraphitiConfig.builder().retryDelay(Duration.ofMillis(5)));
  }

  // ------------------------------------------------------------------------------ the typed API

  @Test
  void typedEndpointsSpeakGraphitisShapes() throws Exception {
    GraphitiConnectionManager g = manager();
    assertThat(g.healthcheck().status()).isEqualTo("healthy");

    Graphiti.SearchResults found = g.search(List.of("g1"), "Where does Alice work?", 5);
    assertThat(found.facts()).singleElement().satisfies(f -> {
      assertThat(f.fact()).isEqualTo("Alice works at Acme");
      assertThat(f.validAt()).isEqualTo("2024-05-01T10:00:00Z");
      assertThat(f.invalidAt()).isNull();
    });
    JsonNode searchBody = JSON.readTree(server.seen.get(1).body());
    assertThat(searchBody.get("group_ids").get(0).asText()).isEqualTo("g1");
    assertThat(searchBody.get("max_facts").asInt()).isEqualTo(5);

    Graphiti.Message hi = Graphiti.Message.user("Alice", "I work at Acme");
    assertThat(g.getMemory(new Graphiti.GetMemoryRequest("g1", 3, null, List.of(hi))).facts()).hasSize(1);
    JsonNode mem = JSON.readTree(server.seen.get(2).body());
    assertThat(mem.has("center_node_uuid")).isTrue(); // required by Graphiti, even when null
    assertThat(mem.get("messages").get(0).get("role_type").asText()).isEqualTo("user");

    assertThat(g.addMessages("g1", List.of(hi)).success()).isTrue();
    Graphiti.EntityNode node = g.addEntityNode(new Graphiti.AddEntityNodeRequest("n-1", "g1", "Acme", "a company"));
    assertThat(node.uuid()).isEqualTo("n-1");
    assertThat(node.labels()).containsExactly("Entity");

    assertThat(g.getEntityEdge("e-1")).hasValueSatisfying(f -> assertThat(f.name()).isEqualTo("WORKS_AT"));
    assertThat(g.getEntityEdge("nope")).isEmpty();
    assertThat(g.deleteEntityEdge("e-1").message()).isEqualTo("Entity Edge deleted");
    List<Graphiti.Episode> eps = g.getEpisodes("g1", 10);
    assertThat(eps).singleElement().satisfies(e -> {
      assertThat(e.entityEdges()).containsExactly("e-1");
      assertThat(e.createdAt().getOffset().getTotalSeconds()).isZero(); // naive timestamp read as UTC
    });
    assertThat(server.seen.stream().map(LoopbackServer.Seen::path)).contains("/episodes/g1?last_n=10");
    assertThat(g.deleteEpisode("ep-1").success()).isTrue();
    assertThat(g.deleteGroup("g1").message()).isEqualTo("Group deleted");
    assertThat(g.clear().message()).isEqualTo("Graph cleared");
    assertThatThrownBy(() -> g.deleteEntityEdge("nope")).isInstanceOf(HttpRequestRejectedException.class)
        .hasMessageContaining("404");
  }

  @Test
  void searchIsAReadRetriedWithOneIdempotencyKeyButMessagesAreNotRetried() {
    server.script("/search", status(503), status(502));
    server.script("/messages", status(503));
    GraphitiConnectionManager g = manager();
    assertThat(g.search(null, "q", 10).facts()).hasSize(1);
    List<String> keys = server.seen.stream().filter(s -> s.path().equals("/search"))
        .map(s -> s.header("Idempotency-Key")).toList();
    assertThat(keys).hasSize(3).doesNotContainNull();
    assertThat(Set.copyOf(keys)).hasSize(1);
    assertThatThrownBy(() -> g.addMessages("g1", List.of(Graphiti.Message.user("A", "x"))))
        .isInstanceOf(HttpStatusException.class);
    assertThat(server.count("POST", "/messages")).isEqualTo(1);
  }

  @Test
  void invalidJsonFromGraphitiIsAClearError() {
    server.script("/search", (ex, b) -> json(ex, 200, "{\"facts\": [ {\"uuid\": "));
    assertThatThrownBy(() -> manager().search(null, "q", 10)).isInstanceOf(InvalidResponseException.class)
        .hasMessageContaining("'graphiti' POST /search");
  }

  // ------------------------------------------------------------------ seed 000 usage examples

  /** Seed: "Making HTTP Requests" — global manager, POST with a JSON body, 201, entity id. */
  @Test
  void seedMakingHttpRequests() {
    server.on("/api/entities", (ex, b) -> json(ex, 201, "{\"id\":\"ent-7\",\"type\":\"Question\"}"));
    GraphitiConnectionManager.initializeGlobal(GraphitiConfig.builder().url(server.url()).build());
    GraphitiConnectionManager graphiti = GraphitiConnectionManager.global();
    HttpResult response = graphiti.request("POST", "/api/entities", Map.of(
        "type", "Question", "content", "What is Python?", "metadata", Map.of("difficulty", "medium")));
    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.json().get("id").asText()).isEqualTo("ent-7");
    assertThat(server.seen.get(0).body()).contains("\"difficulty\":\"medium\"");
  }

  /** Seed: "Async HTTP Requests" — request_async, json(), close_async. */
  @Test
  void seedAsyncHttpRequests() throws Exception {
    server.on("/api/status", (ex, b) -> json(ex, 200, "{\"status\":\"ok\",\"version\":\"0.3\"}"));
    GraphitiConnectionManager manager = new GraphitiConnectionManager(GraphitiConfig.builder().url(server.url()).build());
    HttpResult response = manager.requestAsync("GET", "/api/status").get(10, TimeUnit.SECONDS);
    JsonNode status = response.json();
    assertThat(status.get("status").asText()).isEqualTo("ok");
    manager.closeAsync().get(10, TimeUnit.SECONDS);
    assertThat(manager.isClosed()).isTrue();
    assertThat(manager.state()).isEqualTo(ConnectionState.CLOSED);
  }

  /** Seed: "Automatic Retries" — max_retries=5, retry_delay, retry_backoff; metrics.total_retries. */
  @Test
  void seedAutomaticRetries() {
    server.on("/api/data", status(503));
    GraphitiConnectionManager manager = manager(server.url(), GraphitiConfig.builder()
        .maxRetries(5).retryDelay(Duration.ofMillis(2)).retryBackoff(2.0));
    assertThatThrownBy(() -> manager.request("GET", "/api/data"))
        .isInstanceOfSatisfying(RetriesExhaustedException.class, e -> assertThat(e.attempts()).isEqualTo(6));
    assertThat(manager.metrics().totalRetries()).isEqualTo(5);
    assertThat(server.count("GET", "/api/data")).isEqualTo(6);
  }

  /** Seed: "Connection State Monitoring" — a state callback sees CONNECTING, CONNECTED, FAILED. */
  @Test
  void seedConnectionStateMonitoring() throws Exception {
    FaultProxy proxy = FaultProxy.start("127.0.0.1", server.port());
    closeMe.add(proxy);
    GraphitiConnectionManager manager = manager("http://127.0.0.1:" + proxy.port(),
        GraphitiConfig.builder().maxRetries(1).retryDelay(Duration.ofMillis(5)));
    List<ConnectionState> seen = new CopyOnWriteArrayList<>();
    manager.addStateListener(state -> seen.add(state));
    manager.connect();
    proxy.refuse();
    proxy.cutAll(); // the pooled keep-alive connection too
    assertThatThrownBy(manager::connect).isInstanceOf(RetriesExhaustedException.class);
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 4);
    assertThat(seen).containsExactly(ConnectionState.CONNECTING, ConnectionState.CONNECTED,
        ConnectionState.CONNECTING, ConnectionState.FAILED);
  }

  /** Seed: "Performance Metrics" — totals, success rate, retries, last error, connection time. */
  @Test
  void seedPerformanceMetrics() {
    server.script("/api/data", status(503));
    server.on("/api/data", (ex, b) -> json(ex, 200, "{}"));
    GraphitiConnectionManager manager = manager();
    manager.connect();
    manager.request("GET", "/api/data");
    var metrics = manager.metrics().snapshot();
    assertThat(metrics.totalConnections()).isEqualTo(3);
    assertThat(metrics.successfulConnections()).isEqualTo(2);
    assertThat(metrics.failedConnections()).isEqualTo(1);
    assertThat(metrics.successRate()).isBetween(0.66, 0.67);
    assertThat(metrics.totalRetries()).isEqualTo(1);
    assertThat(metrics.lastError()).contains("503");
    assertThat(metrics.connectionDuration()).isNotNull();
  }

  /** Seed: "Connection Settings" — the GRAPHITI_* variables and their defaults. */
  @Test
  void seedConnectionSettingsFromEnvironment() {
    GraphitiConfig defaults = GraphitiConfig.fromMap(Map.of());
    assertThat(defaults.http().requestTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.http().retryConfig().maxRetries()).isEqualTo(3);
    assertThat(defaults.http().retryConfig().baseDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(defaults.http().retryConfig().exponentialBase()).isEqualTo(2.0);
    GraphitiConfig cfg = GraphitiConfig.fromMap(Map.of("GRAPHITI_URL", "http://graphiti:8000",
        "GRAPHITI_REQUEST_TIMEOUT", "12", "GRAPHITI_MAX_RETRIES", "5", "GRAPHITI_RETRY_DELAY", "0.5",
        "GRAPHITI_RETRY_BACKOFF", "3.0", "GRAPHITI_DEEP_CHECK_GROUP", "canary"));
    assertThat(cfg.http().baseUrl().toString()).isEqualTo("http://graphiti:8000");
    assertThat(cfg.http().requestTimeout()).isEqualTo(Duration.ofSeconds(12));
    assertThat(cfg.http().retryConfig().maxRetries()).isEqualTo(5);
    assertThat(cfg.http().retryConfig().baseDelay()).isEqualTo(Duration.ofMillis(500));
    assertThat(cfg.http().retryConfig().exponentialBase()).isEqualTo(3.0);
    assertThat(cfg.deepCheckGroupId()).isEqualTo("canary");
    for (String[] bad : new String[][] {{"GRAPHITI_MAX_RETRIES", "three"}, {"GRAPHITI_RETRY_DELAY", "-1"},
        {"GRAPHITI_RETRY_BACKOFF", "0.5"}, {"GRAPHITI_REQUEST_TIMEOUT", "0"}, {"GRAPHITI_URL", "graphiti:8000"}}) {
      assertThatThrownBy(() -> GraphitiConfig.fromMap(Map.of(bad[0], bad[1])))
          .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.key()).isEqualTo(bad[0]));
    }
  }

  /** Seed: "Custom Configuration" — a config built in code. */
  @Test
  void seedCustomConfiguration() {
    GraphitiConfig config = GraphitiConfig.builder().url(server.url()).requestTimeout(Duration.ofSeconds(5))
        .maxRetries(5).retryDelay(Duration.ofSeconds(2)).retryBackoff(2.0).build();
    GraphitiConnectionManager manager = new GraphitiConnectionManager(config);
    closeMe.add(manager);
    assertThat(manager.config().retryConfig().maxRetries()).isEqualTo(5);
    assertThat(manager.healthcheck().status()).isEqualTo("healthy");
  }

  /** Seed: "Use Global Managers" — one manager reused. */
  @Test
  void seedUseGlobalManagers() {
    GraphitiConnectionManager.initializeGlobal(GraphitiConfig.builder().url(server.url()).build());
    GraphitiConnectionManager first = GraphitiConnectionManager.global();
    first.healthcheck();
    assertThat(GraphitiConnectionManager.global()).isSameAs(first);
    assertThat(GraphitiConnectionManager.global().metrics().successfulConnections()).isEqualTo(1);
  }

  /** Seed: "Handle Connection Failures" — a typed exception within the bound, then the fallback. */
  @Test
  void seedHandleConnectionFailures() throws Exception {
    FaultProxy proxy = FaultProxy.start("127.0.0.1", server.port());
    closeMe.add(proxy);
    proxy.blackHole();
    GraphitiConnectionManager manager = manager("http://127.0.0.1:" + proxy.port(), GraphitiConfig.builder()
        .requestTimeout(Duration.ofMillis(300)).maxRetries(1).retryDelay(Duration.ofMillis(5)));
    long start = System.nanoTime();
    List<Graphiti.Episode> result;
    try {
      result = manager.getEpisodes("g1", 5);
    } catch (io.lifeline.core.ServiceUnavailableException e) {
      result = List.of(); // fallback behaviour
    }
    assertThat(result).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  /** Seed: "Clean Up Resources" — close_all_connections closes the global Graphiti manager. */
  @Test
  void seedCleanUpResources() {
    GraphitiConnectionManager g = GraphitiConnectionManager.initializeGlobal(
        GraphitiConfig.builder().url(server.url()).build());
    assertThat(Lifeline.registered()).contains("http:graphiti");
    Lifeline.closeAll();
    assertThat(g.isClosed()).isTrue();
    Lifeline.closeAll(); // idempotent
    assertThat(GraphitiConnectionManager.global()).isNotSameAs(g);
  }

  /** Seed: "Circuit Breaker Pattern" — after the threshold, calls fail fast without reaching the server. */
  @Test
  void seedCircuitBreakerPattern() {
    server.on("/api/data", status(500));
    GraphitiConnectionManager manager = manager(server.url(), GraphitiConfig.builder().retryConfig(
        RetryConfig.builder().maxRetries(0).circuitBreakerThreshold(5)
            .circuitBreakerTimeout(Duration.ofSeconds(60)).build()));
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> manager.request("GET", "/api/data")).isInstanceOf(HttpStatusException.class);
    }
    assertThatThrownBy(() -> manager.request("GET", "/api/data")).isInstanceOf(CircuitOpenException.class)
        .hasMessageContaining("OPEN");
    assertThat(server.count("GET", "/api/data")).isEqualTo(5);
  }

  // --------------------------------------------------------------------------------------- health

  @Test
  void deepCheckCatchesADatabaseOutageThatHealthcheckHides() throws Exception {
    GraphitiConnectionManager g = manager(server.url(), GraphitiConfig.builder().deepCheckGroupId("canary"));
    assertThat(g.healthCheck().checkAsync().toCompletableFuture().get(5, TimeUnit.SECONDS).outcome())
        .isEqualTo(io.lifeline.core.health.CheckResult.Outcome.UP);
    databaseUp.set(false);
    var down = g.healthCheck().checkAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(down.outcome()).isEqualTo(io.lifeline.core.health.CheckResult.Outcome.DOWN);
    assertThat(down.error()).contains("deep check");
    GraphitiConnectionManager shallow = manager();
    assertThat(shallow.healthCheck().checkAsync().toCompletableFuture().get(5, TimeUnit.SECONDS).outcome())
        .isEqualTo(io.lifeline.core.health.CheckResult.Outcome.UP);
  }

  @Test
  void healthManagerSeesOutageAndRecoveryThroughTheFaultProxy() throws Exception {
    FaultProxy proxy = FaultProxy.start("127.0.0.1", server.port());
    closeMe.add(proxy);
    GraphitiConnectionManager g = manager("http://127.0.0.1:" + proxy.port(), GraphitiConfig.builder()
        .requestTimeout(Duration.ofMillis(500)).deepCheckGroupId("canary"));
    ConnectionHealthManager health = ConnectionHealthManager.builder().checkInterval(Duration.ofMillis(100))
        .checkTimeout(Duration.ofSeconds(2)).latencyThreshold(Duration.ofMillis(250))
        .unavailableThreshold(2).recoveryThreshold(2).build();
    closeMe.add(0, health);
    List<ServiceStatus> statuses = new CopyOnWriteArrayList<>();
    health.addStatusListener((name, prev, now, st) -> statuses.add(now));
    g.registerWith(health, Set.of("memory"));
    health.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> health.status("graphiti").totalChecks() >= 2);
    assertThat(health.status("graphiti").status()).isEqualTo(ServiceStatus.HEALTHY);

    proxy.latency(Duration.ofMillis(300)); // answers, but slowly
    await().atMost(Duration.ofSeconds(10)).until(() -> health.status("graphiti").status() == ServiceStatus.DEGRADED);
    proxy.blackHole();
    await().atMost(Duration.ofSeconds(10)).until(() -> health.status("graphiti").status() == ServiceStatus.UNAVAILABLE);
    assertThat(health.isFeatureAvailable("memory")).isFalse();
    proxy.passThrough();
    await().atMost(Duration.ofSeconds(10)).until(() -> health.status("graphiti").status() == ServiceStatus.HEALTHY);
    assertThat(health.isFeatureAvailable("memory")).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> statuses.contains(ServiceStatus.HEALTHY));
    assertThat(statuses).containsSubsequence(ServiceStatus.DEGRADED, ServiceStatus.UNAVAILABLE,
        ServiceStatus.RECOVERING, ServiceStatus.HEALTHY);
  }
}
