package io.lifeline.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.health.CheckResult;
import io.lifeline.jdbc.InstanceStatus.Role;
import io.lifeline.testkit.PostgresReplicaSet;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real primary and two streaming standbys (standby 1 synchronous). The tests share them and run
 * in order: the last one kills the primary and promotes standby 1.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DatabaseReplicaSetTest {

  @RegisterExtension
  static final PostgresReplicaSet PG = PostgresReplicaSet.builder().standbys(2).build();

  @TempDir
  Path dir;

  private static ReplicaSetConfig.Builder config(DatabaseConfig.Builder db) {
    return ReplicaSetConfig.builder().database(db.build())
        .maxReplicationLag(Duration.ofMillis(800))
        .lagCheckInterval(Duration.ofMillis(100));
  }

  private static DatabaseConfig.Builder db(String name) {
    return TestDb.config(PG.multiHostJdbcUrl()).name(name);
  }

  private static void awaitServing(DatabaseReplicaSet rs, int standbys) {
    await().atMost(Duration.ofSeconds(15)).until(() ->
        rs.instances().stream().filter(InstanceStatus::servesReads).count() == standbys);
  }

  private static int port(DatabaseReplicaSet rs) {
    return rs.query("SELECT inet_server_port()", r -> r.getInt(1)).get(0);
  }

  @Test
  @Order(1)
  void writesGoToThePrimaryReadsRoundRobinOverTheStandbys() throws Exception {
    PG.synchronousStandby(1);
    try (DatabaseReplicaSet rs = DatabaseReplicaSet.create(config(db("rs-routing")).build())) {
      awaitServing(rs, 2);
      assertThat(rs.instances()).extracting(InstanceStatus::role)
          .containsExactly(Role.PRIMARY, Role.STANDBY, Role.STANDBY);
      rs.update("CREATE TABLE rs_writes(id bigint NOT NULL)");
      assertThat(rs.primary().query("SELECT inet_server_port()", r -> r.getInt(1))).containsExactly(PG.primary().port());

      Set<Integer> seen = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        seen.add(port(rs));
      }
      assertThat(seen).containsExactlyInAnyOrder(PG.standby(0).port(), PG.standby(1).port());
      try (Session s = rs.readSession()) {
        assertThat(s.query("SELECT pg_is_in_recovery()", r -> r.getBoolean(1))).containsExactly(true);
      }
      CheckResult health = rs.healthCheck();
      assertThat(health.outcome()).isEqualTo(CheckResult.Outcome.UP);
      assertThat((Map<?, ?>) health.details().get("instances")).hasSize(3);
    }
  }

  @Test
  @Order(2)
  void aLaggingStandbyServesNoReadsAndWithNoneLeftReadsGoToThePrimary() {
    try (DatabaseReplicaSet rs = DatabaseReplicaSet.create(config(db("rs-lag")).build())) {
      awaitServing(rs, 2);
      PG.pauseReplay(0);
      try {
        rs.update("INSERT INTO rs_writes(id) VALUES (-1)"); // WAL standby 0 receives but does not replay
        await().atMost(Duration.ofSeconds(10)).until(() -> !rs.instances().get(1).servesReads());
        assertThat(rs.instances().get(1).lag()).isGreaterThan(Duration.ofMillis(800));
        for (int i = 0; i < 10; i++) {
          assertThat(port(rs)).isEqualTo(PG.standby(1).port());
        }
        assertThat(rs.healthCheck().outcome()).isEqualTo(CheckResult.Outcome.DEGRADED);

        PG.pauseReplay(1);
        rs.update("INSERT INTO rs_writes(id) VALUES (-2)");
        await().atMost(Duration.ofSeconds(10)).until(() -> !rs.instances().get(2).servesReads());
        assertThat(port(rs)).as("no standby within the lag bound: the primary").isEqualTo(PG.primary().port());
      } finally {
        PG.resumeReplay(0);
        PG.resumeReplay(1);
      }
      awaitServing(rs, 2);
      rs.update("DELETE FROM rs_writes");
    }
  }

  /**
   * The primary is SIGKILLed under load (reads from 3 threads, exactly-once writes in JOURNAL mode
   * from 2, plain writes in FAIL_FAST mode from 1) and standby 1 (synchronous) is promoted. No read
   * fails; every JOURNAL write is acknowledged (applied or journaled) and is in the new primary
   * exactly once; FAIL_FAST writes either succeed or fail with the typed exception.
   */
  @Test
  @Order(3)
  void primaryKilledStandbyPromotedReadsKeepWorkingWritesExactlyOnce() throws Exception {
    DatabaseConfig.Builder journal = db("rs-journal").degradedMode(DegradedMode.JOURNAL)
        .journalPath(dir.resolve("rs.journal"));
    try (DatabaseReplicaSet rs = DatabaseReplicaSet.create(config(journal).maxReplicationLag(Duration.ofSeconds(5)).build());
         DatabaseReplicaSet failFast = DatabaseReplicaSet.create(config(db("rs-failfast")).build())) {
      awaitServing(rs, 2);
      awaitServing(failFast, 2);
      ConcurrentLinkedQueue<Throwable> readErrors = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Throwable> writeErrors = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Throwable> untypedFailFast = new ConcurrentLinkedQueue<>();
      java.util.concurrent.atomic.AtomicInteger outcomeUnknown = new java.util.concurrent.atomic.AtomicInteger();
      Map<Long, WriteOutcome> acknowledged = new ConcurrentHashMap<>();
      AtomicLong ids = new AtomicLong();
      AtomicLong reads = new AtomicLong();
      AtomicLong failFastOk = new AtomicLong();
      AtomicLong failFastTyped = new AtomicLong();
      AtomicLong firstAppliedAfterKill = new AtomicLong();
      AtomicLong killedAtNanos = new AtomicLong(Long.MAX_VALUE);
      AtomicLong maxTypedFailureNanos = new AtomicLong();
      java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
      Thread[] threads = new Thread[6];
      for (int t = 0; t < threads.length; t++) {
        int kind = t < 3 ? 0 : t < 5 ? 1 : 2;
        threads[t] = new Thread(() -> {
          while (running.get()) {
            long t0 = System.nanoTime();
            try {
              if (kind == 0) {
                rs.query("SELECT count(*) FROM rs_writes WHERE id < 0", r -> r.getLong(1));
                reads.incrementAndGet();
              } else if (kind == 1) {
                long id = ids.incrementAndGet();
                WriteOutcome o = rs.primary().submit(WriteCommand.of("rs-" + id, "INSERT INTO rs_writes(id) VALUES (?)", id));
                acknowledged.put(id, o);
                if (o == WriteOutcome.APPLIED && t0 > killedAtNanos.get()) {
                  firstAppliedAfterKill.compareAndSet(0, System.nanoTime());
                }
              } else {
                try {
                  failFast.update("INSERT INTO rs_writes(id) VALUES (0)"); // id 0: not counted below
                  failFastOk.incrementAndGet();
                } catch (ServiceUnavailableException e) {
                  failFastTyped.incrementAndGet();
                  maxTypedFailureNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                } catch (TransactionOutcomeUnknownException e) {
                  // a COMMIT in flight when the primary died: the honest typed answer (id 0 is not
                  // counted, so whether it applied does not matter here)
                  outcomeUnknown.incrementAndGet();
                } catch (RuntimeException e) {
                  untypedFailFast.add(e);
                }
              }
            } catch (Throwable e) {
              (kind == 0 ? readErrors : writeErrors).add(e);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(kind == 0 ? 2 : 5));
          }
        }, "rs-load-" + t);
        threads[t].setDaemon(true);
        threads[t].start();
      }
      long promotedAt;
      try {
        await().atMost(Duration.ofSeconds(10)).until(() -> acknowledged.size() > 200);
        PG.primary().kill(); // returns once every process of the primary is gone
        killedAtNanos.set(System.nanoTime());
        PG.promote(1);
        promotedAt = System.nanoTime();
        // the new primary is found; submit keeps journaling until the replay has caught up (see
        // lifeline-bench/README.md), so direct APPLIED writes are not awaited here
        await().atMost(Duration.ofSeconds(30)).until(() -> !rs.primary().isKnownDown());
        long n = acknowledged.size();
        await().atMost(Duration.ofSeconds(10)).until(() -> acknowledged.size() > n + 100);
      } finally {
        running.set(false);
        for (Thread t : threads) {
          t.join(30_000);
        }
      }
      await().atMost(Duration.ofSeconds(90)).until(() -> rs.primary().journalBytes() == 0);
      long journaled = acknowledged.values().stream().filter(o -> o == WriteOutcome.JOURNALED).count();
      System.out.printf("replica-set failover: promotion %d ms after the kill, first write applied on the new "
              + "primary %d ms after the kill (-1: none while the load ran), %d reads, %d writes acknowledged (%d journaled), fail-fast: %d ok, "
              + "%d typed failures (slowest %d ms)%n",
          TimeUnit.NANOSECONDS.toMillis(promotedAt - killedAtNanos.get()),
          firstAppliedAfterKill.get() == 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(firstAppliedAfterKill.get() - killedAtNanos.get()),
          reads.get(), acknowledged.size(),
          journaled, failFastOk.get(), failFastTyped.get(), TimeUnit.NANOSECONDS.toMillis(maxTypedFailureNanos.get()));

      assertThat(readErrors).as("read errors").isEmpty();
      assertThat(writeErrors).as("JOURNAL writes that were neither applied nor journaled").isEmpty();
      assertThat(untypedFailFast).as("FAIL_FAST failures other than ServiceUnavailableException or TransactionOutcomeUnknownException").isEmpty();
      assertThat(failFastOk.get()).as("FAIL_FAST writes that succeeded (before the kill, after the promotion)").isPositive();
      assertThat(failFastTyped.get()).as("FAIL_FAST writes refused with the typed exception during the gap").isPositive();
      try (Connection c = DriverManager.getConnection(PG.standby(1).jdbcUrl(), "postgres", "");
           Statement s = c.createStatement();
           ResultSet r = s.executeQuery("SELECT count(*), count(DISTINCT id) FROM rs_writes WHERE id > 0")) {
        r.next();
        assertThat(r.getLong(2)).as("acknowledged writes on the new primary (none lost)").isEqualTo(acknowledged.size());
        assertThat(r.getLong(1)).as("rows (none applied twice)").isEqualTo(r.getLong(2));
      }
      List<InstanceStatus> after = rs.instances();
      assertThat(after.get(2).role()).isEqualTo(Role.PRIMARY);
      assertThat(after.get(0).role()).isEqualTo(Role.DOWN);
    }
  }
}
