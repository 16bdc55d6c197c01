package io.lifeline.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.embedded.RedisServer;

/**
 * A real Redis server (the {@code com.github.codemonstur:embedded-redis} binary, Redis 6.2) on a free
 * loopback port, for tests that need to kill, stop, restart or black-hole it.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisServerExtension REDIS = RedisServerExtension.builder().persistent().build();
 *
 * REDIS.kill();      // SIGKILL, like a crashed or OOM-killed server
 * REDIS.start();     // a new process on the same port (data survives only when persistent)
 * REDIS.proxy().blackHole();   // with withProxy(): the network to Redis looks hung
 * }</pre>
 *
 * <p>As a JUnit 5 extension it starts before all tests of the class and is closed after them;
 * it can also be used on its own ({@link #start()} / {@link #close()}), e.g. in a benchmark.
 *
 * <p>{@link #kill()} sends SIGKILL to the {@code redis-server} process of this instance (found
 * among this JVM's descendant processes by its port), so no shutdown code of Redis runs. A killed or
 * stopped server can be {@link #start() started} again on the same port. With {@link
 * Builder#persistent()} the server writes an append-only file with {@code appendfsync always} into
 * a directory kept across restarts, so every acknowledged write survives a kill.
 *
 * <p>The embedded-redis dependency is optional in the testkit: add {@code
 * com.github.codemonstur:embedded-redis} to your test classpath to use this class. Thread-safe.
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

  private final String password;
  private final boolean persistent;
  private final boolean withProxy;
  private final ReentrantLock lock = new ReentrantLock();
  private int port;
  private Path dataDir;
  private RedisServer server;
  private FaultProxy proxy;
  private boolean running;
  private long starts;

  private RedisServerExtension(Builder b) {
    this.password = b.password;
    this.persistent = b.persistent;
    this.withProxy = b.withProxy;
    this.port = b.port;
  }

  /** A builder: no password, no persistence, no proxy, a free port. */
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

  /**
   * Starts the server (on the port chosen at the first start). Does nothing if it is running.
   * Also starts the proxy on the first start when configured.
   */
  public RedisServerExtension start() throws IOException {
    lock.lock();
    try {
      if (running) {
        return this;
      }
      if (port == 0) {
        port = freePort();
      }
      if (persistent && dataDir == null) {
        Path base = Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(base);
        dataDir = Files.createTempDirectory(base, "lifeline-redis-data-");
      }
      var b = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
          .setting("save \"\"");
      if (password != null) {
        b.setting("requirepass " + password);
      }
      if (persistent) {
        b.setting("dir " + dataDir.toAbsolutePath())
            .setting("appendonly yes")
            .setting("appendfsync always");
      }
      RedisServer s = b.build();
      IOException last = null;
      // the port was just freed by a killed process: the bind may need a moment
      for (int i = 0; i < 50; i++) {
        try {
          s.start();
          last = null;
          break;
        } catch (IOException | RuntimeException e) {
          last = e instanceof IOException ? (IOException) e : new IOException(e);
          quietStop(s);
          s = b.build();
          pause(20);
        }
      }
      if (last != null) {
        throw last;
      }
      server = s;
      running = true;
      starts++;
      if (withProxy && proxy == null) {
        proxy = FaultProxy.start("127.0.0.1", port);
      }
      return this;
    } finally {
      lock.unlock();
    }
  }

  /** Stops the server gracefully (SIGTERM, waits for the process). Idempotent. */
  public void stop() {
    lock.lock();
    try {
      if (server != null) {
        quietStop(server);
        server = null;
      }
      running = false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Kills the server with SIGKILL and waits until the process is gone. Returns the PID killed.
   *
   * @throws IllegalStateException if the server is not running or its process cannot be found
   */
  public long kill() {
    lock.lock();
    try {
      if (!running) {
        throw new IllegalStateException("redis on port " + port + " is not running");
      }
      long pid = RedisProcesses.kill(port);
      quietStop(server); // releases the library's bookkeeping; the process is already gone
      server = null;
      running = false;
      return pid;
    } finally {
      lock.unlock();
    }
  }

  /** Stops (if running) and starts again on the same port. */
  public RedisServerExtension restart() throws IOException {
    stop();
    return start();
  }

  /**
   * The {@code redis-server} process of this instance, if running. Redis rewrites its process
   * title to {@code redis-server <bind>:<port>}, so on Linux {@code /proc/<pid>/cmdline} names the
   * port (the JDK's {@code ProcessHandle.Info} shows only the executable).
   */
  public Optional<ProcessHandle> process() {
    return RedisProcesses.find(port);
  }

  public boolean isRunning() {
    lock.lock();
    try {
      return running;
    } finally {
      lock.unlock();
    }
  }

  /** How many times the server was started. */
  public long starts() {
    lock.lock();
    try {
      return starts;
    } finally {
      lock.unlock();
    }
  }

  public String host() {
    return "127.0.0.1";
  }

  /** The server's own port (fixed after the first start). */
  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:<port>} — without the password. */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** {@code redis://127.0.0.1:<proxyPort>}: the server seen through the fault proxy. */
  public String proxyUrl() {
    return "redis://127.0.0.1:" + proxy().port();
  }

  /** The fault proxy in front of the server; only with {@link Builder#withProxy()}. */
  public FaultProxy proxy() {
    lock.lock();
    try {
      if (proxy == null) {
        throw new IllegalStateException("built without withProxy(), or not started");
      }
      return proxy;
    } finally {
      lock.unlock();
    }
  }

  /** The data directory of a persistent server, else empty. */
  public Optional<Path> dataDirectory() {
    return Optional.ofNullable(dataDir);
  }

  /** Stops the server and the proxy. Idempotent. */
  @Override
  public void close() {
    lock.lock();
    try {
      stop();
      if (proxy != null) {
        proxy.close();
        proxy = null;
      }
    } finally {
      lock.unlock();
    }
  }

  private static void quietStop(RedisServer s) {
    try {
      s.stop();
    } catch (IOException | RuntimeException ignored) {
      // already gone
    }
  }

  private static void pause(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting redis", e);
    }
  }

  /** A free TCP port on the loopback interface. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "RedisServerExtension[port=" + port + ", running=" + running + ", auth="
        + (password != null) + ", persistent=" + persistent + "]";
  }

  /** Builds a {@link RedisServerExtension}. Not thread-safe. */
  public static final class Builder {
    private String password;
    private boolean persistent;
    private boolean withProxy;
    private int port;

    private Builder() {}

    /** Start with {@code requirepass password}. */
    public Builder password(String password) {
      this.password = Objects.requireNonNull(password, "password");
      if (password.isBlank() || password.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("password must be non-blank without whitespace");
      }
      return this;
    }

    /** Append-only file with fsync on every write, in a directory kept across restarts. */
    public Builder persistent() {
      this.persistent = true;
      return this;
    }

    /** Put a {@link FaultProxy} in front of the server ({@link #proxy()}, {@link #proxyUrl()}). */
    public Builder withProxy() {
      this.withProxy = true;
      return this;
    }

    /** A fixed port instead of a free one. */
    public Builder port(int port) {
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException("port must be between 1 and 65535: " + port);
      }
      this.port = port;
      return this;
    }

    public RedisServerExtension build() {
      return new RedisServerExtension(this);
    }
  }
}
