package io.lifeline.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.ConnectionState;
import io.lifeline.core.LifelineException;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthStatus;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.testkit.PostgresServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real faults against a real PostgreSQL: SIGKILL under load, clean stop, black hole, latency, wrong
 * password, flapping, connection lost during COMMIT. Bounds are generous (loaded 2-core machine);
 * {@code DatabaseOutageBenchmark} measures the real figures.
 */
class DatabaseFaultTest {

  @RegisterExtension
  static final PostgresServerExtension PG = PostgresServerExtension.builder().withProxy(true).build();

  @BeforeAll
  static void schema() {
    PG.execute("CREATE TABLE f(id serial PRIMARY KEY, v int)");
  }

  /** A load of callers; records every call's latency and outcome. */
  static final class Load implements AutoCloseable {
    final AtomicBoolean stop = new AtomicBoolean();
    final List<Thread> threads = new ArrayList<>();
    final ConcurrentLinkedQueue<long[]> calls = new ConcurrentLinkedQueue<>(); // {startNanos, durationNanos, ok}
    final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    final AtomicLong ok = new AtomicLong();

    Load(DatabaseConnectionManager db, int n) {
      for (int i = 0; i < n; i++) {
        int k = i;
        Thread t = new Thread(() -> {
          while (!stop.get()) {
            long t0 = System.nanoTime();
            boolean success = false;
            try {
              if (k % 2 == 0) {
                db.query("SELECT 1");
              } else {
                db.update("INSERT INTO f(v) VALUES (?)", k);
              }
              success = true;
              ok.incrementAndGet();
            } catch (ServiceUnavailableException | TransactionOutcomeUnknownException e) {
              // expected while down; TransactionOutcomeUnknown when a COMMIT was in flight at the kill
              if (Thread.currentThread().isInterrupted()) {
                return;
              }
              Thread.onSpinWait();
            } catch (RuntimeException e) {
              unexpected.add(e);
            }
            calls.add(new long[] {t0, System.nanoTime() - t0, success ? 1 : 0});
          }
        }, "load-" + i);
        t.start();
        threads.add(t);
      }
    }

    long okCount() {
      return ok.get();
    }

    /** Max and p99 latency of failed calls started after {@code fromNanos}. */
    long[] failedLatencyMillis(long fromNanos, long toNanos) {
      List<Long> d = new ArrayList<>();
      for (long[] c : calls) {
        if (c[2] == 0 && c[0] >= fromNanos && c[0] <= toNanos) {
          d.add(c[1]);
        }
      }
      d.sort(null);
      if (d.isEmpty()) {
        return new long[] {0, 0, 0};
      }
      return new long[] {d.size(), d.get((int) Math.min(d.size() - 1, Math.ceil(d.size() * 0.99) - 1)) / 1_000_000,
          d.get(d.size() - 1) / 1_000_000};
    }

    long maxCallMillis() {
      long max = 0;
      for (long[] c : calls) {
        max = Math.max(max, c[1]);
      }
      return max / 1_000_000;
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      for (Thread t : threads) {
        t.join(10_000);
      }
    }
  }

  private static DatabaseConnectionManager manager(String name, String url) {
    return DatabaseConnectionManager.create(TestDb.config(url).name(name).build());
  }

  @Test
  void sigkillUnderLoadFailsFastAndRecoversWithoutRestart() throws Exception {
    try (DatabaseConnectionManager db = manager("kill", PG.jdbcUrl())) {
      List<ConnectionState> states = new CopyOnWriteArrayList<>();
      db.addStateListener((prev, cur) -> states.add(cur));
      try (Load load = new Load(db, 4)) {
        await().atMost(Duration.ofSeconds(10)).until(() -> load.okCount() > 50);
        long killedAt = System.nanoTime();
        PG.kill();
        await().atMost(Duration.ofSeconds(5)).until(db::isKnownDown);
        long detectedAt = System.nanoTime();
        assertThat(Duration.ofNanos(detectedAt - killedAt)).isLessThan(Duration.ofSeconds(4));
        long okBefore = load.okCount();
        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> true);
        assertThat(load.okCount()).isEqualTo(okBefore);
        long restartAt = System.nanoTime();
        long[] downLatency = load.failedLatencyMillis(detectedAt, restartAt);
        assertThat(downLatency[0]).as("calls rejected while down").isGreaterThan(100);
        // target 10 ms, measured by DatabaseOutageBenchmark; the bound here is generous for a loaded machine
        assertThat(downLatency[1]).as("p99 ms of calls while known down").isLessThanOrEqualTo(250);
        PG.restart();
        long restarted = System.nanoTime();
        await().atMost(Duration.ofSeconds(6)).until(() -> load.okCount() > okBefore + 50);
        assertThat(Duration.ofNanos(System.nanoTime() - restarted)).isLessThan(Duration.ofSeconds(6));
        assertThat(load.unexpected).isEmpty();
        assertThat(load.maxCallMillis()).as("no call hangs").isLessThan(8_000);
      }
      await().atMost(Duration.ofSeconds(2)).until(() -> states.contains(ConnectionState.FAILED)
          && states.get(states.size() - 1) == ConnectionState.CONNECTED);
      assertThat(db.metricsSnapshot()).containsEntry("knownDown", false).containsEntry("recoveries", 1L);
    }
  }

  @Test
  void cleanStopAndRestart() throws Exception {
    try (DatabaseConnectionManager db = manager("stop", PG.jdbcUrl())) {
      assertThat(db.query("SELECT 1")).isEqualTo(1);
      PG.stop();
      long t0 = System.nanoTime();
      Throwable first = catchThrowable(() -> db.query("SELECT 1"));
      assertThat(first).isInstanceOf(ServiceUnavailableException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
      await().atMost(Duration.ofSeconds(3)).until(db::isKnownDown);
      long t1 = System.nanoTime();
      for (int i = 0; i < 100; i++) {
        assertThat(catchThrowable(() -> db.query("SELECT 1"))).isInstanceOf(DatabaseUnavailableException.class);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - t1).toMillis() / 100.0).as("ms per rejected call").isLessThan(10);
      var async = db.queryAsync("SELECT 1", rs -> rs.getInt(1));
      assertThat(async).isCompletedExceptionally();
      assertThat(catchThrowable(async::join)).hasCauseInstanceOf(DatabaseUnavailableException.class);
      PG.restart();
      await().atMost(Duration.ofSeconds(6)).ignoreExceptions().until(() -> db.query("SELECT 1") == 1);
    }
  }

  @Test
  void blackHoleIsBoundedBySocketTimeoutThenFailsFast() throws Exception {
    try (DatabaseConnectionManager db = manager("hole", PG.proxiedJdbcUrl());
         Load load = new Load(db, 2)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> load.okCount() > 20);
      PG.proxy().blackHole();
      try {
        await().atMost(Duration.ofSeconds(8)).until(db::isKnownDown);
        long downAt = System.nanoTime();
        // callers still inside a statement finish when their socket timeout fires; new calls fail fast
        await().atMost(Duration.ofSeconds(8)).until(() -> load.failedLatencyMillis(downAt, System.nanoTime())[0] > 50);
        long[] lat = load.failedLatencyMillis(downAt, System.nanoTime());
        assertThat(lat[1]).as("p99 ms of calls while known down").isLessThanOrEqualTo(250);
        // socketTimeout 2 s + probe connect 1 s + margin: no call in the whole test hangs longer
        assertThat(load.maxCallMillis()).isLessThan(6_000);
      } finally {
        PG.proxy().passThrough();
      }
      long healed = System.nanoTime();
      long okBefore = load.okCount();
      await().atMost(Duration.ofSeconds(6)).until(() -> load.okCount() > okBefore + 10);
      assertThat(Duration.ofNanos(System.nanoTime() - healed)).isLessThan(Duration.ofSeconds(6));
      assertThat(load.unexpected).isEmpty();
    }
  }

  @Test
  void blackHoledConnectIsBoundedByTheDriverTimeouts() throws Exception {
    try (io.lifeline.testkit.FaultProxy hole = io.lifeline.testkit.FaultProxy.start("127.0.0.1", PG.port())) {
      hole.blackHole(); // TCP connects succeed, the startup handshake is never answered
      try (DatabaseConnectionManager db = manager("hungconnect",
          "jdbc:postgresql://127.0.0.1:" + hole.port() + "/postgres")) {
        long t0 = System.nanoTime();
        Throwable first = catchThrowable(() -> db.query("SELECT 1"));
        long firstMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(first).isInstanceOf(DatabaseUnavailableException.class);
        // loginTimeout / socketTimeout are 2 s in TestDb; pool timeout (5 s) never reached
        assertThat(firstMs).isBetween(500L, 4_500L);
        long t1 = System.nanoTime();
        assertThat(catchThrowable(() -> db.query("SELECT 1"))).isInstanceOf(DatabaseUnavailableException.class);
        assertThat((System.nanoTime() - t1) / 1_000_000).isLessThan(250);
        hole.passThrough();
        await().atMost(Duration.ofSeconds(6)).ignoreExceptions().until(() -> db.query("SELECT 1") == 1);
      }
    }
  }

  @Test
  void latencyMakesHealthDegradedAndWrongPasswordMakesItUnavailable() throws Exception {
    PG.createUser("faulty", "right-pw");
    try (ConnectionHealthManager health = ConnectionHealthManager.builder()
             .checkInterval(Duration.ofMillis(100)).latencyThreshold(Duration.ofMillis(150))
             .checkTimeout(Duration.ofSeconds(3)).unavailableThreshold(2).recoveryThreshold(1).build();
         DatabaseConnectionManager slow = manager("slowdb", PG.proxiedJdbcUrl());
         DatabaseConnectionManager bad = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("baddb")
             .username("faulty").password("wrong-pw").build())) {
      slow.registerHealth(health, Set.of("orders"));
      bad.registerHealth(health, Set.of("reports"));
      health.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> health.status("slowdb").status() == ServiceStatus.HEALTHY);
      PG.proxy().latency(Duration.ofMillis(200));
      try {
        await().atMost(Duration.ofSeconds(8)).until(() -> health.status("slowdb").status() == ServiceStatus.DEGRADED);
        assertThat(health.isFeatureAvailable("orders")).isTrue();
      } finally {
        PG.proxy().passThrough();
      }
      await().atMost(Duration.ofSeconds(8)).until(() -> health.status("slowdb").status() == ServiceStatus.HEALTHY);

      await().atMost(Duration.ofSeconds(8)).until(() -> health.status("baddb").status() == ServiceStatus.UNAVAILABLE);
      HealthStatus s = health.status("baddb");
      assertThat(s.lastError()).contains("authentication failed for user 'faulty'").doesNotContain("wrong-pw");
      assertThat(s.details()).containsKeys("poolTotal", "url");
      assertThat(health.isFeatureAvailable("reports")).isFalse();
    }
  }

  @Test
  void flappingNeverHangsAndEndsHealthy() throws Exception {
    try (DatabaseConnectionManager db = manager("flap", PG.proxiedJdbcUrl());
         Load load = new Load(db, 3)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> load.okCount() > 20);
      for (int i = 0; i < 4; i++) {
        PG.proxy().reset();
        await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> true);
        PG.proxy().passThrough();
        long ok = load.okCount();
        await().atMost(Duration.ofSeconds(6)).until(() -> load.okCount() > ok + 5);
      }
      assertThat(load.unexpected).isEmpty();
      assertThat(load.maxCallMillis()).isLessThan(6_000);
      assertThat(db.isKnownDown()).isFalse();
    }
  }

  @Test
  void connectionLostDuringCommitIsOutcomeUnknownAndNotRetried() throws Exception {
    try (DatabaseConnectionManager db = manager("commit", PG.proxiedJdbcUrl())) {
      AtomicInteger runs = new AtomicInteger();
      Throwable e = catchThrowable(() -> db.inTransaction(tx -> {
        runs.incrementAndGet();
        tx.update("INSERT INTO f(v) VALUES (-1)");
        PG.proxy().reset(); // the network drops every connection right before COMMIT
        PG.proxy().passThrough();
        return null;
      }));
      assertThat(e).isInstanceOf(TransactionOutcomeUnknownException.class)
          .isInstanceOf(LifelineException.class).isNotInstanceOf(ServiceUnavailableException.class)
          .hasMessageContaining("COMMIT");
      assertThat(runs).hasValue(1);
      await().atMost(Duration.ofSeconds(6)).ignoreExceptions().until(() -> db.query("SELECT 1") == 1);
    }
  }
}
