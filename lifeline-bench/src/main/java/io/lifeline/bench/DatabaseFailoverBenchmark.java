package io.lifeline.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lifeline.jdbc.DatabaseConfig;
import io.lifeline.jdbc.DatabaseReplicaSet;
import io.lifeline.jdbc.DegradedMode;
import io.lifeline.jdbc.ReplicaSetConfig;
import io.lifeline.jdbc.WriteCommand;
import io.lifeline.jdbc.WriteOutcome;
import io.lifeline.testkit.PostgresReplicaSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * PostgreSQL failover harness (plain main): a primary and one synchronous streaming standby
 * (embedded PostgreSQL 14); reads from 2 threads (one every 2 ms each) and writes from 1 thread (one
 * every 5 ms, each a new id). The primary is SIGKILLed 3 s into the load; 1 s later the standby is
 * promoted ({@code pg_promote()}, as failover tooling would); the load goes on 5 s after that. Runs
 * once through {@link DatabaseReplicaSet} (JOURNAL mode, exactly-once {@code submit}) and once
 * through plain pgjdbc multi-host URLs in HikariCP on defaults (writes: {@code
 * targetServerType=primary}; reads: {@code targetServerType=preferSecondary&loadBalanceHosts=true}),
 * each against its own fresh pair.
 *
 * <ul>
 *   <li>{@code acknowledgedLost}: writes the client acknowledged (applied or journaled) missing
 *       from the new primary at the end.
 *   <li>{@code appliedTwice}: ids present more than once.
 *   <li>{@code writeErrors}: writes that threw (not acknowledged, so not lost: the caller knows).
 *   <li>{@code readErrors}: reads that threw.
 *   <li>{@code writeGapMs}: kill (every process of the primary gone) → the first write applied
 *       on the new primary (the promotion is {@value #PROMOTE_AFTER_MS} ms after the kill).
 *   <li>{@code backToPrimaryMs} (Lifeline): kill → writes go straight to the new primary again
 *       (the manager found it and the journal written meanwhile is replayed); null if never.
 *   <li>{@code maxWriteMs}: the slowest write call (a caller blocked that long).
 * </ul>
 *
 * <pre>java -cp lifeline-bench/target/benchmarks.jar io.lifeline.bench.DatabaseFailoverBenchmark [out.json]</pre>
 */
public final class DatabaseFailoverBenchmark {
  static final long KILL_AFTER_MS = 3_000;
  static final long PROMOTE_AFTER_MS = 1_000;
  static final long AFTER_PROMOTION_MS = 10_000;

  private DatabaseFailoverBenchmark() {}

  interface Client extends AutoCloseable {
    /** True if the write is acknowledged and applied now; false if acknowledged by a journal. */
    boolean write(long id) throws Exception;

    void read() throws Exception;

    /** True while writes go straight to a primary (not to a journal, none waiting for replay). */
    default boolean writingToPrimary() {
      return true;
    }

    @Override
    void close() throws Exception;
  }

  interface Factory {
    Client create(PostgresReplicaSet pg, Path tmp) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "bench/results/database-failover.json");
    String lifeline = run("lifeline", (pg, tmp) -> {
      DatabaseReplicaSet rs = DatabaseReplicaSet.create(ReplicaSetConfig.builder().database(DatabaseConfig.builder()
          .url(pg.multiHostJdbcUrl()).username("postgres").degradedMode(DegradedMode.JOURNAL)
          .journalPath(tmp.resolve("bench.journal")).build()).build());
      return new Client() {
        @Override
        public boolean write(long id) {
          return rs.primary().submit(WriteCommand.of("b-" + id, "INSERT INTO fo(id) VALUES (?)", id))
              != WriteOutcome.JOURNALED;
        }

        @Override
        public void read() {
          rs.query("SELECT count(*) FROM fo WHERE id < 0", r -> r.getLong(1));
        }

        @Override
        public boolean writingToPrimary() {
          return !rs.primary().isKnownDown() && rs.primary().journalBytes() == 0;
        }

        @Override
        public void close() {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          while (rs.primary().journalBytes() > 0 && System.nanoTime() < deadline) {
            RedisOutageBenchmark.parkUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50));
          }
          rs.close();
        }
      };
    });
    String plain = run("pgjdbc", (pg, tmp) -> {
      HikariDataSource writes = pool(pg.multiHostJdbcUrl() + "?targetServerType=primary");
      HikariDataSource reads = pool(pg.multiHostJdbcUrl() + "?targetServerType=preferSecondary&loadBalanceHosts=true");
      return new Client() {
        @Override
        public boolean write(long id) throws Exception {
          try (Connection c = writes.getConnection(); PreparedStatement s = c.prepareStatement("INSERT INTO fo(id) VALUES (?)")) {
            s.setLong(1, id);
            s.executeUpdate();
            return true;
          }
        }

        @Override
        public void read() throws Exception {
          try (Connection c = reads.getConnection(); Statement s = c.createStatement();
               ResultSet r = s.executeQuery("SELECT count(*) FROM fo WHERE id < 0")) {
            r.next();
          }
        }

        @Override
        public void close() {
          writes.close();
          reads.close();
        }
      };
    });
    String json = "{\"lifeline\": " + lifeline + ", \"pgjdbc\": " + plain + "}\n";
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, json);
    System.out.print(json);
    System.out.println("wrote " + out);
    System.exit(0);
  }

  private static HikariDataSource pool(String url) {
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(url);
    hc.setUsername("postgres");
    hc.setMaximumPoolSize(4);
    return new HikariDataSource(hc);
  }

  static String run(String name, Factory factory) throws Exception {
    Path tmp = Files.createTempDirectory("lifeline-db-failover-");
    try (PostgresReplicaSet pg = PostgresReplicaSet.builder().standbys(1).build().start()) {
      pg.synchronousStandby(0);
      pg.primary().execute("CREATE TABLE fo(id bigint NOT NULL)");
      Client client = factory.create(pg, tmp);
      Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
      AtomicLong writeErrors = new AtomicLong();
      AtomicLong readErrors = new AtomicLong();
      Map<String, ErrorSample> errors = new ConcurrentHashMap<>();
      AtomicLong firstAppliedAfterKill = new AtomicLong();
      AtomicLong maxWriteNanos = new AtomicLong();
      AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
      AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE);
      long start = System.nanoTime();
      Thread[] threads = new Thread[3];
      for (int t = 0; t < threads.length; t++) {
        boolean writer = t == 0;
        threads[t] = new Thread(() -> {
          long period = TimeUnit.MILLISECONDS.toNanos(writer ? 5 : 2);
          long id = 0;
          for (long next = start; next < stopAt.get(); next += period) {
            RedisOutageBenchmark.parkUntil(next);
            long t0 = System.nanoTime();
            try {
              if (writer) {
                id++;
                boolean applied = client.write(id);
                acknowledged.add(id);
                if (applied && t0 > killedAt.get()) {
                  firstAppliedAfterKill.compareAndSet(0, System.nanoTime());
                }
              } else {
                client.read();
              }
            } catch (Exception e) {
              (writer ? writeErrors : readErrors).incrementAndGet();
              long sinceKill = killedAt.get() == Long.MAX_VALUE ? Long.MIN_VALUE : (t0 - killedAt.get()) / 1_000_000;
              errors.computeIfAbsent((writer ? "write " : "read ") + e.getClass().getSimpleName() + ": "
                  + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), k -> new ErrorSample(sinceKill))
                  .count.increment();
            }
            if (writer) {
              maxWriteNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
            }
          }
        }, name + "-load-" + t);
        threads[t].setDaemon(true);
        threads[t].start();
      }
      RedisOutageBenchmark.parkUntil(start + TimeUnit.MILLISECONDS.toNanos(KILL_AFTER_MS));
      pg.primary().kill(); // returns once every postgres process of the primary is gone
      long killed = System.nanoTime();
      killedAt.set(killed);
      AtomicLong backToPrimary = new AtomicLong();
      Thread sampler = new Thread(() -> {
        boolean left = false;
        while (System.nanoTime() < stopAt.get()) {
          boolean onPrimary = client.writingToPrimary();
          if (!onPrimary) {
            left = true;
          } else if (left) {
            backToPrimary.set(System.nanoTime());
            return;
          }
          RedisOutageBenchmark.parkUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2));
        }
      }, name + "-sampler");
      sampler.setDaemon(true);
      sampler.start();
      RedisOutageBenchmark.parkUntil(killed + TimeUnit.MILLISECONDS.toNanos(PROMOTE_AFTER_MS));
      pg.promote(0);
      stopAt.set(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(AFTER_PROMOTION_MS));
      for (Thread t : threads) {
        t.join(120_000);
      }
      sampler.join(10_000);
      client.close();
      long rows;
      long distinct;
      long lost = 0;
      try (Connection c = DriverManager.getConnection(pg.standby(0).jdbcUrl(), "postgres", "");
           Statement s = c.createStatement()) {
        try (ResultSet r = s.executeQuery("SELECT count(*), count(DISTINCT id) FROM fo")) {
          r.next();
          rows = r.getLong(1);
          distinct = r.getLong(2);
        }
        Set<Long> present = new HashSet<>();
        try (ResultSet r = s.executeQuery("SELECT id FROM fo")) {
          while (r.next()) {
            present.add(r.getLong(1));
          }
        }
        for (long id : acknowledged) {
          if (!present.contains(id)) {
            lost++;
          }
        }
      }
      // what failed, for the reader of the figures (the bench's SLF4J output goes to Neo4j's bridge)
      errors.forEach((what, e) -> System.err.printf(Locale.ROOT, "%s: %d x %s (first %s ms after the kill)%n", name,
          e.count.sum(), what, e.firstSinceKillMs == Long.MIN_VALUE ? "before kill() returned, not" : String.valueOf(e.firstSinceKillMs)));
      long gap = firstAppliedAfterKill.get();
      return String.format(Locale.ROOT, "{\"acknowledged\": %d, \"acknowledgedLost\": %d, \"appliedTwice\": %d, "
              + "\"writeErrors\": %d, \"readErrors\": %d, \"writeGapMs\": %s, \"backToPrimaryMs\": %s, \"maxWriteMs\": %s}",
          acknowledged.size(), lost, rows - distinct, writeErrors.get(), readErrors.get(),
          gap == 0 ? "null" : RedisOutageBenchmark.num((gap - killed) / 1e6),
          backToPrimary.get() == 0 ? "null" : RedisOutageBenchmark.num((backToPrimary.get() - killed) / 1e6),
          RedisOutageBenchmark.num(maxWriteNanos.get() / 1e6));
    }
  }

  /** One kind of error: how often, and when first (ms after the kill; MIN_VALUE before it). */
  private static final class ErrorSample {
    final long firstSinceKillMs;
    final java.util.concurrent.atomic.LongAdder count = new java.util.concurrent.atomic.LongAdder();

    ErrorSample(long firstSinceKillMs) {
      this.firstSinceKillMs = firstSinceKillMs;
    }
  }
}
