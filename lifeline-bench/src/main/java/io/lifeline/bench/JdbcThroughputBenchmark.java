package io.lifeline.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lifeline.jdbc.DatabaseConfig;
import io.lifeline.jdbc.DatabaseConnectionManager;
import io.lifeline.testkit.PostgresServerExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code SELECT 1} round trip to a real embedded PostgreSQL (started per fork), through the
 * {@link DatabaseConnectionManager} ({@code lifeline}: fail-fast gate, Guard with breaker and retry,
 * sliced HikariCP borrow, {@code query("SELECT 1")}) and through a plain {@link HikariDataSource}
 * ({@code raw}: getConnection, prepareStatement, executeQuery, read the row, close). Both pools hold
 * 4 connections to the same server. Target: {@code lifeline} ≥ 0.95× the throughput of {@code raw}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class JdbcThroughputBenchmark {

  private PostgresServerExtension pg;
  private DatabaseConnectionManager db;
  private HikariDataSource raw;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    pg = PostgresServerExtension.builder().build().start();
    db = DatabaseConnectionManager.create(DatabaseConfig.builder().url(pg.jdbcUrl())
        .username(PostgresServerExtension.SUPERUSER).poolSize(4).maxOverflow(0).build());
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(pg.jdbcUrl());
    hc.setUsername(PostgresServerExtension.SUPERUSER);
    hc.setMaximumPoolSize(4);
    raw = new HikariDataSource(hc);
    db.query("SELECT 1");
    raw();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    db.close();
    raw.close();
    pg.close();
  }

  @Benchmark
  public int lifeline() {
    return db.query("SELECT 1");
  }

  @Benchmark
  public int raw() throws SQLException {
    try (Connection c = raw.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT 1");
         ResultSet rs = ps.executeQuery()) {
      int n = 0;
      while (rs.next()) {
        n++;
      }
      return n;
    }
  }
}
