package io.lifeline.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.testkit.PostgresServerExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import com.zaxxer.hikari.HikariDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** {@link DatabaseConnectionManager#create(DatabaseConfig, DataSource)}: connections from an existing DataSource. */
class ExistingDataSourceTest {

  @RegisterExtension
  static final PostgresServerExtension PG = PostgresServerExtension.builder().durable(true).build();

  @TempDir
  Path dir;

  /** The application's DataSource, counting the connections taken from it. */
  static final class CountingDataSource extends PGSimpleDataSource {
    private static final long serialVersionUID = 1L;
    final AtomicInteger taken = new AtomicInteger();

    @Override
    public Connection getConnection() throws SQLException {
      taken.incrementAndGet();
      return super.getConnection();
    }
  }

  private static CountingDataSource appDataSource() {
    CountingDataSource ds = new CountingDataSource();
    ds.setUrl(PG.jdbcUrl());
    ds.setUser(PostgresServerExtension.SUPERUSER);
    ds.setConnectTimeout(1);
    ds.setSocketTimeout(2);
    return ds;
  }

  private static int scalar(String sql) throws Exception {
    try (Connection c = PG.adminConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void connectionsComeFromTheGivenDataSourceAndJournalModeStillReplaysOnce() throws Exception {
    PG.execute("CREATE TABLE IF NOT EXISTS wrapped(k text)");
    CountingDataSource app = appDataSource();
    // No credentials in the config: they are the DataSource's.
    DatabaseConfig config = DatabaseConfig.builder().name("wrapped").url(PG.jdbcUrl()).poolSize(1).maxOverflow(1)
        .poolTimeout(Duration.ofSeconds(5)).recoveryProbeInterval(Duration.ofMillis(100))
        .retryConfig(TestDb.fastRetries()).degradedMode(DegradedMode.JOURNAL)
        .journalPath(dir.resolve("wrapped.journal")).build();
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(config, app)) {
      db.query("SELECT 1");
      assertThat(app.taken.get()).isPositive();
      PG.stop();
      assertThat(db.submit(WriteCommand.of("w-1", "INSERT INTO wrapped VALUES ('w-1')"))).isEqualTo(WriteOutcome.JOURNALED);
      assertThatThrownBy(() -> db.query("SELECT 1")).isInstanceOf(DatabaseUnavailableException.class);
      PG.restart();
      await().atMost(Duration.ofSeconds(10)).until(() -> db.journalBytes() == 0);
      assertThat(scalar("SELECT count(*) FROM wrapped WHERE k = 'w-1'")).isEqualTo(1);
      db.query("SELECT 1");
    }
  }

  /**
   * The application's DataSource is itself a HikariCP pool (what Spring Boot passes). After a
   * restart that pool hands out dead connections it validated within its 500 ms bypass window; the
   * manager's new pool must not be poisoned by one (HikariCP 5 keeps isolation level -1 for ever
   * after a failed detection on its first connection: brettwooldridge/HikariCP#1944), and later
   * writes and queries must reach the database again.
   */
  @Test
  void aPooledApplicationDataSourceSurvivesARestartAndTheManagerComesBack() throws Exception {
    PG.execute("CREATE TABLE IF NOT EXISTS pooled(k text)");
    try (HikariDataSource app = new HikariDataSource()) {
      app.setJdbcUrl(PG.jdbcUrl());
      app.setUsername(PostgresServerExtension.SUPERUSER);
      app.setMaximumPoolSize(6);
      app.setConnectionTimeout(1000);
      app.addDataSourceProperty("connectTimeout", "1");
      app.addDataSourceProperty("socketTimeout", "2");
      DatabaseConfig config = DatabaseConfig.builder().name("pooled").url(PG.jdbcUrl()).poolSize(2).maxOverflow(2)
          .poolTimeout(Duration.ofSeconds(2)).recoveryProbeInterval(Duration.ofMillis(100))
          .retryConfig(TestDb.fastRetries()).degradedMode(DegradedMode.JOURNAL)
          .journalPath(dir.resolve("pooled.journal")).build();
      try (DatabaseConnectionManager db = DatabaseConnectionManager.create(config, app)) {
        for (int round = 1; round <= 2; round++) {
          assertThat(db.submit(WriteCommand.of("before-" + round, "INSERT INTO pooled VALUES (?)", "before-" + round)))
              .isEqualTo(WriteOutcome.APPLIED);
          PG.stop();
          assertThat(db.submit(WriteCommand.of("during-" + round, "INSERT INTO pooled VALUES (?)", "during-" + round)))
              .isEqualTo(WriteOutcome.JOURNALED);
          PG.restart();
          await().atMost(Duration.ofSeconds(15)).until(() -> db.journalBytes() == 0);
          assertThat(scalar("SELECT count(*) FROM pooled WHERE k = 'during-" + round + "'")).isEqualTo(1);
          await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(db.query("SELECT 1")).isEqualTo(1));
        }
        assertThat(db.poolStats().total()).isPositive();
      }
    }
  }
}
