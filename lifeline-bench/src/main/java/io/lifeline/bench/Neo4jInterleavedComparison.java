package io.lifeline.bench;

import io.lifeline.neo4j.Neo4jConfig;
import io.lifeline.neo4j.Neo4jConnectionManager;
import io.lifeline.testkit.Neo4jServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Transaction;

/**
 * A load-robust companion of {@link Neo4jThroughputBenchmark}: {@code RETURN 1} through the manager
 * and through the bare driver ({@code executableQuery}) in alternating blocks on one thread, so
 * that load from other processes hits both alike; reports the median of the per-round throughput
 * ratios (lifeline ÷ raw and lifeline ÷ the same explicit-transaction driver calls without Lifeline,
 * higher is better) with their interquartile ranges.
 *
 * <pre>java -cp lifeline-bench/target/benchmarks.jar io.lifeline.bench.Neo4jInterleavedComparison [rounds] [out.json]</pre>
 */
public final class Neo4jInterleavedComparison {
  private Neo4jInterleavedComparison() {}

  private static final int BLOCK = 300;

  public static void main(String[] args) throws IOException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    try (Neo4jServer server = Neo4jServer.builder().build().start();
         Neo4jConnectionManager manager = new Neo4jConnectionManager(
             Neo4jConfig.builder().uri(server.boltUri()).build());
         Driver driver = GraphDatabase.driver(server.boltUri(), AuthTokens.none(),
             Config.builder().withMaxConnectionPoolSize(Neo4jConfig.DEFAULT_MAX_CONNECTION_POOL_SIZE).build())) {
      for (int i = 0; i < 10; i++) { // warm-up: JIT of both paths and the server's query cache
        lifeline(manager, BLOCK);
        raw(driver, BLOCK);
      }
      double[] lifeline = new double[rounds];
      double[] raw = new double[rounds];
      double[] rawTx = new double[rounds];
      double[] ratio = new double[rounds];
      double[] ratioTx = new double[rounds];
      SessionConfig write = SessionConfig.builder().withDefaultAccessMode(AccessMode.WRITE)
          .withBookmarkManager(driver.executableQueryBookmarkManager()).build();
      for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < 3; k++) { // rotate the order every round
          switch ((r + k) % 3) {
            case 0 -> lifeline[r] = lifeline(manager, BLOCK);
            case 1 -> raw[r] = raw(driver, BLOCK);
            default -> rawTx[r] = rawTx(driver, write, BLOCK);
          }
        }
        ratio[r] = lifeline[r] / raw[r];
        ratioTx[r] = lifeline[r] / rawTx[r];
      }
      double load = loadAverage();
      String json = String.format(Locale.ROOT,
          "{\"rounds\": %d, \"block\": %d, \"lifeline_ops_s_median\": %.1f, \"raw_ops_s_median\": %.1f, "
              + "\"rawExplicitTx_ops_s_median\": %.1f, "
              + "\"ratio_vs_raw_median\": %.3f, \"ratio_vs_raw_p25\": %.3f, \"ratio_vs_raw_p75\": %.3f, "
              + "\"ratio_vs_rawExplicitTx_median\": %.3f, \"ratio_vs_rawExplicitTx_p25\": %.3f, "
              + "\"ratio_vs_rawExplicitTx_p75\": %.3f, \"load_after\": %.2f}",
          rounds, BLOCK, median(lifeline), median(raw), median(rawTx), median(ratio), quantile(ratio, 0.25),
          quantile(ratio, 0.75), median(ratioTx), quantile(ratioTx, 0.25), quantile(ratioTx, 0.75), load);
      System.out.println(json);
      if (args.length > 1) {
        Files.writeString(Path.of(args[1]), json + "\n", StandardCharsets.UTF_8);
      }
    }
  }

  private static double lifeline(Neo4jConnectionManager m, int n) {
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      m.executeQuery("RETURN 1");
    }
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  private static double raw(Driver d, int n) {
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      d.executableQuery("RETURN 1").execute();
    }
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  private static double rawTx(Driver d, SessionConfig write, int n) {
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      try (Session session = d.session(write)) {
        Transaction tx = session.beginTransaction();
        tx.run("RETURN 1").list(Record::asMap);
        tx.commit();
      }
    }
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  private static double median(double[] v) {
    return quantile(v, 0.5);
  }

  private static double quantile(double[] v, double q) {
    double[] s = v.clone();
    Arrays.sort(s);
    double pos = q * (s.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = (int) Math.ceil(pos);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  }

  private static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
