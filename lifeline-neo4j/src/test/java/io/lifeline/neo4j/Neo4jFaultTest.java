package io.lifeline.neo4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.ConnectionState;
import io.lifeline.core.RetriesExhaustedException;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.testkit.Neo4jServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real faults against a real Neo4j: the server stopped and restarted, the network black-holed,
 * slowed, reset, and flapping. Each asserts the bound on the failing call, the typed error, the
 * state and health status sequences, and recovery of the same manager without restarting it.
 * Bounds are generous (a loaded 2-core machine); the benchmarks measure the real figures.
 */
class Neo4jFaultTest {
  @RegisterExtension
  static final Neo4jServerExtension NEO4J = Neo4jServerExtension.create();

  private static final Duration QUERY_TIMEOUT = Duration.ofMillis(800);

  private static Neo4jConfig.Builder faultConfig() {
    return Neo4jConfig.builder()
        .uri(NEO4J.proxyUri())
        .connectionTimeout(Duration.ofMillis(800))
        .connectionAcquisitionTimeout(Duration.ofSeconds(3))
        .queryTimeout(QUERY_TIMEOUT)
        .retry(RetryConfig.builder().maxRetries(1).baseDelay(Duration.ofMillis(20))
            .maxDelay(Duration.ofMillis(50)).circuitBreakerThreshold(1_000).build());
  }

  private static ConnectionHealthManager health() {
    return health(Duration.ofSeconds(1));
  }

  private static ConnectionHealthManager health(Duration checkTimeout) {
    return ConnectionHealthManager.builder()
        .checkInterval(Duration.ofMillis(100))
        .checkTimeout(checkTimeout)
        .latencyThreshold(Duration.ofMillis(250))
        .unavailableThreshold(2)
        .recoveryThreshold(2)
        .retryConfig(RetryConfig.builder().baseDelay(Duration.ofMillis(50)).maxDelay(Duration.ofMillis(200)).build())
        .build();
  }

  /** Runs {@code call}, asserts it fails within {@code bound} with a ServiceUnavailableException. */
  private static ServiceUnavailableException failsWithin(Duration bound, Runnable call) {
    long t0 = System.nanoTime();
    Throwable thrown = null;
    try {
      call.run();
    } catch (Throwable t) {
      thrown = t;
    }
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(thrown).as("the call must fail").isInstanceOf(ServiceUnavailableException.class);
    assertThat(took).as("failed within bound").isLessThan(bound);
    return (ServiceUnavailableException) thrown;
  }

  @Test
  void stopAndRestart() {
    try (ConnectionHealthManager health = health();
         Neo4jConnectionManager m = new Neo4jConnectionManager(faultConfig().build())) {
      List<String> statuses = new CopyOnWriteArrayList<>();
      List<ConnectionState> states = new CopyOnWriteArrayList<>();
      health.addStatusListener((s, from, to, st) -> statuses.add(from + ">" + to));
      m.addStateListener(states::add);
      m.registerWith(health, Set.of("knowledge_graph"));
      m.connect();
      health.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> health.status("neo4j").totalChecks() >= 2);
      assertThat(health.status("neo4j").status()).isEqualTo(ServiceStatus.HEALTHY);

      NEO4J.server().stop();
      ServiceUnavailableException e = failsWithin(Duration.ofSeconds(5), () -> m.executeQuery("RETURN 1"));
      assertThat(e).isInstanceOf(RetriesExhaustedException.class)
          .hasCauseInstanceOf(org.neo4j.driver.exceptions.ServiceUnavailableException.class);
      assertThat(m.state()).isEqualTo(ConnectionState.FAILED);
      await().atMost(Duration.ofSeconds(5)).until(() -> health.status("neo4j").status() == ServiceStatus.UNAVAILABLE);
      assertThat(health.isFeatureAvailable("knowledge_graph")).isFalse();

      NEO4J.server().start();
      await().atMost(Duration.ofSeconds(10)).until(() -> health.status("neo4j").status() == ServiceStatus.HEALTHY);
      assertThat(m.executeQuery("RETURN 1 AS one")).containsExactly(Map.of("one", 1L)); // same manager
      assertThat(m.state()).isEqualTo(ConnectionState.CONNECTED);
      await().atMost(Duration.ofSeconds(5)).until(() -> states.size() == 4);
      assertThat(states).containsExactly(ConnectionState.CONNECTING, ConnectionState.CONNECTED,
          ConnectionState.FAILED, ConnectionState.CONNECTED);
      assertThat(statuses).containsExactly("HEALTHY>DEGRADED", "DEGRADED>UNAVAILABLE",
          "UNAVAILABLE>RECOVERING", "RECOVERING>HEALTHY");
      assertThat(health.status("neo4j").details()).containsKeys("version", "address");
    }
  }

  @Test
  void blackHoleFailsWithinTheQueryTimeoutThenRecovers() {
    try (Neo4jConnectionManager m = new Neo4jConnectionManager(faultConfig().build())) {
      m.executeQuery("RETURN 1");
      NEO4J.proxy().blackHole();
      // two attempts of at most 800 ms each (query timeout on the pooled connection, then the
      // connection timeout on a new one) plus a 50 ms backoff
      ServiceUnavailableException e = failsWithin(Duration.ofSeconds(6), () -> m.executeQuery("RETURN 1"));
      assertThat(e).isInstanceOfSatisfying(RetriesExhaustedException.class, r -> assertThat(r.attempts()).isEqualTo(2));
      assertThat(m.state()).isEqualTo(ConnectionState.FAILED);

      CompletableFuture<List<Map<String, Object>>> async = m.executeQueryAsync("RETURN 1");
      long t0 = System.nanoTime();
      assertThatThrownBy(async::join).hasCauseInstanceOf(RetriesExhaustedException.class)
          .hasRootCauseInstanceOf(TimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(6));

      NEO4J.proxy().passThrough();
      await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(ServiceUnavailableException.class)
          .until(() -> m.executeQuery("RETURN 2 AS two").equals(List.of(Map.of("two", 2L))));
      assertThat(m.state()).isEqualTo(ConnectionState.CONNECTED);
    }
  }

  @Test
  void latencyMakesItDegradedButUsable() {
    // slow, not down: the check timeout is far above the slowed round trips, also on a loaded machine
    try (ConnectionHealthManager health = health(Duration.ofSeconds(8));
         Neo4jConnectionManager m = new Neo4jConnectionManager(faultConfig().queryTimeout(Duration.ofSeconds(10)).build())) {
      List<String> statuses = new CopyOnWriteArrayList<>();
      health.addStatusListener((s, from, to, st) -> statuses.add(from + ">" + to));
      m.registerWith(health, Set.of("knowledge_graph"));
      health.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> health.status("neo4j").totalChecks() >= 2);

      NEO4J.proxy().latency(Duration.ofMillis(150)); // a round trip now takes >= 300 ms
      await().atMost(Duration.ofSeconds(10)).until(() -> health.status("neo4j").status() == ServiceStatus.DEGRADED);
      assertThat(health.isFeatureAvailable("knowledge_graph")).isTrue();
      long t0 = System.nanoTime();
      assertThat(m.executeQuery("RETURN 1 AS one")).containsExactly(Map.of("one", 1L));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));

      NEO4J.proxy().passThrough();
      await().atMost(Duration.ofSeconds(10)).until(() -> health.status("neo4j").status() == ServiceStatus.HEALTHY);
      assertThat(statuses).containsExactly("HEALTHY>DEGRADED", "DEGRADED>HEALTHY");
    }
  }

  @Test
  void resetConnectionsFailFastThenTheNextCallSucceeds() {
    try (Neo4jConnectionManager m = new Neo4jConnectionManager(faultConfig().build())) {
      m.executeQuery("RETURN 1");
      NEO4J.proxy().reset();
      ServiceUnavailableException e = failsWithin(Duration.ofSeconds(3), () -> m.executeQuery("RETURN 1"));
      assertThat(e).isInstanceOf(RetriesExhaustedException.class)
          .hasCauseInstanceOf(org.neo4j.driver.exceptions.ServiceUnavailableException.class);
      NEO4J.proxy().passThrough();
      assertThat(m.executeRead("RETURN 3 AS three", Map.of())).containsExactly(Map.of("three", 3L));
      assertThat(m.state()).isEqualTo(ConnectionState.CONNECTED);
    }
  }

  @Test
  void flappingNetworkAndServer() {
    int cycles = Integer.getInteger("neo4j.flapCycles", 3);
    try (ConnectionHealthManager health = health();
         Neo4jConnectionManager m = new Neo4jConnectionManager(faultConfig().build())) {
      List<ServiceStatus> statuses = new CopyOnWriteArrayList<>();
      health.addStatusListener((s, from, to, st) -> statuses.add(to));
      m.registerWith(health, Set.of());
      health.start();
      m.executeQuery("RETURN 1");
      for (int i = 0; i < cycles; i++) {
        switch (i % 3) {
          case 0 -> NEO4J.proxy().reset();
          case 1 -> NEO4J.proxy().blackHole();
          default -> NEO4J.server().stop();
        }
        failsWithin(Duration.ofSeconds(6), () -> m.executeQuery("RETURN 1"));
        assertThat(m.state()).isEqualTo(ConnectionState.FAILED);
        NEO4J.proxy().passThrough();
        NEO4J.server().start();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(ServiceUnavailableException.class)
            .until(() -> m.executeQuery("RETURN 1").size() == 1);
        assertThat(m.state()).isEqualTo(ConnectionState.CONNECTED);
        // bounded: no connection leaks across cycles
        assertThat(NEO4J.proxy().openConnections()).isLessThanOrEqualTo(m.config().maxConnectionPoolSize());
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> health.status("neo4j").status() == ServiceStatus.HEALTHY);
      assertThat(statuses).isNotEmpty().last().isEqualTo(ServiceStatus.HEALTHY);
      assertThat(m.metrics().successfulConnections()).isGreaterThanOrEqualTo(cycles + 1L);
    }
  }
}
