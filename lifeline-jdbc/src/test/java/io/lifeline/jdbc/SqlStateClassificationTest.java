package io.lifeline.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.CallFailedException;
import io.lifeline.core.ErrorClass;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.testkit.PostgresServerExtension;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One test per row of the SQLState table ({@link SqlErrorKind}), each against real PostgreSQL where
 * the server can produce the state.
 */
class SqlStateClassificationTest {

  @RegisterExtension
  static final PostgresServerExtension PG = PostgresServerExtension.builder()
      .serverConfig("deadlock_timeout", "500ms").build();

  @BeforeAll
  static void schema() {
    PG.execute("CREATE TABLE acct(id int PRIMARY KEY, balance int)", "INSERT INTO acct VALUES (1, 100), (2, 100)",
        "CREATE TABLE uniq(id int PRIMARY KEY)");
  }

  @ParameterizedTest
  @CsvSource({
      "08001, CONNECTION, RETRIABLE", "08006, CONNECTION, RETRIABLE", "08003, CONNECTION, RETRIABLE",
      "40001, TRANSACTION_CONFLICT, RETRIABLE", "40P01, TRANSACTION_CONFLICT, RETRIABLE",
      "57P01, SHUTDOWN, RETRIABLE", "57P02, SHUTDOWN, RETRIABLE", "57P03, SHUTDOWN, RETRIABLE",
      "53300, TOO_MANY_CONNECTIONS, RETRIABLE",
      "28000, AUTHENTICATION, FAILURE", "28P01, AUTHENTICATION, FAILURE",
      "42601, CALLER_ERROR, CALLER_ERROR", "42P01, CALLER_ERROR, CALLER_ERROR", "23505, CALLER_ERROR, CALLER_ERROR",
      "23503, CALLER_ERROR, CALLER_ERROR", "22012, CALLER_ERROR, CALLER_ERROR",
      "57014, OTHER, FAILURE", "XX000, OTHER, FAILURE"})
  void table(String state, SqlErrorKind kind, ErrorClass errorClass) {
    assertThat(SqlErrorKind.of(state)).isEqualTo(kind);
    assertThat(SqlErrorKind.of(new SQLException("x", state))).isEqualTo(kind);
    assertThat(kind.errorClass()).isEqualTo(errorClass);
  }

  @Test
  void ioErrorWithoutSqlStateIsConnection() {
    assertThat(SqlErrorKind.of(new SQLException("io", null, new java.io.EOFException()))).isEqualTo(SqlErrorKind.CONNECTION);
    assertThat(SqlErrorKind.of((String) null)).isEqualTo(SqlErrorKind.OTHER);
  }

  // ---- 08: connection refused → unavailable, bounded by the connect timeout

  @Test
  void connectionRefusedIs08AndUnavailable() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(
        TestDb.config("jdbc:postgresql://127.0.0.1:" + deadPort + "/postgres").name("refused").build())) {
      long t0 = System.nanoTime();
      Throwable e = catchThrowable(() -> db.query("SELECT 1"));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
      assertThat(e).isInstanceOf(DatabaseUnavailableException.class);
      DatabaseUnavailableException d = (DatabaseUnavailableException) e;
      assertThat(d.kind()).isEqualTo(SqlErrorKind.CONNECTION);
      assertThat(d.sqlState()).startsWith("08");
    }
  }

  // ---- 40001: serialization failure → the whole function is re-run

  @Test
  void serializationFailureReRunsTheWholeTransaction() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    List<String> states = new ArrayList<>();
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("ser").build())) {
      int balance = db.inTransaction(tx -> {
        int run = runs.incrementAndGet();
        tx.connection().setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
        int b = tx.query("SELECT balance FROM acct WHERE id = 1", rs -> rs.getInt(1)).get(0);
        if (run == 1) {
          PG.execute("UPDATE acct SET balance = balance + 1 WHERE id = 1"); // a concurrent committed write
        }
        try {
          tx.update("UPDATE acct SET balance = ? WHERE id = 1", b + 10);
        } catch (SQLException e) {
          states.add(e.getSQLState());
          throw e;
        }
        return b + 10;
      });
      assertThat(states).containsExactly("40001");
      assertThat(runs).hasValue(2);
      assertThat(balance).isEqualTo(111);
    }
  }

  // ---- 40P01: deadlock → re-run

  @Test
  void deadlockReRunsTheWholeTransaction() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    List<String> states = new ArrayList<>();
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("dl").build());
         Connection other = PG.adminConnection()) {
      other.setAutoCommit(false);
      db.inTransaction(tx -> {
        int run = runs.incrementAndGet();
        tx.update("UPDATE acct SET balance = balance WHERE id = 1");
        CompletableFuture<Void> b = null;
        if (run == 1) {
          try (Statement s = other.createStatement()) {
            s.execute("SET deadlock_timeout = '10s'"); // so that our side detects the deadlock
            s.execute("UPDATE acct SET balance = balance WHERE id = 2");
          }
          int myPid = tx.query("SELECT pg_backend_pid()", rs -> rs.getInt(1)).get(0);
          b = CompletableFuture.runAsync(() -> {
            try (Statement s = other.createStatement()) {
              await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnLock(myPid));
              s.execute("UPDATE acct SET balance = balance WHERE id = 1");
              other.commit();
            } catch (SQLException e) {
              throw new IllegalStateException(e);
            }
          });
        }
        try {
          tx.update("UPDATE acct SET balance = balance WHERE id = 2");
        } catch (SQLException e) {
          states.add(e.getSQLState());
          tx.connection().rollback(); // let the other side finish before the re-run
          b.get(10, TimeUnit.SECONDS);
          throw e;
        }
        return null;
      });
      assertThat(states).containsExactly("40P01");
      assertThat(runs).hasValue(2);
    }
  }

  private static boolean waitingOnLock(int pid) throws SQLException {
    try (Connection c = PG.adminConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT wait_event_type FROM pg_stat_activity WHERE pid = " + pid)) {
      return rs.next() && "Lock".equals(rs.getString(1));
    }
  }

  // ---- 57P01: admin shutdown of a backend → unavailable class, the transaction re-run on a new connection

  @Test
  void terminatedBackendIs57P01AndTheTransactionIsReRun() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    List<String> states = new ArrayList<>();
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("term").build())) {
      int r = db.inTransaction(tx -> {
        if (runs.incrementAndGet() == 1) {
          int pid = tx.query("SELECT pg_backend_pid()", rs -> rs.getInt(1)).get(0);
          PG.execute("SELECT pg_terminate_backend(" + pid + ")");
          try {
            tx.query("SELECT 1");
          } catch (SQLException e) {
            states.add(e.getSQLState());
            throw e;
          }
        }
        return tx.query("SELECT 1");
      });
      assertThat(r).isEqualTo(1);
      assertThat(runs).hasValue(2);
      assertThat(states).hasSize(1);
      assertThat(SqlErrorKind.of(states.get(0))).isIn(SqlErrorKind.SHUTDOWN, SqlErrorKind.CONNECTION);
      assertThat(db.isKnownDown()).isFalse();
    }
  }

  // ---- 53300: too many connections → unavailable, and back when slots free up

  @Test
  void tooManyConnectionsIs53300AndUnavailableUntilSlotsFree() throws Exception {
    PG.createUser("limited", "pw");
    PG.execute("ALTER ROLE limited CONNECTION LIMIT 2");
    Connection hog = DriverManager.getConnection(PG.jdbcUrl(), "limited", "pw");
    Connection hog2 = DriverManager.getConnection(PG.jdbcUrl(), "limited", "pw");
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("many")
        .username("limited").password("pw").build())) {
      Throwable e = catchThrowable(() -> db.query("SELECT 1"));
      assertThat(e).isInstanceOf(DatabaseUnavailableException.class);
      assertThat(((DatabaseUnavailableException) e).kind()).isEqualTo(SqlErrorKind.TOO_MANY_CONNECTIONS);
      assertThat(((DatabaseUnavailableException) e).sqlState()).isEqualTo("53300");
      hog.close();
      hog2.close();
      await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> db.query("SELECT 1") == 1);
    } finally {
      hog.close();
      hog2.close();
    }
  }

  // ---- 28P01: auth failure → unavailable with a clear message, never retried

  @Test
  void wrongPasswordIs28P01UnavailableWithClearMessageAndNotRetried() {
    PG.createUser("authy", "right");
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("auth")
        .username("authy").password("wrong").build())) {
      Throwable e = catchThrowable(() -> db.query("SELECT 1"));
      assertThat(e).isInstanceOf(DatabaseUnavailableException.class)
          .hasMessageContaining("authentication failed for user 'authy'")
          .hasMessageContaining("DATABASE_PASSWORD").hasMessageNotContaining("wrong");
      assertThat(((DatabaseUnavailableException) e).kind()).isEqualTo(SqlErrorKind.AUTHENTICATION);
      assertThat(((DatabaseUnavailableException) e).sqlState()).isEqualTo("28P01");
      assertThat(db.metrics().totalRetries()).isZero();
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> db.query("SELECT 1")).isInstanceOf(DatabaseUnavailableException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(100));
    }
  }

  // ---- 42xxx / 23xxx: the caller's error, never retried, never trips the breaker

  @Test
  void syntaxAndConstraintErrorsAreTheCallersNeverRetriedNeverCounted() {
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("caller")
        .retryConfig(io.lifeline.core.RetryConfig.builder().circuitBreakerThreshold(2).baseDelay(Duration.ofMillis(1))
            .maxDelay(Duration.ofMillis(2)).build()).build())) {
      AtomicInteger runs = new AtomicInteger();
      for (int i = 0; i < 5; i++) {
        Throwable syntax = catchThrowable(() -> db.inTransaction(tx -> {
          runs.incrementAndGet();
          return tx.update("INSRT INTO uniq VALUES (1)");
        }));
        assertThat(syntax).isInstanceOf(CallFailedException.class);
        assertThat(((SQLException) syntax.getCause()).getSQLState()).isEqualTo("42601");
      }
      db.update("INSERT INTO uniq VALUES (1)");
      for (int i = 0; i < 5; i++) {
        Throwable dup = catchThrowable(() -> db.inTransaction(tx -> {
          runs.incrementAndGet();
          return tx.update("INSERT INTO uniq VALUES (1)");
        }));
        assertThat(dup).isInstanceOf(CallFailedException.class).isNotInstanceOf(ServiceUnavailableException.class);
        assertThat(((SQLException) dup.getCause()).getSQLState()).isEqualTo("23505");
      }
      assertThat(runs).hasValue(10);
      assertThat(db.metrics().totalRetries()).isZero();
      assertThat(db.guard().circuitBreaker().state()).isEqualTo(io.lifeline.core.CircuitBreaker.State.CLOSED);
      assertThat(db.query("SELECT 1")).isEqualTo(1);
    }
  }

  // ---- other: statement timeout (57014) is a failure, not retried

  @Test
  void statementTimeoutIsOtherNotRetried() {
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("other").build())) {
      AtomicInteger runs = new AtomicInteger();
      Throwable e = catchThrowable(() -> db.inTransaction(tx -> {
        runs.incrementAndGet();
        tx.update("SET LOCAL statement_timeout = 50");
        return tx.query("SELECT pg_sleep(1)");
      }));
      assertThat(e).isInstanceOf(ServiceUnavailableException.class);
      assertThat(SqlErrorKind.sqlStateOf(e)).isEqualTo("57014");
      assertThat(runs).hasValue(1);
    }
  }
}
