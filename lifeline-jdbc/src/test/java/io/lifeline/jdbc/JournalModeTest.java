package io.lifeline.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.testkit.PostgresServerExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** JOURNAL mode against a real, durable PostgreSQL that is stopped and restarted. */
class JournalModeTest {

  @RegisterExtension
  static final PostgresServerExtension PG = PostgresServerExtension.builder().durable(true).build();

  @TempDir
  Path dir;

  @BeforeAll
  static void schema() {
    PG.execute("CREATE TABLE acc(id int PRIMARY KEY, v int)", "INSERT INTO acc VALUES (1, 1)",
        "CREATE TABLE ev(k text, n int)", "CREATE TABLE seq(id serial PRIMARY KEY, n int NOT NULL)",
        "INSERT INTO acc VALUES (2, 0)", "CREATE TABLE rej(n int PRIMARY KEY)");
  }

  private static int scalar(String sql) throws Exception {
    try (Connection c = PG.adminConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void whileDownCommandsAreJournaledAndReplayedInOrderExactlyOnce() throws Exception {
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("jr")
        .degradedMode(DegradedMode.JOURNAL).journalPath(dir.resolve("db.journal")).build())) {
      assertThat(db.submit(WriteCommand.of("up-1", "INSERT INTO ev VALUES (?, 1)", "up-1"))).isEqualTo(WriteOutcome.APPLIED);
      assertThat(db.submit(WriteCommand.of("up-1", "INSERT INTO ev VALUES (?, 1)", "up-1")))
          .isEqualTo(WriteOutcome.ALREADY_APPLIED);
      PG.stop();
      // order matters: (1 * 2) + 3 = 5, (1 + 3) * 2 = 8
      assertThat(db.submit(WriteCommand.of("mul", "UPDATE acc SET v = v * 2 WHERE id = 1"))).isEqualTo(WriteOutcome.JOURNALED);
      assertThat(db.submit(WriteCommand.of("add", "UPDATE acc SET v = v + 3 WHERE id = 1"))).isEqualTo(WriteOutcome.JOURNALED);
      assertThat(db.submit(WriteCommand.of("add", "UPDATE acc SET v = v + 3 WHERE id = 1"))).isEqualTo(WriteOutcome.JOURNALED);
      assertThat(db.submit(WriteCommand.of("up-1", "INSERT INTO ev VALUES (?, 1)", "up-1"))).isEqualTo(WriteOutcome.JOURNALED);
      assertThat(db.journalBytes()).isPositive();
      assertThatThrownBy(() -> db.query("SELECT 1")).isInstanceOf(DatabaseUnavailableException.class);
      PG.restart();
      await().atMost(Duration.ofSeconds(8)).until(() -> db.journalBytes() == 0);
      assertThat(scalar("SELECT v FROM acc WHERE id = 1")).isEqualTo(5);
      assertThat(scalar("SELECT count(*) FROM ev WHERE k = 'up-1'")).isEqualTo(1);
      assertThat(db.metricsSnapshot()).containsEntry("journaled", 4L).containsEntry("replayed", 4L);
    }
  }

  @Test
  void failFastModeThrowsWhileDownAndFullJournalRejects() throws Exception {
    try (DatabaseConnectionManager ff = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("ff").build());
         DatabaseConnectionManager small = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("small")
             .degradedMode(DegradedMode.JOURNAL).journalPath(dir.resolve("small.journal")).journalMaxBytes(4096).build())) {
      PG.stop();
      try {
        assertThatThrownBy(() -> ff.submit(WriteCommand.of("x", "INSERT INTO ev VALUES ('x', 0)")))
            .isInstanceOf(DatabaseUnavailableException.class);
        int journaled = 0;
        Throwable full = null;
        for (int i = 0; i < 1000 && full == null; i++) {
          try {
            small.submit(WriteCommand.of("f" + i, "INSERT INTO ev VALUES (?, 0)", "p".repeat(200)));
            journaled++;
          } catch (JournalFullException e) {
            full = e;
          }
        }
        assertThat(full).isNotNull().hasMessageContaining("journal is full");
        assertThat(journaled).isBetween(5, 30);
        assertThat(small.journalBytes()).isLessThanOrEqualTo(4096);
      } finally {
        PG.restart();
      }
      await().atMost(Duration.ofSeconds(8)).until(() -> small.journalBytes() == 0);
    }
  }

  /**
   * 1 000 commands journaled during one outage, replayed in transactions of {@value
   * JournalReplay#BATCH}: runs of the same INSERT (one JDBC batch each) between order-dependent
   * UPDATEs, keys journaled twice, and keys applied before the outage. The table's serial order,
   * the UPDATEs' result and the counts say: in order, each command once, in a handful of commits.
   */
  @Test
  void aLongJournalIsReplayedInBatchesInOrderEachCommandOnce() throws Exception {
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("jb")
        .degradedMode(DegradedMode.JOURNAL).journalPath(dir.resolve("batch.journal")).build())) {
      for (int i = 0; i < 5; i++) { // applied before the outage: journaled again, skipped on replay
        assertThat(db.submit(WriteCommand.of("n-" + i, "INSERT INTO seq(n) VALUES (?)", i)))
            .isEqualTo(WriteOutcome.APPLIED);
      }
      PG.stop();
      java.util.List<Integer> expectedOrder = new java.util.ArrayList<>(java.util.List.of(0, 1, 2, 3, 4));
      long v = 0;
      int journaled = 0;
      try {
        for (int i = 0; i < 1000; i++) {
          if (i % 7 == 3) { // v = v * 2 + i mod 1000: only the journal's order gives the expected value
            db.submit(WriteCommand.of("u-" + i, "UPDATE acc SET v = (v * 2 + ?) % 1000003 WHERE id = 2", i));
            v = (v * 2 + i) % 1000003;
          } else {
            db.submit(WriteCommand.of("n-" + i, "INSERT INTO seq(n) VALUES (?)", i));
            if (i >= 5) {
              expectedOrder.add(i);
            }
          }
          journaled++;
          if (i % 100 == 50 || i % 100 == 51) { // a key journaled twice (a caller's retry): applied once
            db.submit(i % 7 == 3 ? WriteCommand.of("u-" + i, "UPDATE acc SET v = (v * 2 + ?) % 1000003 WHERE id = 2", i)
                : WriteCommand.of("n-" + i, "INSERT INTO seq(n) VALUES (?)", i));
            journaled++;
          }
        }
        assertThat(db.journalBytes()).isPositive();
      } finally {
        PG.restart();
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> db.journalBytes() == 0);
      java.util.List<Integer> order = new java.util.ArrayList<>();
      try (Connection c = PG.adminConnection(); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT n FROM seq ORDER BY id")) {
        while (rs.next()) {
          order.add(rs.getInt(1));
        }
      }
      // 1 - 1/7 of 1000 were inserts, the first five before the outage; i % 7 == 3 were updates
      assertThat(order).containsExactlyElementsOf(expectedOrder.stream()
          .filter(n -> n < 5 || n % 7 != 3).collect(java.util.stream.Collectors.toList()));
      assertThat((long) scalar("SELECT v FROM acc WHERE id = 2")).isEqualTo(v);
      JournalReplay replay = db.journal();
      assertThat(replay.replayed.sum()).isEqualTo(journaled);
      assertThat(replay.dropped.sum()).isZero();
      int batches = (journaled + JournalReplay.BATCH - 1) / JournalReplay.BATCH;
      assertThat(replay.interrupted.sum()).isZero();
      assertThat(replay.batches.sum()).as("commits").isEqualTo(batches);
      // the journal is empty: writes go to the database directly again
      assertThat(db.submit(WriteCommand.of("after", "INSERT INTO seq(n) VALUES (?)", -1)))
          .isEqualTo(WriteOutcome.APPLIED);
    }
  }

  /**
   * A command the database refuses (a duplicate primary key) in the middle of a batch: that batch
   * is rolled back and applied one command per transaction, so the refused one is dropped and
   * logged and the others of its batch and the next batches are applied, in order, once.
   */
  @Test
  void aCommandTheDatabaseRefusesIsDroppedAndTheRestOfItsBatchIsApplied() throws Exception {
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(TestDb.config(PG.jdbcUrl()).name("jr2")
        .degradedMode(DegradedMode.JOURNAL).journalPath(dir.resolve("refused.journal")).build())) {
      PG.stop();
      try {
        for (int i = 0; i < 300; i++) {
          db.submit(WriteCommand.of("r-" + i, "INSERT INTO rej(n) VALUES (?)", i));
          if (i == 150) { // same row again under another key: the database refuses it
            db.submit(WriteCommand.of("r-dup", "INSERT INTO rej(n) VALUES (?)", 7));
          }
        }
      } finally {
        PG.restart();
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> db.journalBytes() == 0);
      assertThat(scalar("SELECT count(*) FROM rej")).isEqualTo(300);
      assertThat(scalar("SELECT count(*) FROM " + DatabaseConnectionManager.LEDGER_TABLE
          + " WHERE idempotency_key LIKE 'r-%'")).isEqualTo(300);
      JournalReplay replay = db.journal();
      assertThat(replay.dropped.sum()).isEqualTo(1);
      assertThat(replay.replayed.sum()).isEqualTo(300);
    }
  }
}
