package io.lifeline.bench;

import io.lifeline.core.RetryConfig;
import io.lifeline.neo4j.Neo4jConfig;
import io.lifeline.neo4j.Neo4jConnectionManager;
import io.lifeline.testkit.Neo4jServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Transaction;
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
 * Throughput of {@code RETURN 1} against a real Neo4j 5.26 running in the benchmark's JVM
 * ({@link Neo4jServer}, Bolt on loopback): the manager versus the bare driver on the same server.
 *
 * <ul>
 *   <li>{@code lifeline}: {@code manager.executeQuery("RETURN 1")} — guard (breaker, retry budget,
 *       metrics, a 60 s attempt timeout), a WRITE session with the driver's bookmark manager, an
 *       explicit transaction (BEGIN, RUN, PULL, COMMIT), records as maps.
 *   <li>{@code raw}: {@code driver.executableQuery("RETURN 1").execute()} — the driver's own
 *       one-liner: the same session and transaction shape, with the driver's retry logic.
 *   <li>{@code rawExplicitTx}: the exact driver calls {@code lifeline} makes, without Lifeline:
 *       session, {@code beginTransaction}, {@code run(...).list(Record::asMap)}, {@code commit}.
 * </ul>
 *
 * <p>Both drivers have the same pool settings (50 connections). The server shares the machine's
 * cores with the benchmark threads, so absolute figures are this machine's; the ratio is the point.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class Neo4jThroughputBenchmark {
  private Neo4jServer server;
  private Neo4jConnectionManager manager;
  private Driver driver;
  private SessionConfig writeSession;

  @Setup(Level.Trial)
  public void setup() {
    server = Neo4jServer.builder().build().start();
    manager = new Neo4jConnectionManager(Neo4jConfig.builder().uri(server.boltUri())
        .retry(RetryConfig.builder().maxRetries(3).build()).build());
    driver = GraphDatabase.driver(server.boltUri(), AuthTokens.none(),
        Config.builder().withMaxConnectionPoolSize(Neo4jConfig.DEFAULT_MAX_CONNECTION_POOL_SIZE).build());
    writeSession = SessionConfig.builder().withDefaultAccessMode(AccessMode.WRITE)
        .withBookmarkManager(driver.executableQueryBookmarkManager()).build();
    manager.executeQuery("RETURN 1");
    driver.executableQuery("RETURN 1").execute();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    manager.close();
    driver.close();
    server.close();
  }

  @Benchmark
  public List<Map<String, Object>> lifeline() {
    return manager.executeQuery("RETURN 1");
  }

  @Benchmark
  public Object raw() {
    return driver.executableQuery("RETURN 1").execute().records();
  }

  @Benchmark
  public List<Map<String, Object>> rawExplicitTx() {
    try (Session session = driver.session(writeSession)) {
      Transaction tx = session.beginTransaction();
      List<Map<String, Object>> rows = tx.run("RETURN 1").list(Record::asMap);
      tx.commit();
      return rows;
    }
  }
}
