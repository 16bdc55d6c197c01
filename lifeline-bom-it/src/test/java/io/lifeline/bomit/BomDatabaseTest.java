package io.lifeline.bomit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.core.ConnectionState;
import io.lifeline.jdbc.DatabaseConfig;
import io.lifeline.jdbc.DatabaseConnectionManager;
import io.lifeline.testkit.PostgresServerExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With only the BOM on the build path, the database manager connects to PostgreSQL. The proof goes around
 * Lifeline (the bare driver or the server itself sees what the manager did), so an answer from a
 * fallback or a degraded path cannot pass. One class per backend, so one backend's failure cannot
 * hide another's.
 */
class BomDatabaseTest {

  @RegisterExtension
  static final PostgresServerExtension PG = PostgresServerExtension.builder().build();

  @Test
  void databaseManagerWritesToTheRealServer() throws Exception {
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(DatabaseConfig.builder()
        .url(PG.jdbcUrl()).username(PostgresServerExtension.SUPERUSER).poolSize(2).build())) {
      db.update("CREATE TABLE IF NOT EXISTS bom_it (v text)");
      db.update("INSERT INTO bom_it VALUES (?)", "from-lifeline");

      assertThat(db.state()).isEqualTo(ConnectionState.CONNECTED);
      try (Connection c = DriverManager.getConnection(PG.jdbcUrl(), PostgresServerExtension.SUPERUSER, "");
          ResultSet rs = c.createStatement().executeQuery("SELECT v FROM bom_it")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("from-lifeline");
      }
    }
  }
}
