package io.lifeline.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.CallFailedException;
import io.lifeline.core.ConnectionState;
import io.lifeline.core.Lifeline;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.testkit.PostgresServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The manager's API against a real PostgreSQL. */
class DatabaseConnectionManagerTest {

  @RegisterExtension
  static final PostgresServerExtension PG = PostgresServerExtension.builder().build();

  static DatabaseConnectionManager db;

  @BeforeAll
  static void start() {
    PG.execute("CREATE TABLE items(id int PRIMARY KEY, name text)");
    db = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).build());
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  @Test
  void transactionCommitsOnReturnAndRollsBackOnException() {
    db.inTransaction(tx -> tx.update("INSERT INTO items VALUES (?, ?)", 1, "one"));
    assertThatThrownBy(() -> db.inTransaction(tx -> {
      tx.update("INSERT INTO items VALUES (?, ?)", 2, "two");
      throw new IllegalStateException("abort");
    })).isInstanceOf(IllegalStateException.class).hasMessage("abort");
    List<String> names = db.query("SELECT name FROM items WHERE id IN (1, 2) ORDER BY id", rs -> rs.getString(1));
    assertThat(names).containsExactly("one");
  }

  @Test
  void queryUpdateAndSession() throws Exception {
    assertThat(db.update("INSERT INTO items VALUES (?, ?)", 10, "ten")).isEqualTo(1);
    assertThat(db.query("SELECT 1")).isEqualTo(1);
    assertThat(db.query("SELECT id FROM items WHERE name = ?", rs -> rs.getInt(1), "ten")).containsExactly(10);
    int active;
    try (Session s = db.session()) {
      assertThat(s.query("SELECT name FROM items WHERE id = ?", rs -> rs.getString(1), 10)).containsExactly("ten");
      assertThat(s.connection().getAutoCommit()).isTrue();
      active = db.poolStats().active();
      assertThat(active).isGreaterThanOrEqualTo(1);
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> db.poolStats().active() == active - 1);
  }

  @Test
  void asyncVariantsComplete() throws Exception {
    CompletableFuture<Integer> u = db.updateAsync("INSERT INTO items VALUES (?, ?)", 20, "twenty");
    assertThat(u.get(5, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(db.queryAsync("SELECT name FROM items WHERE id = ?", rs -> rs.getString(1), 20).get(5, TimeUnit.SECONDS))
        .containsExactly("twenty");
    assertThat(db.inTransactionAsync(tx -> tx.query("SELECT 1")).get(5, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(db.asyncOnVirtualThreads()).isEqualTo(Runtime.version().feature() >= 21);
  }

  @Test
  void asyncQueueIsBoundedAndRejectsClearly() throws Exception {
    try (DatabaseConnectionManager small = DatabaseConnectionManager.create(
        TestDb.config(PG.jdbcUrl()).name("small").asyncMaxPending(3).build())) {
      CountDownLatch release = new CountDownLatch(1);
      List<CompletableFuture<Integer>> held = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        held.add(small.inTransactionAsync(tx -> {
          release.await(10, TimeUnit.SECONDS);
          return 1;
        }));
      }
      CompletableFuture<Integer> rejected = small.inTransactionAsync(tx -> 1);
      assertThatThrownBy(() -> rejected.get(1, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(ServiceUnavailableException.class).hasMessageContaining("async queue full (3");
      release.countDown();
      for (CompletableFuture<Integer> f : held) {
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(1);
      }
      assertThat(small.inTransactionAsync(tx -> 2).get(5, TimeUnit.SECONDS)).isEqualTo(2);
    }
  }

  @Test
  void poolMetricsInMetricsAndHealthDetails() {
    db.query("SELECT 1");
    await().atMost(Duration.ofSeconds(5)).until(() -> db.poolStats().total() >= 4); // minimumIdle = poolSize
    assertThat(db.metricsSnapshot()).containsKeys("poolActive", "poolIdle", "poolTotal", "poolPending", "totalCalls")
        .containsEntry("knownDown", false);
    CheckResult r = db.healthCheck();
    assertThat(r.outcome()).isEqualTo(CheckResult.Outcome.UP);
    assertThat(r.latency()).isNotNull();
    assertThat(r.details()).containsKeys("poolActive", "poolIdle", "poolTotal", "poolPending", "latencyMs", "url");
    assertThat(db.state()).isEqualTo(ConnectionState.CONNECTED);
    assertThat(db.metrics().successfulConnections()).isPositive();
  }

  @Test
  void exhaustedPoolTimesOutWithCountsAndDoesNotTripTheBreaker() {
    try (DatabaseConnectionManager one = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("one")
        .poolSize(1).maxOverflow(0).poolTimeout(Duration.ofMillis(500)).build());
         Session held = one.session()) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> one.query("SELECT 1")).isInstanceOf(io.lifeline.core.PoolTimeoutException.class)
          .hasMessageContaining("total=1, active=1, idle=0");
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(ms).isBetween(450L, 3_000L);
      assertThat(one.guard().circuitBreaker().consecutiveFailures()).isZero();
      assertThat(one.isKnownDown()).isFalse();
    }
  }

  @Test
  void callerSqlErrorsAreNotRetriedAndDoNotTripTheBreaker() {
    AtomicInteger runs = new AtomicInteger();
    assertThatThrownBy(() -> db.inTransaction(tx -> {
      runs.incrementAndGet();
      return tx.update("INSERT INTO itemz VALUES (1)");
    })).isInstanceOf(CallFailedException.class).hasMessageContaining("itemz");
    assertThat(runs).hasValue(1);
    assertThat(db.guard().circuitBreaker().consecutiveFailures()).isZero();
  }

  @Test
  void secretsNeverLeakIntoToStringHealthOrErrors() throws Exception {
    PG.createUser("leaky", "Sup3rS3cret");
    try (DatabaseConnectionManager m = DatabaseConnectionManager.create(
        TestDb.config(PG.jdbcUrl()).name("leak").username("leaky").password("WrongS3cret").build())) {
      Throwable err = org.assertj.core.api.Assertions.catchThrowable(() -> m.query("SELECT 1"));
      assertThat(err).isInstanceOf(ServiceUnavailableException.class);
      String all = err.getMessage() + m + m.config() + m.healthCheck() + m.metricsSnapshot();
      assertThat(all).doesNotContain("WrongS3cret").doesNotContain("Sup3rS3cret");
    }
  }

  @Test
  void urlWithoutADriverFailsAtCreateNamingTheKey() {
    assertThatThrownBy(() -> DatabaseConnectionManager.create(
        TestDb.config("jdbc:nosuchdb://h/db?password=hunter2").build()))
        .isInstanceOf(io.lifeline.core.ConfigurationException.class)
        .hasMessageStartingWith("url=").hasMessageContaining("no JDBC driver").hasMessageNotContaining("hunter2");
  }

  @Test
  void closeIsIdempotentAndCallsAfterCloseFailClearly() {
    DatabaseConnectionManager m = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("closing").build());
    assertThat(m.query("SELECT 1")).isEqualTo(1);
    m.close();
    m.close();
    assertThat(m.state()).isEqualTo(ConnectionState.CLOSED);
    assertThatThrownBy(() -> m.query("SELECT 1")).isInstanceOf(ServiceUnavailableException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void globalIsRegisteredWithLifelineAndHealth() {
    try {
      DatabaseConnectionManager g = DatabaseConnectionManager.initializeGlobal(
          TestDb.config(PG.jdbcUrl()).name("globaldb").build());
      assertThat(DatabaseConnectionManager.global()).isSameAs(g);
      assertThat(DatabaseConnectionManager.initializeGlobal(TestDb.config(PG.jdbcUrl()).name("other").build()))
          .isSameAs(g);
      assertThat(Lifeline.registered()).contains("globaldb");
      assertThat(ConnectionHealthManager.global().services()).contains("globaldb");
      assertThat(g.query("SELECT 1")).isEqualTo(1);
      Lifeline.closeAll();
      assertThat(g.state()).isEqualTo(ConnectionState.CLOSED);
      assertThat(Lifeline.registered()).doesNotContain("globaldb");
      DatabaseConnectionManager.shutdownGlobal(); // idempotent
    } finally {
      DatabaseConnectionManager.shutdownGlobal();
      ConnectionHealthManager.shutdownGlobal();
    }
  }
}
