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
        "CREATE TABLE ev(k text, n int)");
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
}
