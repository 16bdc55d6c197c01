package io.lifeline.neo4j;

import static io.lifeline.neo4j.TestConfigs.config;
import static io.lifeline.neo4j.TestConfigs.fastRetry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.CircuitBreaker;
import io.lifeline.core.CircuitOpenException;
import io.lifeline.core.ConnectionMetrics;
import io.lifeline.core.ConnectionPool;
import io.lifeline.core.ConnectionState;
import io.lifeline.core.Lease;
import io.lifeline.core.Lifeline;
import io.lifeline.core.PoolTimeoutException;
import io.lifeline.core.RetriesExhaustedException;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.testkit.Neo4jServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.neo4j.driver.exceptions.ClientException;

/**
 * Every Neo4j usage example of design document 000 ("Connection Manager Guide"), in Java, one test
 * per example, against a real Neo4j. Section names in the test names.
 */
class Neo4jSeedExamplesTest {
  @RegisterExtension
  static final Neo4jServerExtension NEO4J = Neo4jServerExtension.create();

  /** The no-argument constructor and global() read NEO4J_*: point them at the test server. */
  @BeforeEach
  void pointTheEnvironmentAtTheTestServer() {
    System.setProperty("NEO4J_URI", NEO4J.proxyUri());
    System.setProperty("NEO4J_CONNECTION_TIMEOUT", "2s");
  }

  @AfterEach
  void cleanUp() {
    Neo4jConnectionManager.shutdownGlobal();
    System.clearProperty("NEO4J_URI");
    System.clearProperty("NEO4J_CONNECTION_TIMEOUT");
  }

  // ------------------------------------------------------------------------------ Basic Usage

  @Test
  void basicUsage_simpleQueryExecution() {
    Neo4jConnectionManager.global().executeQuery(
        "CREATE (:Person {name: 'Ann', age: 30}), (:Person {name: 'Bob', age: 20})");

    // Get global connection manager
    Neo4jConnectionManager neo4j = Neo4jConnectionManager.global();
    // Execute a query with automatic retry
    List<Map<String, Object>> results = neo4j.executeQuery(
        "MATCH (n:Person) WHERE n.age > $age RETURN n.name as name", Map.of("age", 25));
    List<String> names = new ArrayList<>();
    for (Map<String, Object> record : results) {
      names.add("Name: " + record.get("name"));
    }
    assertThat(names).containsExactly("Name: Ann");
  }

  @Test
  void basicUsage_usingSessions() {
    try (Neo4jConnectionManager manager = new Neo4jConnectionManager()) {
      // Session with automatic cleanup
      long count;
      try (Neo4jSession session = manager.session()) {
        session.run("CREATE (n:Person {name: $name})", Map.of("name", "Alice"));
        Neo4jResult result = session.run("MATCH (n:Person) RETURN count(n) as count");
        count = (Long) result.single().get("count");
      }
      assertThat("Total persons: " + count).isEqualTo("Total persons: 1");
    }
  }

  // ------------------------------------------------------------------------------ Async Usage

  @Test
  void asyncUsage_asyncQueries() {
    Neo4jConnectionManager manager = new Neo4jConnectionManager();
    manager.executeQuery("UNWIND range(1, 12) AS i CREATE (:Person {name: 'p' + i})");

    // Async query execution
    List<String> names = manager.executeQueryAsync("MATCH (n:Person) RETURN n.name as name LIMIT 10")
        .thenApply(results -> results.stream().map(r -> (String) r.get("name")).toList())
        .join();
    assertThat(names).hasSize(10);

    // Async session
    List<String> messages = new ArrayList<>();
    Neo4jAsyncSession session = manager.asyncSession();
    session.runAsync("RETURN 'Hello async!' as message")
        .thenAccept(result -> result.list().forEach(record -> messages.add((String) record.get("message"))))
        .thenCompose(v -> session.closeAsync())
        .join();
    assertThat(messages).containsExactly("Hello async!");

    manager.closeAsync().join();
    assertThat(manager.state()).isEqualTo(ConnectionState.CLOSED);
  }

  // ------------------------------------------------------------------------- Connection Pooling

  @Test
  void connectionPooling_basicPoolUsage() throws Exception {
    // Create pool with 5 connections
    ConnectionPool<Neo4jConnectionManager> pool = ConnectionPool.create(Neo4jConnectionManager::new, 5);

    // Acquire connection from pool; automatically returned
    try (Lease<Neo4jConnectionManager> conn = pool.acquire()) {
      assertThat(conn.get().executeQuery("RETURN 1")).containsExactly(Map.of("1", 1L));
    }

    // Pool can handle concurrent requests
    ExecutorService executor = Executors.newFixedThreadPool(10);
    try {
      List<Future<List<Map<String, Object>>>> futures = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        String query = "RETURN " + i + " AS i";
        futures.add(executor.submit(() -> {
          try (Lease<Neo4jConnectionManager> conn = pool.acquire()) {
            return conn.get().executeQuery(query);
          }
        }));
      }
      List<Object> results = new ArrayList<>();
      for (Future<List<Map<String, Object>>> f : futures) {
        results.add(f.get().get(0).get("i"));
      }
      assertThat(results).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
      assertThat(pool.total()).isBetween(1, 5); // never more than 5 managers
    } finally {
      executor.shutdown();
    }

    // Clean up
    pool.close();
    assertThatThrownBy(pool::acquire).isInstanceOf(ServiceUnavailableException.class);
  }

  @Test
  void connectionPooling_poolWithTimeout() {
    try (ConnectionPool<Neo4jConnectionManager> pool = ConnectionPool.create(Neo4jConnectionManager::new, 1);
         Lease<Neo4jConnectionManager> busy = pool.acquire()) {
      busy.get().executeQuery("RETURN 1");
      long t0 = System.nanoTime();
      // Acquire with timeout
      assertThatThrownBy(() -> {
        try (Lease<Neo4jConnectionManager> conn = pool.acquire(Duration.ofMillis(200))) {
          conn.get(); // Use connection
        }
      }).isInstanceOf(PoolTimeoutException.class); // "Failed to acquire connection within 5 seconds"
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(200), Duration.ofSeconds(5));
    }
  }

  // ----------------------------------------------------------------------------- Error Handling

  @Test
  void errorHandling_manualRetryControl() {
    // tenacity's stop_after_attempt(3), wait_fixed(...) becomes the manager's own RetryConfig: one
    // retry layer, so a Guard around the manager would not retry again (its errors are final).
    RetryConfig threeAttemptsFixedWait = RetryConfig.builder().maxRetries(2)
        .baseDelay(Duration.ofMillis(100)).exponentialBase(1.0).jitter(false).build();
    try (Neo4jConnectionManager neo4jManager =
             new Neo4jConnectionManager(config(NEO4J.proxyUri()).retry(threeAttemptsFixedWait).build())) {
      NEO4J.server().database().executeTransactionally("CREATE (:N {v: 1})");
      assertThat(customOperation(neo4jManager).single()).containsKey("n");

      NEO4J.server().stop();
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> customOperation(neo4jManager))
          .isInstanceOfSatisfying(RetriesExhaustedException.class, e -> assertThat(e.attempts()).isEqualTo(3));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }
  }

  private static Neo4jResult customOperation(Neo4jConnectionManager manager) {
    try (Neo4jSession session = manager.session()) {
      return session.run("MATCH (n) RETURN n LIMIT 1");
    }
  }

  // ----------------------------------------------------------------------- Monitoring and Metrics

  @Test
  void monitoring_connectionStateMonitoring() {
    List<String> printed = new CopyOnWriteArrayList<>();
    try (Neo4jConnectionManager manager = new Neo4jConnectionManager()) {
      manager.addStateListener(state -> {
        if (state == ConnectionState.CONNECTED) {
          printed.add("Connected successfully");
        } else if (state == ConnectionState.FAILED) {
          printed.add("Connection failed");
        } else if (state == ConnectionState.CONNECTING) {
          printed.add("Connecting...");
        }
      });
      // State changes will trigger callback
      manager.connect();
      await().atMost(Duration.ofSeconds(5)).until(() -> printed.size() == 2);
      assertThat(printed).containsExactly("Connecting...", "Connected successfully");
    }
  }

  @Test
  void monitoring_performanceMetrics() {
    try (Neo4jConnectionManager manager = new Neo4jConnectionManager()) {
      manager.connect();
      manager.executeQuery("RETURN 1");
      assertThatThrownBy(() -> manager.executeQuery("RETRUN 1")).isInstanceOf(ClientException.class);

      // After using connection
      ConnectionMetrics.Snapshot metrics = manager.metrics();
      assertThat(metrics.totalConnections()).isEqualTo(2);
      assertThat(metrics.successfulConnections()).isEqualTo(2);
      assertThat(metrics.failedConnections()).isZero();
      assertThat(String.format("%.2f%%", metrics.successRate() * 100)).isEqualTo("100.00%");
      assertThat(metrics.totalRetries()).isZero();
      assertThat(metrics.lastError()).isNull(); // a syntax error is the caller's, not a connection failure
      assertThat(metrics.connectionDuration()).isNotNull();
      assertThat(String.format("%.2fs", metrics.connectionDuration().toNanos() / 1e9)).endsWith("s");
    }
  }

  // ------------------------------------------------------------------------------ Configuration

  @Test
  void configuration_connectionSettingsFromEnvironment() {
    Neo4jConfig config = Neo4jConfig.fromMap(Map.of(
        "NEO4J_MAX_CONNECTION_LIFETIME", "3600",
        "NEO4J_MAX_CONNECTION_POOL_SIZE", "50",
        "NEO4J_CONNECTION_ACQUISITION_TIMEOUT", "60",
        "NEO4J_URI", NEO4J.proxyUri()));
    assertThat(config.maxConnectionLifetime()).isEqualTo(Duration.ofHours(1));
    assertThat(config.maxConnectionPoolSize()).isEqualTo(50);
    assertThat(config.connectionAcquisitionTimeout()).isEqualTo(Duration.ofSeconds(60));
    try (Neo4jConnectionManager m = new Neo4jConnectionManager(config)) {
      assertThat(m.executeQuery("RETURN 1 AS one")).containsExactly(Map.of("one", 1L));
    }
  }

  @Test
  void configuration_customConfiguration() {
    // Create custom config
    Neo4jConfig config = Neo4jConfig.fromEnv().toBuilder()
        .maxConnectionPoolSize(100)
        .connectionAcquisitionTimeout(Duration.ofSeconds(30))
        .build();
    // Use with manager
    try (Neo4jConnectionManager manager = new Neo4jConnectionManager(config)) {
      assertThat(manager.config().maxConnectionPoolSize()).isEqualTo(100);
      assertThat(manager.config().connectionAcquisitionTimeout()).isEqualTo(Duration.ofSeconds(30));
      assertThat(manager.executeQuery("RETURN 1 AS one")).containsExactly(Map.of("one", 1L));
    }
  }

  // ----------------------------------------------------------------------------- Best Practices

  @Test
  void bestPractice1_useGlobalManagers() {
    Neo4jConnectionManager neo4j = Neo4jConnectionManager.global();
    List<Map<String, Object>> results1 = neo4j.executeQuery("RETURN 1");
    List<Map<String, Object>> results2 = Neo4jConnectionManager.global().executeQuery("RETURN 2");
    assertThat(Neo4jConnectionManager.global()).isSameAs(neo4j); // reuses the connection
    assertThat(results1).containsExactly(Map.of("1", 1L));
    assertThat(results2).containsExactly(Map.of("2", 2L));
    assertThat(Lifeline.registered()).contains("neo4j");
  }

  @Test
  void bestPractice2_alwaysUseContextManagers() {
    try (Neo4jConnectionManager manager = new Neo4jConnectionManager()) {
      Neo4jSession kept;
      try (Neo4jSession session = manager.session()) {
        kept = session;
        session.run("CREATE (:Q)");
      }
      assertThat(kept.isOpen()).isFalse(); // automatic cleanup
      assertThat(manager.executeQuery("MATCH (q:Q) RETURN count(q) AS c")).containsExactly(Map.of("c", 1L));
    }
  }

  @Test
  void bestPractice3_handleConnectionFailures() {
    Neo4jConnectionManager.initializeGlobal(config(NEO4J.proxyUri()).retry(fastRetry(1)).build());
    NEO4J.server().database().executeTransactionally("CREATE (:N)");
    assertThat(resilientOperation()).hasSize(1);
    NEO4J.server().stop();
    long t0 = System.nanoTime();
    assertThat(resilientOperation()).isEmpty(); // fallback behaviour
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
  }

  private static List<Map<String, Object>> resilientOperation() {
    try {
      Neo4jConnectionManager manager = Neo4jConnectionManager.global();
      return manager.executeQuery("MATCH (n) RETURN n");
    } catch (ServiceUnavailableException e) {
      assertThat(e.getMessage()).contains("neo4j"); // logger.error(f"Operation failed: {e}")
      return List.of();
    }
  }

  @Test
  void bestPractice4_monitorConnectionHealth() {
    Neo4jConnectionManager.initializeGlobal(config(NEO4J.proxyUri()).retry(fastRetry(0)).build());
    Map<String, Object> healthy = healthCheck();
    assertThat(healthy).containsEntry("status", "healthy").containsKeys("response_time", "success_rate");
    assertThat((Double) healthy.get("success_rate")).isEqualTo(1.0);

    NEO4J.server().stop();
    Map<String, Object> unhealthy = healthCheck();
    assertThat(unhealthy).containsEntry("status", "unhealthy");
    assertThat((String) unhealthy.get("last_error")).contains("ServiceUnavailableException");
  }

  private static Map<String, Object> healthCheck() {
    Neo4jConnectionManager manager = Neo4jConnectionManager.global();
    Map<String, Object> out = new LinkedHashMap<>();
    try {
      long start = System.nanoTime();
      manager.executeQuery("RETURN 1");
      out.put("status", "healthy");
      out.put("response_time", Duration.ofNanos(System.nanoTime() - start));
      out.put("success_rate", manager.metrics().successRate());
    } catch (ServiceUnavailableException e) {
      out.put("status", "unhealthy");
      out.put("error", e.getMessage());
      out.put("last_error", manager.metrics().lastError());
    }
    return out;
  }

  @Test
  void bestPractice5_cleanUpResources() {
    Lifeline.setShutdownHookEnabled(true); // atexit.register(close_all_connections)
    Neo4jConnectionManager neo4j = Neo4jConnectionManager.global();
    neo4j.executeQuery("RETURN 1");
    assertThat(Lifeline.registered()).contains("neo4j");

    Lifeline.closeAllAsync().join(); // close_all_connections_async()
    assertThat(neo4j.isClosed()).isTrue();
    assertThat(neo4j.state()).isEqualTo(ConnectionState.CLOSED);
    assertThat(Lifeline.registered()).doesNotContain("neo4j");
    Lifeline.closeAll(); // idempotent
    Neo4jConnectionManager.shutdownGlobal(); // idempotent too
    assertThat(Neo4jConnectionManager.global()).isNotSameAs(neo4j); // a new one on next use
  }

  // ----------------------------------------------------------------------------- Advanced Topics

  @Test
  void advanced_customRetryStrategies() {
    // retry_if_exception_type(ServiceUnavailable, TransientError), stop_after_attempt(5): that is the
    // manager's classification (Neo4jErrors) with maxRetries = 4.
    try (Neo4jConnectionManager manager =
             new Neo4jConnectionManager(config(NEO4J.proxyUri()).retry(fastRetry(4)).build())) {
      assertThatThrownBy(() -> manager.executeQuery("RETRUN 1")).isInstanceOf(ClientException.class);
      assertThat(manager.metrics().totalRetries()).isZero(); // not retriable: one attempt
      NEO4J.server().stop();
      assertThatThrownBy(() -> manager.executeQuery("RETURN 1"))
          .isInstanceOfSatisfying(RetriesExhaustedException.class, e -> assertThat(e.attempts()).isEqualTo(5));
    }
  }

  @Test
  void advanced_connectionWarmup() {
    int poolSize = 5;
    long before = NEO4J.proxy().acceptedConnections();
    try (ConnectionPool<Neo4jConnectionManager> pool = warmupConnections(poolSize)) {
      assertThat(pool.total()).isEqualTo(poolSize);
      assertThat(pool.idle()).isEqualTo(poolSize);
      assertThat(NEO4J.proxy().acceptedConnections() - before).isGreaterThanOrEqualTo(poolSize);
    }
  }

  private static ConnectionPool<Neo4jConnectionManager> warmupConnections(int poolSize) {
    ConnectionPool<Neo4jConnectionManager> pool = ConnectionPool.create(Neo4jConnectionManager::new, poolSize);
    pool.warmup(); // pre-create all managers
    List<Lease<Neo4jConnectionManager>> leases = new ArrayList<>();
    for (int i = 0; i < poolSize; i++) {
      Lease<Neo4jConnectionManager> conn = pool.acquire();
      conn.get().executeQuery("RETURN 1");
      leases.add(conn);
    }
    leases.forEach(Lease::close);
    return pool;
  }

  @Test
  void advanced_circuitBreakerPattern() {
    RetryConfig breaker = fastRetry(0).toBuilder().circuitBreakerThreshold(3)
        .circuitBreakerTimeout(Duration.ofMillis(300)).build();
    try (Neo4jConnectionManager manager = new Neo4jConnectionManager(config(NEO4J.proxyUri()).retry(breaker).build())) {
      manager.executeQuery("RETURN 1");
      NEO4J.server().stop();
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> manager.executeQuery("RETURN 1")).isInstanceOf(RetriesExhaustedException.class);
      }
      assertThat(manager.guard().circuitBreaker().state()).isEqualTo(CircuitBreaker.State.OPEN);
      long accepted = NEO4J.proxy().acceptedConnections();
      assertThatThrownBy(() -> manager.executeQuery("RETURN 1")).isInstanceOf(CircuitOpenException.class);
      assertThat(NEO4J.proxy().acceptedConnections()).isEqualTo(accepted); // Neo4j not even tried

      NEO4J.server().start();
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
          .until(() -> manager.executeQuery("RETURN 1").size() == 1);
      assertThat(manager.guard().circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
  }
}
