package io.lifeline.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The real PostgreSQL of the testkit: kill, stop, restart with data, auth, max_connections, proxy. */
class PostgresServerExtensionTest {

  @RegisterExtension
  static final PostgresServerExtension PG = PostgresServerExtension.builder()
      .durable(true).withProxy(true).maxConnections(6).build();

  private static int count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void committedRowsSurviveSigkillAndRestartOnSamePort() throws Exception {
    PG.execute("CREATE TABLE IF NOT EXISTS t_kill(id int)", "INSERT INTO t_kill VALUES (1)");
    long pid = PG.pid().orElseThrow();
    int port = PG.port();
    Connection open = PG.adminConnection();
    PG.kill();
    assertThat(ProcessHandle.of(pid)).isEmpty();
    assertThat(PG.isRunning()).isFalse();
    assertThatThrownBy(() -> count(open, "SELECT 1")).isInstanceOf(SQLException.class);
    assertThatThrownBy(PG::adminConnection).isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("08"));
    PG.restart();
    assertThat(PG.port()).isEqualTo(port);
    assertThat(PG.pid().orElseThrow()).isNotEqualTo(pid);
    try (Connection c = PG.adminConnection()) {
      assertThat(count(c, "SELECT count(*) FROM t_kill")).isEqualTo(1);
      assertThat(count(c, "SELECT CASE WHEN current_setting('fsync') = 'on' "
          + "AND current_setting('synchronous_commit') = 'on' THEN 1 ELSE 0 END")).isEqualTo(1);
    }
  }

  @Test
  void stopAndRestartKeepData() throws Exception {
    PG.execute("CREATE TABLE IF NOT EXISTS t_stop(id int)", "INSERT INTO t_stop VALUES (1)");
    PG.stop();
    assertThat(PG.pid()).isEmpty();
    PG.restart();
    try (Connection c = PG.adminConnection()) {
      assertThat(count(c, "SELECT count(*) FROM t_stop")).isEqualTo(1);
    }
  }

  @Test
  void passwordRoleRejectsWrongPasswordWith28P01() throws Exception {
    PG.createUser("app_pw", "s3cret'pw");
    try (Connection c = DriverManager.getConnection(PG.jdbcUrl(), "app_pw", "s3cret'pw")) {
      assertThat(count(c, "SELECT 1")).isEqualTo(1);
    }
    assertThatThrownBy(() -> DriverManager.getConnection(PG.jdbcUrl(), "app_pw", "wrong"))
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
  }

  @Test
  void maxConnectionsGives53300() throws Exception {
    PG.createUser("app_many", "pw");
    List<Connection> held = new ArrayList<>();
    try {
      SQLException refused = null;
      for (int i = 0; i < 10 && refused == null; i++) {
        try {
          held.add(DriverManager.getConnection(PG.jdbcUrl(), "app_many", "pw"));
        } catch (SQLException e) {
          refused = e;
        }
      }
      assertThat(refused != null).as("a connection was refused").isTrue();
      assertThat(refused.getSQLState()).isEqualTo("53300");
      assertThat(held).hasSizeLessThanOrEqualTo(3);
    } finally {
      for (Connection c : held) {
        c.close();
      }
    }
  }

  @Test
  void proxyBlackHoleMakesSocketTimeoutFire() throws Exception {
    Properties p = new Properties();
    p.setProperty("user", PostgresServerExtension.SUPERUSER);
    p.setProperty("socketTimeout", "1");
    try (Connection c = DriverManager.getConnection(PG.proxiedJdbcUrl(), p)) {
      assertThat(count(c, "SELECT 1")).isEqualTo(1);
      PG.proxy().blackHole();
      try {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> count(c, "SELECT 1")).isInstanceOf(SQLException.class);
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(500L, 5_000L);
      } finally {
        PG.proxy().passThrough();
      }
    }
  }
}
