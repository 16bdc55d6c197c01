package io.lifeline.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lifeline.jdbc.DatabaseConfig;
import io.lifeline.jdbc.DatabaseConnectionManager;
import io.lifeline.testkit.PostgresServerExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Outage harness (plain main): {@code SELECT 1} at a steady rate (100 calls/s per client, each call on
 * its own thread so a hung call does not slow the arrivals) against a real embedded PostgreSQL that
 * is SIGKILLed (postmaster and backends) and restarted on the same port, side by side through the {@link
 * DatabaseConnectionManager} (its defaults) and a raw {@link HikariDataSource} (HikariCP defaults).
 *
 * <p>Writes {@code {"lifeline": {...}, "hikari": {...}}} to the path given as first argument
 * (default {@code bench/results/db-outage.json}) with, per client: {@code calls}; {@code
 * downCalls}, {@code p50DownMs}, {@code p99DownMs}, {@code p999DownMs}, {@code maxDownMs}: count
 * and latency of the calls started while the database was down; {@code detectionMs}: kill → first
 * failed call returned; {@code recoveryMs}: restart → first successful call returned; {@code
 * errorsByType}: exception simple name → count; {@code slowestDown}: the 10 slowest of those calls as
 * {@code [ms after the kill it started, its latency ms, error or null]}, to see where the tail comes
 * from (calls started before the manager could know, or calls that waited after it knew).
 *
 * <p>{@code "waiters"}: a second manager with a pool of {@value #HOLDERS} connections, both held by
 * {@code pg_sleep} statements, and {@value #WAITERS} callers blocked waiting for a connection when
 * the server is killed: {@code killToFirstReleaseMs} / {@code killToLastReleaseMs} (kill → the
 * first / last of them returned), {@code releaseSpreadMs} (last − first: how together they were
 * released), {@code typed} (how many got {@code DatabaseUnavailableException}).
 *
 * <pre>java -cp lifeline-bench/target/benchmarks.jar io.lifeline.bench.DatabaseOutageBenchmark [out.json]</pre>
 */
public final class DatabaseOutageBenchmark {
  private static final long RATE_PERIOD_MICROS = 10_000; // 100 calls/s per client
  private static final long WARM_MS = 3_000;
  private static final long DOWN_MS = 5_000;
  private static final long AFTER_MS = 8_000;
  private static final int HOLDERS = 2;
  private static final int WAITERS = 16;

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
      DatabaseConnectionManager small = DatabaseConnectionManager.create(DatabaseConfig.builder().name("waiters")
          .url(pg.jdbcUrl()).username(PostgresServerExtension.SUPERUSER).poolSize(HOLDERS).maxOverflow(0).build());
      ConcurrentLinkedQueue<Call> waited = new ConcurrentLinkedQueue<>();
      List<Thread> blocked = new ArrayList<>();
      for (int i = 0; i < HOLDERS + WAITERS; i++) {
        String sql = i < HOLDERS ? "SELECT pg_sleep(20)" : "SELECT 1";
        boolean holder = i < HOLDERS;
        Thread t = new Thread(() -> {
          long start = System.nanoTime();
          String error = null;
          try {
            small.query(sql);
          } catch (RuntimeException e) {
            error = e.getClass().getSimpleName();
          }
          if (!holder) {
            waited.add(new Call(start, System.nanoTime(), error));
          }
        }, holder ? "holder-" + i : "waiter-" + i);
        t.setDaemon(true);
        t.start();
        blocked.add(t);
        if (holder) {
          pause(200); // the holders take the pool's connections first
        }
      }
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
      // The postmaster and its backends are listed first and killAt is the moment SIGKILL is sent:
      // listing processes (/proc) takes tens of ms on a loaded machine, and calls started in that
      // time still run against a live server. pg.kill() then waits until they are gone (and kills
      // any backend forked in between).
      // The floor no client can beat: a plain TCP connection to the server (the postmaster forks a
      // backend for it, which waits for a startup packet) sees EOF when the kernel closes the killed
      // process's socket, with no driver in between.
      AtomicLong socketClosedAt = new AtomicLong();
      Socket canary = new Socket();
      canary.connect(new InetSocketAddress("127.0.0.1", pg.port()), 1_000);
      Thread canaryReader = new Thread(() -> {
        try (InputStream in = canary.getInputStream()) {
          while (in.read() >= 0) {
            // the server sends nothing before a startup packet
          }
        } catch (IOException reset) {
          // reset by the peer: closed as well
        }
        socketClosedAt.set(System.nanoTime());
      }, "canary");
      canaryReader.setDaemon(true);
      canaryReader.start();
      pause(200);
      List<ProcessHandle> victims = pg.pid().flatMap(ProcessHandle::of)
          .map(h -> Stream.concat(Stream.of(h), h.descendants()).collect(Collectors.toList()))
          .orElse(List.of());
      long killAt = System.nanoTime();
      victims.forEach(ProcessHandle::destroyForcibly);
      pg.kill();
      long killReturnedAt = System.nanoTime();
      canaryReader.join(5_000);
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
      for (Thread t : blocked) {
        t.join(30_000);
      }
      StringBuilder json = new StringBuilder("{\n");
      for (Driver d : drivers) {
        json.append("  \"").append(d.name).append("\": ").append(summary(d, killAt, socketClosedAt.get(), restartCalledAt, restartAt));
        json.append(",\n");
      }
      json.append("  \"waiters\": ").append(waiters(waited, killAt)).append(",\n");
      json.append(String.format(java.util.Locale.ROOT,
          "  \"server\": {\"killToSocketClosedMs\": %.3f, \"killToProcessesGoneMs\": %.3f}%n}%n",
          socketClosedAt.get() == 0 ? -1.0 : (socketClosedAt.get() - killAt) / 1e6,
          (killReturnedAt - killAt) / 1e6));
      db.close();
      small.close();
      raw.close();
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, json.toString(), StandardCharsets.UTF_8);
      System.out.print(json);
    }
    System.exit(0);
  }

  private static String summary(Driver d, long killAt, long socketClosedAt, long downEnd, long restartAt) {
    List<Long> down = new ArrayList<>();
    List<Long> afterClosed = new ArrayList<>();
    List<Call> downCalls = new ArrayList<>();
    Map<String, Integer> errors = new TreeMap<>();
    long firstFailure = Long.MAX_VALUE;
    long firstSuccessAfterRestart = Long.MAX_VALUE;
    for (Call c : d.calls) {
      if (c.startNanos >= killAt && c.startNanos < downEnd) {
        down.add(c.endNanos - c.startNanos);
        downCalls.add(c);
        if (socketClosedAt != 0 && c.startNanos >= socketClosedAt) {
          afterClosed.add(c.endNanos - c.startNanos);
        }
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
    afterClosed.sort(null);
    downCalls.sort((a, b) -> Long.compare(b.endNanos - b.startNanos, a.endNanos - a.startNanos));
    StringBuilder slow = new StringBuilder("[");
    for (int i = 0; i < Math.min(10, downCalls.size()); i++) {
      Call c = downCalls.get(i);
      slow.append(i > 0 ? ", " : "").append(String.format(java.util.Locale.ROOT, "[%.1f, %.1f, %s]",
          (c.startNanos - killAt) / 1e6, (c.endNanos - c.startNanos) / 1e6,
          c.error == null ? "null" : "\"" + c.error + "\""));
    }
    slow.append(']');
    StringBuilder e = new StringBuilder("{");
    errors.forEach((k, v) -> e.append(e.length() > 1 ? ", " : "").append('"').append(k).append("\": ").append(v));
    e.append('}');
    return String.format(java.util.Locale.ROOT,
        "{\"calls\": %d, \"downCalls\": %d, \"p50DownMs\": %.3f, \"p99DownMs\": %.3f, \"p999DownMs\": %.3f, "
            + "\"maxDownMs\": %.3f, \"p99AfterSocketClosedMs\": %.3f, \"detectionMs\": %s, \"recoveryMs\": %s, \"errorsByType\": %s, "
            + "\"slowestDown\": %s}",
        d.calls.size(), down.size(), pct(down, 0.50), pct(down, 0.99), pct(down, 0.999),
        down.isEmpty() ? 0.0 : down.get(down.size() - 1) / 1e6, pct(afterClosed, 0.99),
        firstFailure == Long.MAX_VALUE ? "null" : String.valueOf((firstFailure - killAt) / 1_000_000),
        firstSuccessAfterRestart == Long.MAX_VALUE ? "null" : String.valueOf((firstSuccessAfterRestart - restartAt) / 1_000_000),
        e, slow);
  }

  /** The callers that were blocked waiting for a connection at the kill. */
  private static String waiters(ConcurrentLinkedQueue<Call> waited, long killAt) {
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    int typed = 0;
    int early = 0;
    for (Call c : waited) {
      if (c.endNanos < killAt) {
        early++; // returned before the kill: it was not blocked at the kill
        continue;
      }
      first = Math.min(first, c.endNanos);
      last = Math.max(last, c.endNanos);
      if ("DatabaseUnavailableException".equals(c.error)) {
        typed++;
      }
    }
    return String.format(java.util.Locale.ROOT,
        "{\"count\": %d, \"returnedBeforeKill\": %d, \"typed\": %d, \"killToFirstReleaseMs\": %.3f, "
            + "\"killToLastReleaseMs\": %.3f, \"releaseSpreadMs\": %.3f}",
        waited.size(), early, typed, first == Long.MAX_VALUE ? -1.0 : (first - killAt) / 1e6,
        last == Long.MIN_VALUE ? -1.0 : (last - killAt) / 1e6,
        first == Long.MAX_VALUE ? -1.0 : (last - first) / 1e6);
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
