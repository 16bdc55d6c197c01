package io.lifeline.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lifeline.jdbc.DatabaseConfig;
import io.lifeline.jdbc.DatabaseConnectionManager;
import io.lifeline.testkit.PostgresServerExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Outage harness (plain main): {@code SELECT 1} at a steady rate (100 calls/s per client, each call on
 * its own thread so a hung call does not slow the arrivals) against a real embedded PostgreSQL that
 * is SIGKILLed and restarted on the same port, side by side through the {@link
 * DatabaseConnectionManager} (its defaults) and a raw {@link HikariDataSource} (HikariCP defaults).
 *
 * <p>Writes {@code {"lifeline": {...}, "hikari": {...}}} to the path given as first argument
 * (default {@code bench/results/db-outage.json}) with, per client: {@code calls}; {@code
 * p50DownMs}, {@code p99DownMs}, {@code maxDownMs}: latency of the calls started while the database
 * was down; {@code detectionMs}: kill → first failed call returned; {@code recoveryMs}: restart →
 * first successful call returned; {@code errorsByType}: exception simple name → count.
 *
 * <pre>java -cp lifeline-bench/target/benchmarks.jar io.lifeline.bench.DatabaseOutageBenchmark [out.json]</pre>
 */
public final class DatabaseOutageBenchmark {
  private static final long RATE_PERIOD_MICROS = 10_000; // 100 calls/s per client
  private static final long WARM_MS = 3_000;
  private static final long DOWN_MS = 5_000;
  private static final long AFTER_MS = 8_000;

  private DatabaseOutageBenchmark() {}

  /** One call: start, duration, error type or null. */
  private record Call(long startNanos, long endNanos, String error) {}

  private interface Client {
    void call() throws Exception;
  }

  private static final class Driver {
    final String name;
    final Client client;
    final ThreadPoolExecutor callers;
    final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
    long issued;

    Driver(String name, Client client) {
      this.name = name;
      this.client = client;
      this.callers = new ThreadPoolExecutor(0, 2_000, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "outage-" + name);
        t.setDaemon(true);
        return t;
      });
    }

    void fire() {
      issued++;
      long start = System.nanoTime();
      try {
        callers.execute(() -> {
          String error = null;
          try {
            client.call();
          } catch (Exception e) {
            error = e.getClass().getSimpleName();
          }
          calls.add(new Call(start, System.nanoTime(), error));
        });
      } catch (RejectedExecutionException e) {
        calls.add(new Call(start, System.nanoTime(), "CallerThreadsExhausted"));
      }
    }
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "bench/results/db-outage.json");
    try (PostgresServerExtension pg = PostgresServerExtension.builder().build().start()) {
      DatabaseConnectionManager db = DatabaseConnectionManager.create(DatabaseConfig.builder()
          .url(pg.jdbcUrl()).username(PostgresServerExtension.SUPERUSER).build());
      HikariConfig hc = new HikariConfig();
      hc.setJdbcUrl(pg.jdbcUrl());
      hc.setUsername(PostgresServerExtension.SUPERUSER);
      HikariDataSource raw = new HikariDataSource(hc);
      List<Driver> drivers = List.of(
          new Driver("lifeline", () -> db.query("SELECT 1")),
          new Driver("hikari", () -> {
            try (Connection c = raw.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT 1");
                 ResultSet rs = ps.executeQuery()) {
              rs.next();
            }
          }));
      ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
      ticker.scheduleAtFixedRate(() -> drivers.forEach(Driver::fire), 0, RATE_PERIOD_MICROS, TimeUnit.MICROSECONDS);
      pause(WARM_MS);
      long killAt = System.nanoTime();
      pg.kill();
      pause(DOWN_MS);
      long restartCalledAt = System.nanoTime();
      pg.restart();
      long restartAt = System.nanoTime();
      System.err.printf("restart took %d ms%n", (restartAt - restartCalledAt) / 1_000_000);
      pause(AFTER_MS);
      ticker.shutdownNow();
      for (Driver d : drivers) {
        d.callers.shutdown();
        d.callers.awaitTermination(40, TimeUnit.SECONDS);
      }
      StringBuilder json = new StringBuilder("{\n");
      for (int i = 0; i < drivers.size(); i++) {
        Driver d = drivers.get(i);
        json.append("  \"").append(d.name).append("\": ").append(summary(d, killAt, restartCalledAt, restartAt));
        json.append(i + 1 < drivers.size() ? ",\n" : "\n");
      }
      json.append("}\n");
      db.close();
      raw.close();
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, json.toString(), StandardCharsets.UTF_8);
      System.out.print(json);
    }
    System.exit(0);
  }

  private static String summary(Driver d, long killAt, long downEnd, long restartAt) {
    List<Long> down = new ArrayList<>();
    Map<String, Integer> errors = new TreeMap<>();
    long firstFailure = Long.MAX_VALUE;
    long firstSuccessAfterRestart = Long.MAX_VALUE;
    for (Call c : d.calls) {
      if (c.startNanos >= killAt && c.startNanos < downEnd) {
        down.add(c.endNanos - c.startNanos);
      }
      if (c.error != null) {
        errors.merge(c.error, 1, Integer::sum);
        if (c.endNanos >= killAt) {
          firstFailure = Math.min(firstFailure, c.endNanos);
        }
      } else if (c.endNanos >= restartAt) {
        firstSuccessAfterRestart = Math.min(firstSuccessAfterRestart, c.endNanos);
      }
    }
    down.sort(null);
    StringBuilder e = new StringBuilder("{");
    errors.forEach((k, v) -> e.append(e.length() > 1 ? ", " : "").append('"').append(k).append("\": ").append(v));
    e.append('}');
    return String.format(java.util.Locale.ROOT,
        "{\"calls\": %d, \"p50DownMs\": %.3f, \"p99DownMs\": %.3f, \"maxDownMs\": %.3f, \"detectionMs\": %s, "
            + "\"recoveryMs\": %s, \"errorsByType\": %s}",
        d.calls.size(), pct(down, 0.50), pct(down, 0.99), down.isEmpty() ? 0.0 : down.get(down.size() - 1) / 1e6,
        firstFailure == Long.MAX_VALUE ? "null" : String.valueOf((firstFailure - killAt) / 1_000_000),
        firstSuccessAfterRestart == Long.MAX_VALUE ? "null" : String.valueOf((firstSuccessAfterRestart - restartAt) / 1_000_000),
        e);
  }

  private static double pct(List<Long> sorted, double p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int i = (int) Math.min(sorted.size() - 1, Math.max(0, Math.ceil(sorted.size() * p) - 1));
    return sorted.get(i) / 1e6;
  }

  private static void pause(long millis) {
    long end = System.nanoTime() + millis * 1_000_000;
    for (long left; (left = end - System.nanoTime()) > 0; ) {
      LockSupport.parkNanos(left);
    }
  }
}
