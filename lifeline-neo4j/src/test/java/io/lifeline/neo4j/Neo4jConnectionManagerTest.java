package io.lifeline.neo4j;

import static io.lifeline.neo4j.TestConfigs.config;
import static io.lifeline.neo4j.TestConfigs.fastRetry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.CircuitBreaker;
import io.lifeline.core.ConnectionState;
import io.lifeline.core.RetriesExhaustedException;
import io.lifeline.core.health.CheckResult;
import io.lifeline.testkit.Neo4jServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.TransientException;

/** The manager against a real Neo4j: queries, routing, transactions, one retry layer, commit failures. */
class Neo4jConnectionManagerTest {
  @RegisterExtension
  static final Neo4jServerExtension NEO4J = Neo4jServerExtension.create();

  private static Neo4jConnectionManager manager() {
    return new Neo4jConnectionManager(config(NEO4J.proxyUri()).build());
  }

  @Test
  void executeQueryReturnsRecordsAsMapsWithParameters() {
    try (var m = manager()) {
      m.executeQuery("UNWIND range(1, 5) AS i CREATE (:Person {name: 'p' + i, age: 20 + i})");
      List<Map<String, Object>> rows = m.executeQuery(
          "MATCH (n:Person) WHERE n.age > $age RETURN n.name AS name ORDER BY name", Map.of("age", 23));
      assertThat(rows).containsExactly(Map.of("name", "p4"), Map.of("name", "p5"));
      assertThat(m.state()).isEqualTo(ConnectionState.CONNECTED);
    }
  }

  @Test
  void readsRunInReadModeSoTheServerRejectsWritesThere() {
    try (var m = manager()) {
      assertThatThrownBy(() -> m.executeRead("CREATE (:X)", Map.of()))
          .isInstanceOf(ClientException.class)
          .hasMessageContaining("read");
      assertThat(m.executeWrite("CREATE (x:X) RETURN count(x) AS c", Map.of())).containsExactly(Map.of("c", 1L));
      assertThat(m.executeRead("MATCH (x:X) RETURN count(x) AS c", Map.of())).containsExactly(Map.of("c", 1L));
      try (var s = m.session(AccessMode.READ)) {
        assertThatThrownBy(() -> s.run("CREATE (:X)")).isInstanceOf(ClientException.class);
      }
      // the caller's errors are neither retried nor counted against the breaker
      assertThat(m.metrics().totalRetries()).isZero();
      assertThat(m.guard().circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
  }

  @Test
  void syntaxErrorIsTheCallersErrorMadeOnceAndLeavesTheStateAlone() {
    try (var m = manager()) {
      m.executeQuery("RETURN 1");
      long before = m.metrics().totalConnections();
      assertThatThrownBy(() -> m.executeQuery("RETRUN 1")).isInstanceOf(ClientException.class);
      assertThat(m.metrics().totalConnections()).isEqualTo(before); // caller errors are not attempts that failed
      assertThat(m.metrics().totalRetries()).isZero();
      assertThat(m.state()).isEqualTo(ConnectionState.CONNECTED);
    }
  }

  @Test
  void transactionFunctionsCommitOrRollBack() {
    try (var m = manager()) {
      long created = m.writeTransaction(tx -> {
        tx.run("CREATE (:T {v: 1})").consume();
        return tx.run("CREATE (:T {v: 2}) RETURN 1").consume().counters().nodesCreated();
      });
      assertThat(created).isEqualTo(1);
      assertThatThrownBy(() -> m.writeTransaction(tx -> {
        tx.run("CREATE (:T {v: 3})").consume();
        throw new IllegalArgumentException("changed my mind");
      })).isInstanceOf(IllegalArgumentException.class);
      long count = m.readTransaction(tx -> tx.run("MATCH (t:T) RETURN count(t) AS c").single().get("c").asLong());
      assertThat(count).isEqualTo(2); // the third was rolled back
    }
  }

  @Test
  void sessionRunsQueriesInOrderAndClosesWithTryWithResources() {
    Neo4jSession leaked;
    try (var m = manager()) {
      try (Neo4jSession session = m.session()) {
        leaked = session;
        session.run("CREATE (n:Person {name: $name})", Map.of("name", "Alice"));
        Neo4jResult r = session.run("MATCH (n:Person) RETURN count(n) AS count");
        assertThat(r.single()).containsEntry("count", 1L);
        assertThat(r.summary().server().address()).isNotBlank();
        String name = session.executeRead(tx -> tx.run("MATCH (n:Person) RETURN n.name AS n").single().get("n").asString());
        assertThat(name).isEqualTo("Alice");
      }
      assertThat(leaked.isOpen()).isFalse();
      assertThatThrownBy(() -> leaked.run("RETURN 1")).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void asyncQueriesCompleteWithoutBlockingAndFailTyped() throws Exception {
    try (var m = manager()) {
      CompletableFuture<List<Map<String, Object>>> f = m.executeQueryAsync("UNWIND [1, 2, 3] AS x RETURN x");
      assertThat(f.get()).containsExactly(Map.of("x", 1L), Map.of("x", 2L), Map.of("x", 3L));
      assertThat(m.executeReadAsync("RETURN $v AS v", Map.of("v", "a")).get()).containsExactly(Map.of("v", "a"));
      assertThatThrownBy(() -> m.executeQueryAsync("RETRUN 1").join())
          .hasCauseInstanceOf(ClientException.class);
      try (Neo4jAsyncSession s = m.asyncSession()) {
        assertThat(s.runAsync("RETURN 'Hello async!' AS message").get().single())
            .containsEntry("message", "Hello async!");
      }
    }
  }

  @Test
  void oneRetryLayerTheWorkRunsExactlyMaxRetriesPlusOneTimes() {
    // The driver would retry a TransientException thrown in a transaction function for 30 s; with
    // its retry off, only the Guard retries: exactly maxRetries + 1 attempts.
    try (var m = manager()) {
      AtomicInteger calls = new AtomicInteger();
      assertThatThrownBy(() -> m.writeTransaction(tx -> {
        calls.incrementAndGet();
        tx.run("RETURN 1").consume();
        throw new TransientException("Neo.TransientError.Transaction.DeadlockDetected", "deadlock");
      })).isInstanceOfSatisfying(RetriesExhaustedException.class, e -> assertThat(e.attempts()).isEqualTo(4));
      assertThat(calls).hasValue(4);
      assertThat(m.metrics().totalRetries()).isEqualTo(3);
      assertThat(m.metrics().failedConnections()).isEqualTo(4);
    }
  }

  @Test
  void oneRetryLayerAgainstAStoppedServerExactlyMaxRetriesPlusOneConnectionAttempts() {
    try (var m = manager()) {
      NEO4J.server().stop();
      long before = NEO4J.proxy().acceptedConnections();
      assertThatThrownBy(() -> m.executeQuery("RETURN 1"))
          .isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
            assertThat(e.attempts()).isEqualTo(4);
            assertThat(e.getCause()).isInstanceOf(org.neo4j.driver.exceptions.ServiceUnavailableException.class);
          });
      // each attempt opened exactly one connection: the driver did not retry on its own
      assertThat(NEO4J.proxy().acceptedConnections() - before).isEqualTo(4);
      assertThat(m.metrics().failedConnections()).isEqualTo(4);
      assertThat(m.state()).isEqualTo(ConnectionState.FAILED);
    }
  }

  @Test
  void terminatedByUserIsNotRetried() {
    try (var m = manager()) {
      AtomicInteger calls = new AtomicInteger();
      assertThatThrownBy(() -> m.writeTransaction(tx -> {
        calls.incrementAndGet();
        throw new TransientException("Neo.TransientError.Transaction.Terminated", "terminated by user");
      })).isInstanceOf(TransientException.class);
      assertThat(calls).hasValue(1);
    }
  }

  @Test
  void connectionDyingAtCommitOfANonIdempotentWriteIsOutcomeUnknown() {
    try (var m = manager()) {
      m.executeQuery("RETURN 1");
      AtomicInteger calls = new AtomicInteger();
      assertThatThrownBy(() -> m.writeTransaction(tx -> {
        calls.incrementAndGet();
        tx.run("CREATE (:Order {id: 1})").consume();
        NEO4J.proxy().cutAll(); // the connection dies between the write and its commit
        return null;
      })).isInstanceOf(TransactionOutcomeUnknownException.class)
          .hasCauseInstanceOf(org.neo4j.driver.exceptions.ServiceUnavailableException.class);
      assertThat(calls).hasValue(1);
      assertThat(m.state()).isEqualTo(ConnectionState.FAILED);
    }
  }

  @Test
  void connectionDyingAtCommitOfAnIdempotentWriteIsRetried() {
    try (var m = manager()) {
      m.executeQuery("RETURN 1");
      AtomicInteger calls = new AtomicInteger();
      long nodes = m.writeTransaction(tx -> {
        tx.run("MERGE (:Order {id: 1})").consume();
        if (calls.incrementAndGet() == 1) {
          NEO4J.proxy().cutAll();
        }
        return tx.run("MATCH (o:Order) RETURN count(o) AS c").single().get("c").asLong();
      }, Idempotency.IDEMPOTENT);
      assertThat(calls).hasValue(2);
      assertThat(nodes).isEqualTo(1);
      assertThat(m.executeRead("MATCH (o:Order) RETURN count(o) AS c", Map.of())).containsExactly(Map.of("c", 1L));
      assertThat(m.state()).isEqualTo(ConnectionState.CONNECTED);
    }
  }

  @Test
  void aFailureBeforeTheCommitIsRetriedForEveryWrite() {
    try (var m = manager()) {
      m.executeQuery("RETURN 1");
      AtomicInteger calls = new AtomicInteger();
      long nodes = m.writeTransaction(tx -> {
        if (calls.incrementAndGet() == 1) {
          NEO4J.proxy().cutAll(); // dies before the write is even sent: rolled back, safe to retry
        }
        tx.run("CREATE (:Order {id: 2})").consume();
        return tx.run("MATCH (o:Order) RETURN count(o) AS c").single().get("c").asLong();
      });
      assertThat(calls).hasValue(2);
      assertThat(nodes).isEqualTo(1);
    }
  }

  @Test
  void asyncCommitFailureOfANonIdempotentWriteIsOutcomeUnknown() {
    try (var m = manager()) {
      m.executeQuery("RETURN 1");
      // async write whose connection is cut while the commit is in flight is hard to time; instead the
      // whole proxy is reset right after the write's records arrive, before the commit is sent
      CompletableFuture<?> f = m.transactionAsync(
          m::newWriteAsyncSession, true, false,
          tx -> tx.runAsync("CREATE (:A)").thenCompose(c -> c.consumeAsync()).thenApply(s -> {
            NEO4J.proxy().cutAll();
            return s;
          }));
      assertThatThrownBy(f::join).hasCauseInstanceOf(TransactionOutcomeUnknownException.class);
    }
  }

  @Test
  void stateListenersSeeConnectingConnectedInOrderAndConnectRecordsItsDuration() {
    try (var m = manager()) {
      List<ConnectionState> seen = new CopyOnWriteArrayList<>();
      m.addStateListener(seen::add);
      m.connect();
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
      assertThat(seen).containsExactly(ConnectionState.CONNECTING, ConnectionState.CONNECTED);
      assertThat(m.metrics().connectionDuration()).isNotNull().isPositive();
      m.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 3);
      assertThat(seen.get(2)).isEqualTo(ConnectionState.CLOSED);
    }
  }

  @Test
  void healthCheckRunsReturn1AndReportsVersionAndAddress() throws Exception {
    try (var m = manager()) {
      CheckResult r = m.healthCheck().check();
      assertThat(r.outcome()).isEqualTo(CheckResult.Outcome.UP);
      assertThat(r.details()).containsEntry("address", "127.0.0.1:" + NEO4J.proxy().port());
      assertThat((String) r.details().get("version")).startsWith("Neo4j/5.");
      assertThat(r.details()).containsKeys("protocol", "database");
    }
  }

  @Test
  void closedManagerRefusesCallsAndCloseIsIdempotent() {
    var m = manager();
    m.executeQuery("RETURN 1");
    m.close();
    m.close();
    assertThat(m.closeAsync()).isCompleted();
    assertThat(m.state()).isEqualTo(ConnectionState.CLOSED);
    assertThatThrownBy(() -> m.executeQuery("RETURN 1")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void metricsCountAttemptsRetriesAndTheLastError() {
    try (var m = new Neo4jConnectionManager(config(NEO4J.proxyUri()).retry(fastRetry(1)).build())) {
      m.executeQuery("RETURN 1");
      m.executeQuery("RETURN 2");
      NEO4J.server().stop();
      assertThatThrownBy(() -> m.executeQuery("RETURN 3")).isInstanceOf(RetriesExhaustedException.class);
      var s = m.metrics();
      assertThat(s.successfulConnections()).isEqualTo(2);
      assertThat(s.failedConnections()).isEqualTo(2);
      assertThat(s.totalConnections()).isEqualTo(4);
      assertThat(s.successRate()).isEqualTo(0.5);
      assertThat(s.totalRetries()).isEqualTo(1);
      assertThat(s.lastError()).contains("ServiceUnavailableException");
    }
  }

  @Test
  void thePoolBoundHoldsUnderConcurrency() throws Exception {
    try (var m = new Neo4jConnectionManager(config(NEO4J.proxyUri()).maxConnectionPoolSize(2).build())) {
      m.executeQuery("RETURN 1");
      NEO4J.proxy().latency(Duration.ofMillis(30)); // keep each call busy for a while
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
      AtomicInteger maxOpen = new AtomicInteger();
      try {
        List<java.util.concurrent.Future<List<Map<String, Object>>>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
          calls.add(pool.submit(() -> m.executeQuery("RETURN 1 AS one")));
        }
        while (!calls.stream().allMatch(java.util.concurrent.Future::isDone)) {
          maxOpen.accumulateAndGet(NEO4J.proxy().openConnections(), Math::max);
          Thread.onSpinWait();
        }
        for (var c : calls) {
          assertThat(c.get()).containsExactly(Map.of("one", 1L));
        }
      } finally {
        pool.shutdown();
      }
      assertThat(maxOpen.get()).isBetween(1, 2);
    }
  }

  @Test
  void asyncCallsDoNotHoldAThreadEach() {
    try (var m = new Neo4jConnectionManager(config(NEO4J.proxyUri()).maxConnectionPoolSize(100).build())) {
      m.executeQueryAsync("RETURN 1").join();
      NEO4J.proxy().latency(Duration.ofMillis(100));
      int threadsBefore = clientThreads();
      List<CompletableFuture<List<Map<String, Object>>>> inFlight = new java.util.ArrayList<>();
      for (int i = 0; i < 180; i++) { // 100 on connections, 80 waiting for one (the driver queues up to 100)
        inFlight.add(m.executeQueryAsync("RETURN $i AS i", Map.of("i", i)));
      }
      int threadsDuring = clientThreads();
      CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0])).join();
      assertThat(inFlight.get(179).join()).containsExactly(Map.of("i", 179L));
      // 180 calls in flight, not 180 threads (the driver's event loop threads may start lazily)
      assertThat(threadsDuring - threadsBefore).isLessThan(20);
    }
  }

  /** Live threads of this JVM except the in-process server's and the fault proxy's (2 per connection). */
  private static int clientThreads() {
    return (int) Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !t.getName().startsWith(io.lifeline.testkit.FaultProxy.THREAD_NAME_PREFIX))
        .filter(t -> !t.getName().startsWith("neo4j."))
        .count();
  }

  @Test
  void theDriversBoundedAcquisitionQueueRejectsWithoutTrippingTheBreaker() {
    try (var m = new Neo4jConnectionManager(config(NEO4J.proxyUri()).maxConnectionPoolSize(1)
        .connectionAcquisitionTimeout(Duration.ofSeconds(2)).queryTimeout(Duration.ofSeconds(30)).build())) {
      m.executeQuery("RETURN 1");
      NEO4J.proxy().latency(Duration.ofMillis(20));
      List<CompletableFuture<List<Map<String, Object>>>> calls = new java.util.ArrayList<>();
      for (int i = 0; i < 150; i++) {
        calls.add(m.executeQueryAsync("RETURN 1"));
      }
      long queueFull = calls.stream().filter(f -> {
        try {
          f.join();
          return false;
        } catch (java.util.concurrent.CompletionException e) {
          // this process is saturated (queue full, or no connection within the acquisition timeout)
          assertThat(e.getCause()).isInstanceOfSatisfying(org.neo4j.driver.exceptions.Neo4jException.class,
              n -> assertThat(Neo4jErrors.isLocalPoolSaturation(n)).isTrue());
          return e.getCause() instanceof TransientException;
        }
      }).count();
      assertThat(queueFull).isBetween(1L, 150L - 101); // 1 running + 100 queued at most
      assertThat(m.guard().circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(m.metrics().totalRetries()).isZero();
    }
  }
}
