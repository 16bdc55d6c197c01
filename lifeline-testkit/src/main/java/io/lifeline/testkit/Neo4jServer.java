package io.lifeline.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilder;
import org.neo4j.harness.Neo4jBuilders;

/**
 * A real Neo4j 5 server running in this JVM ({@code org.neo4j.test:neo4j-harness}), listening for
 * Bolt on a fixed loopback port that survives {@link #stop()} / {@link #start()}, so a driver built
 * once keeps working across restarts. Each start is a new, empty database (the harness uses a fresh
 * directory), and, with {@link Builder#withAuth(String)}, user {@code neo4j} gets the given password
 * again on every start.
 *
 * <pre>{@code
 * try (Neo4jServer neo4j = Neo4jServer.builder().build().start()) {
 *   Driver driver = GraphDatabase.driver(neo4j.boltUri());
 *   neo4j.stop();      // the driver now throws ServiceUnavailableException
 *   neo4j.start();     // same port, empty database
 * }
 * }</pre>
 *
 * <p>Starts take about 6 s the first time in a JVM and about 0.5 s after; stops about 0.3 s (the
 * Bolt server's Netty quiet period is set to 0). Needs {@code neo4j-harness} on the class path (an
 * optional dependency of the testkit). Thread-safe: lifecycle methods are serialized.
 */
public final class Neo4jServer implements AutoCloseable {
  /** The password the harness gives user {@code neo4j} before it is changed. */
  private static final String INITIAL_PASSWORD = "neo4j";

  private final String password;
  private final int port;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile Neo4j server;
  private volatile boolean closed;
  private volatile Duration lastStartTime = Duration.ZERO;

  private Neo4jServer(Builder b) {
    this.password = b.password;
    this.port = b.port == 0 ? freePort() : b.port;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts the server (no-op if running). Returns this. */
  public Neo4jServer start() {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      if (server != null) {
        return this;
      }
      long t0 = System.nanoTime();
      Neo4jBuilder b = Neo4jBuilders.newInProcessBuilder()
          .withDisabledServer()
          .withConfig(BoltConnector.enabled, true)
          .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
          .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
          .withConfig(GraphDatabaseSettings.auth_enabled, password != null);
      Neo4j started = b.build();
      if (password != null) {
        setPassword(started);
      }
      server = started;
      lastStartTime = Duration.ofNanos(System.nanoTime() - t0);
      return this;
    } finally {
      lock.unlock();
    }
  }

  /** Changes user neo4j's initial password through the system database, as an operator would. */
  private void setPassword(Neo4j started) {
    GraphDatabaseService system = started.databaseManagementService().database("system");
    try (Transaction tx = system.beginTx()) {
      tx.execute("ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED",
          java.util.Map.of("pw", password)).close();
      tx.commit();
    }
  }

  /** Stops the server (no-op if stopped); the port becomes free. Clients see the server go away. */
  public void stop() {
    lock.lock();
    try {
      Neo4j s = server;
      server = null;
      if (s != null) {
        s.close();
      }
    } finally {
      lock.unlock();
    }
  }

  /** {@link #stop()} then {@link #start()} on the same port: a new, empty database. */
  public Neo4jServer restart() {
    lock.lock();
    try {
      stop();
      return start();
    } finally {
      lock.unlock();
    }
  }

  public boolean isRunning() {
    return server != null;
  }

  /** The Bolt port (fixed for this instance's lifetime). */
  public int port() {
    return port;
  }

  /** {@code bolt://127.0.0.1:<port>}: the server directly. */
  public String boltUri() {
    return "bolt://127.0.0.1:" + port;
  }

  /** The password of user {@code neo4j}, or null when authentication is off. */
  public String password() {
    return password;
  }

  /** How long the last {@link #start()} took. */
  public Duration lastStartTime() {
    return lastStartTime;
  }

  /** The embedded database service, for test setup that bypasses Bolt. */
  public GraphDatabaseService database() {
    Neo4j s = server;
    if (s == null) {
      throw new IllegalStateException("Neo4j is not running");
    }
    return s.defaultDatabaseService();
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      stop();
    } finally {
      lock.unlock();
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "Neo4jServer[" + boltUri() + (isRunning() ? ", running" : ", stopped")
        + (password != null ? ", auth" : "") + "]";
  }

  /** Builds a {@link Neo4jServer}. */
  public static final class Builder {
    private String password;
    private int port;

    private Builder() {}

    /**
     * Turns authentication on; user {@code neo4j} gets {@code password} (at least 8 characters,
     * Neo4j's minimum, and not {@code neo4j}).
     */
    public Builder withAuth(String password) {
      Objects.requireNonNull(password, "password");
      if (password.length() < 8 || password.equals(INITIAL_PASSWORD)) {
        throw new IllegalArgumentException("password must have at least 8 characters and not be 'neo4j'");
      }
      this.password = password;
      return this;
    }

    /** Bolt port (default: a free port picked once). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The server, not started yet. */
    public Neo4jServer build() {
      return new Neo4jServer(this);
    }

  }
}
