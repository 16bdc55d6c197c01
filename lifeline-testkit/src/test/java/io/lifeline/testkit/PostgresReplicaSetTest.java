package io.lifeline.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The primary/standby fixture: rows stream to the standby; a killed primary's standby is promoted. */
class PostgresReplicaSetTest {

  @RegisterExtension
  static final PostgresReplicaSet PG = PostgresReplicaSet.builder().standbys(1).build();

  private static String one(int port, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
         Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void streamsToTheStandbyAndPromotesItAfterThePrimaryIsKilled() throws Exception {
    int standby = PG.standby(0).port();
    assertThat(one(standby, "SELECT pg_is_in_recovery()")).isEqualTo("t");
    PG.primary().execute("CREATE TABLE fixture_t(id int primary key)", "INSERT INTO fixture_t VALUES (1), (2)");
    await().atMost(Duration.ofSeconds(10)).until(() -> "2".equals(one(standby, "SELECT count(*) FROM fixture_t")));

    PG.primary().kill();
    PG.promote(0);
    assertThat(one(standby, "SELECT pg_is_in_recovery()")).isEqualTo("f");
    PG.standby(0).execute("INSERT INTO fixture_t VALUES (3)");
    assertThat(one(standby, "SELECT count(*) FROM fixture_t")).isEqualTo("3");
  }
}
