package io.lifeline.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on the loopback interface that sits between a client and a real server (Redis,
 * PostgreSQL, Neo4j Bolt, HTTP, ...) and injects network faults on demand.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.start("127.0.0.1", redisPort)) {
 *   RedisClient client = connect(proxy.host(), proxy.port());
 *   proxy.blackHole();            // the server now looks hung
 *   ...                           // assert the client times out
 *   proxy.passThrough();          // the network heals
 * }
 * }</pre>
 *
 * <h2>Modes</h2>
 *
 * The proxy is always in exactly one {@link Mode}; the mode can be switched at any time, also while
 * connections are open, and applies to every connection, existing and new. See {@link Mode} for
 * what each mode does. Data that a connection has already read from one side when the mode changes
 * is handled according to the mode in force after the read (and, in {@link Mode#LATENCY}, after its
 * delay); a switch therefore takes effect for all data that arrives after it, and for data being
 * held back by latency.
 *
 * <h2>Connections</h2>
 *
 * For each accepted client connection the proxy opens one connection to the upstream server
 * (except in {@link Mode#BLACK_HOLE} and {@link Mode#RESET}, see there) and copies bytes in both
 * directions. A half-close (FIN) is propagated to the other side; a connection ends when both
 * directions have ended, when either side resets it (the reset is propagated), or when the proxy
 * cuts it. If the upstream server cannot be reached, the client connection is reset.
 *
 * <h2>Threads</h2>
 *
 * The proxy uses one acceptor thread while it is accepting and two threads per connection (one per
 * direction). All are daemon threads whose names start with {@link #threadNamePrefix()} (which
 * itself starts with {@link #THREAD_NAME_PREFIX}). {@link #close()} closes every socket and waits
 * (up to a few seconds) for all of these threads to end.
 *
 * <h2>Thread safety</h2>
 *
 * Instances are thread-safe: every method may be called from any thread at any time, also
 * concurrently with each other and with traffic flowing through the proxy. Mode changes are
 * serialized; a mode-switching method returns after the new mode is in force: after {@link
 * #refuse()} returns, new connection attempts are refused, after {@link #reset()} returns, every
 * connection that was open has been reset. No lock is held while blocking on network I/O. The
 * counters are updated atomically but independently of each other, so reading several of them is
 * not one consistent snapshot.
 */
public final class FaultProxy implements AutoCloseable {

  /** Prefix of the names of all threads started by any fault proxy. */
  public static final String THREAD_NAME_PREFIX = "lifeline-fault-proxy-";

  /** Fault modes. */
  public enum Mode {
    /** Bytes are copied unchanged in both directions. The default. */
    PASS_THROUGH,
    /**
     * Like {@link #PASS_THROUGH}, but each chunk of data read from either side is held for the
     * configured {@linkplain #latency() latency} before it is written to the other side. Chunks are
     * forwarded in order, so back-to-back chunks accumulate delay (this also limits throughput).
     * Data being held when the mode is switched is handled by the new mode at once (for example
     * forwarded immediately after a switch to {@link #PASS_THROUGH}); a new latency value applies
     * to held data too.
     */
    LATENCY,
    /**
     * A hung or partitioned peer: new connections are accepted but never connected upstream;
     * everything read from either side of any connection is discarded; nothing is ever answered and
     * sockets stay open. A client that closes its end closes the proxied connection. An upstream
     * that closes its end while the black hole lasts is not reported to the client.
     *
     * <p>When the mode is switched away from {@code BLACK_HOLE}, connections that have no live
     * upstream (those accepted during the black hole and those whose upstream closed during it) are
     * reset, like a server would reset a connection it does not know. Other connections resume
     * forwarding; the data discarded during the black hole is lost.
     */
    BLACK_HOLE,
    /**
     * Every open connection is reset (closed with a TCP RST on both the client and the upstream
     * side) when this mode is entered; new connections are accepted and reset at once, without
     * contacting the upstream.
     */
    RESET,
    /**
     * The listening socket is closed, so new connection attempts get "connection refused".
     * Existing connections keep forwarding as in {@link #PASS_THROUGH}. Switching to any other mode
     * binds the same port again (with {@code SO_REUSEADDR}).
     */
    REFUSE;

    boolean accepts() {
      return this != REFUSE;
    }

    boolean forwards() {
      return this == PASS_THROUGH || this == LATENCY || this == REFUSE;
    }
  }

  private static final Logger log = LoggerFactory.getLogger(FaultProxy.class);
  private static final AtomicInteger PROXY_IDS = new AtomicInteger();
  private static final int BUFFER_SIZE = 16 * 1024;
  private static final int BACKLOG = 128;
  private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final InetAddress LOOPBACK = ipv4Loopback();

  private final String threadPrefix;
  private final String upstreamHost;
  private final int upstreamPort;
  private final int connectTimeoutMillis;
  private final AtomicInteger connectionIds = new AtomicInteger();

  /**
   * Guards the mode, latency, closed flag, server socket, connection registration and thread
   * starts; held only for short non-blocking sections and for latency waits (which release it).
   */
  private final ReentrantLock lock = new ReentrantLock();

  private final Condition stateChanged = lock.newCondition();

  /**
   * Serializes mode switches from start to end (including closing the listening socket and
   * waiting for its acceptor to stop, so that a concurrent switch can bind the port again). Never
   * taken on the data path.
   */
  private final ReentrantLock switchLock = new ReentrantLock();

  // Written under lock; volatile for lock-free reads on the data path.
  private volatile Mode mode;
  private volatile long latencyNanos;
  private volatile boolean closed;
  private int port; // set once in open(), before the instance is published
  private ServerSocket serverSocket; // guarded by lock; null while refusing and after close
  private Thread acceptor; // guarded by lock; the thread accepting on serverSocket

  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong upstreamConnects = new AtomicLong();
  private final AtomicLong bytesToUpstream = new AtomicLong();
  private final AtomicLong bytesToClient = new AtomicLong();
  private final AtomicLong bytesDiscarded = new AtomicLong();

  private FaultProxy(Builder builder) {
    this.threadPrefix = THREAD_NAME_PREFIX + PROXY_IDS.incrementAndGet() + "-";
    this.upstreamHost = builder.upstreamHost;
    this.upstreamPort = builder.upstreamPort;
    this.connectTimeoutMillis = toMillisAtLeastOne(builder.connectTimeout);
    this.mode = builder.mode;
    this.latencyNanos = builder.latency.toNanos();
  }

  /**
   * Starts a proxy in {@link Mode#PASS_THROUGH} on an ephemeral port of 127.0.0.1.
   *
   * @param upstreamHost host of the real server; resolved on every upstream connect
   * @param upstreamPort port of the real server
   * @throws IOException if the listening socket cannot be bound
   */
  public static FaultProxy start(String upstreamHost, int upstreamPort) throws IOException {
    return builder(upstreamHost, upstreamPort).start();
  }

  /** Returns a builder for a proxy to the given upstream server. */
  public static Builder builder(String upstreamHost, int upstreamPort) {
    return new Builder(upstreamHost, upstreamPort);
  }

  /** Builder for {@link FaultProxy}. Not thread-safe. */
  public static final class Builder {
    private final String upstreamHost;
    private final int upstreamPort;
    private int listenPort;
    private Mode mode = Mode.PASS_THROUGH;
    private Duration latency = Duration.ZERO;
    private Duration connectTimeout = Duration.ofSeconds(5);

    private Builder(String upstreamHost, int upstreamPort) {
      this.upstreamHost = Objects.requireNonNull(upstreamHost, "upstreamHost");
      this.upstreamPort = checkPort(upstreamPort, "upstreamPort", 1);
    }

    /** Port to listen on, on 127.0.0.1; {@code 0} (the default) picks an ephemeral port. */
    public Builder listenPort(int port) {
      this.listenPort = checkPort(port, "listenPort", 0);
      return this;
    }

    /**
     * Initial mode (default {@link Mode#PASS_THROUGH}). With {@link Mode#REFUSE} the port is bound
     * once, to learn and keep its number, and closed again before {@link #start()} returns.
     */
    public Builder mode(Mode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * Sets the delay of {@link Mode#LATENCY} and makes {@code LATENCY} the initial mode (a later
     * call of {@link #mode(Mode)} on this builder overrides the mode but keeps the delay).
     */
    public Builder latency(Duration delay) {
      this.latency = checkLatency(delay);
      this.mode = Mode.LATENCY;
      return this;
    }

    /** Timeout for connecting to the upstream server (default 5 s). */
    public Builder connectTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("connectTimeout must be positive: " + timeout);
      }
      this.connectTimeout = timeout;
      return this;
    }

    /**
     * Binds the listening socket and starts the proxy.
     *
     * @throws IOException if the listening socket cannot be bound
     */
    public FaultProxy start() throws IOException {
      FaultProxy proxy = new FaultProxy(this);
      proxy.open(listenPort);
      return proxy;
    }
  }

  private void open(int listenPort) throws IOException {
    ServerSocket ss = bind(listenPort);
    port = ss.getLocalPort();
    boolean accepting;
    lock.lock();
    try {
      accepting = mode.accepts();
      if (accepting) {
        serverSocket = ss;
        acceptor = startThread("accept", () -> acceptLoop(ss));
      }
    } finally {
      lock.unlock();
    }
    if (!accepting) {
      closeQuietly(ss);
    }
    log.info("{} started", this);
  }

  // ---------------------------------------------------------------- addresses

  /** The address the proxy listens on: always {@code "127.0.0.1"}. */
  public String host() {
    return LOOPBACK.getHostAddress();
  }

  /** The port the proxy listens on; stays the same across {@link Mode#REFUSE}. */
  public int port() {
    return port;
  }

  /** {@link #host()} and {@link #port()} as a socket address. */
  public InetSocketAddress address() {
    return new InetSocketAddress(LOOPBACK, port);
  }

  /** The upstream server as given to the builder (unresolved). */
  public InetSocketAddress upstream() {
    return InetSocketAddress.createUnresolved(upstreamHost, upstreamPort);
  }

  /**
   * Prefix of the names of all threads of this proxy, e.g. {@code "lifeline-fault-proxy-3-"}.
   * Useful to assert that no thread is left behind after {@link #close()}.
   */
  public String threadNamePrefix() {
    return threadPrefix;
  }

  // ---------------------------------------------------------------- modes

  /** The current mode. */
  public Mode mode() {
    return mode;
  }

  /** The delay applied in {@link Mode#LATENCY} (initially zero). */
  public Duration latency() {
    return Duration.ofNanos(latencyNanos);
  }

  /**
   * Switches to the given mode (see {@link Mode}); {@link Mode#LATENCY} uses the current {@link
   * #latency()}. Switching to the current mode is allowed and changes nothing.
   *
   * @return this proxy
   * @throws IllegalStateException if the proxy is closed
   * @throws UncheckedIOException if leaving {@link Mode#REFUSE} and the port cannot be bound again
   *     (the mode then stays {@link Mode#REFUSE})
   */
  public FaultProxy mode(Mode newMode) {
    switchMode(Objects.requireNonNull(newMode, "mode"), -1);
    return this;
  }

  /** Switches to {@link Mode#PASS_THROUGH}. */
  public FaultProxy passThrough() {
    return mode(Mode.PASS_THROUGH);
  }

  /**
   * Sets the delay and switches to {@link Mode#LATENCY}. {@code latency(Duration.ZERO)} is allowed
   * and forwards without delay.
   *
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  public FaultProxy latency(Duration delay) {
    switchMode(Mode.LATENCY, checkLatency(delay).toNanos());
    return this;
  }

  /** Switches to {@link Mode#BLACK_HOLE}. */
  public FaultProxy blackHole() {
    return mode(Mode.BLACK_HOLE);
  }

  /** Switches to {@link Mode#RESET}: resets all open connections and every new one. */
  public FaultProxy reset() {
    return mode(Mode.RESET);
  }

  /** Switches to {@link Mode#REFUSE}: new connection attempts are refused. */
  public FaultProxy refuse() {
    return mode(Mode.REFUSE);
  }

  /**
   * Closes every currently open connection, on the client and the upstream side (a normal close:
   * the client usually sees end-of-stream), without changing the mode. New connections are
   * handled as usual.
   *
   * @return the number of connections closed
   */
  public int cutAll() {
    int cut = 0;
    for (Connection c : List.copyOf(connections)) {
      if (c.close(false)) {
        cut++;
      }
    }
    if (cut > 0) {
      log.info("{} cut {} connection(s)", this, cut);
    }
    return cut;
  }

  /** Alias of {@link #cutAll()}. */
  public int cutConnections() {
    return cutAll();
  }

  private void switchMode(Mode newMode, long newLatencyNanos) {
    switchLock.lock();
    try {
      switchModeSerialized(newMode, newLatencyNanos);
    } finally {
      switchLock.unlock();
    }
  }

  private void switchModeSerialized(Mode newMode, long newLatencyNanos) {
    Mode old;
    ServerSocket toClose = null;
    Thread toJoin = null;
    List<Connection> toReset = new ArrayList<>();
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException(this + " is closed");
      }
      old = mode;
      if (newMode.accepts() && serverSocket == null) {
        ServerSocket ss;
        try {
          ss = bind(port);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot bind 127.0.0.1:" + port + " again", e);
        }
        serverSocket = ss;
        acceptor = startThread("accept", () -> acceptLoop(ss));
      } else if (!newMode.accepts() && serverSocket != null) {
        toClose = serverSocket;
        toJoin = acceptor;
        serverSocket = null;
        acceptor = null;
      }
      if (newLatencyNanos >= 0) {
        latencyNanos = newLatencyNanos;
      }
      mode = newMode;
      for (Connection c : connections) {
        if (newMode == Mode.RESET || (newMode.forwards() && !c.hasLiveUpstream())) {
          toReset.add(c);
        }
      }
      stateChanged.signalAll();
    } finally {
      lock.unlock();
    }
    if (toClose != null) {
      stopListening(toClose, toJoin);
    }
    for (Connection c : toReset) {
      c.close(true);
    }
    if (newMode == Mode.LATENCY) {
      log.info("{} mode {} -> {} ({} ms)", this, old, newMode, latency().toMillis());
    } else {
      log.info("{} mode {} -> {}", this, old, newMode);
    }
  }

  // ---------------------------------------------------------------- counters

  /** Number of currently open proxied connections. */
  public int openConnections() {
    return connections.size();
  }

  /** Total number of client connections accepted (in every mode, including reset ones). */
  public long acceptedConnections() {
    return accepted.get();
  }

  /**
   * Total number of connections successfully opened to the upstream server, i.e. connection
   * attempts that reached the server.
   */
  public long upstreamConnections() {
    return upstreamConnects.get();
  }

  /** Total bytes forwarded from clients to the upstream server. */
  public long bytesToUpstream() {
    return bytesToUpstream.get();
  }

  /** Total bytes forwarded from the upstream server to clients. */
  public long bytesToClient() {
    return bytesToClient.get();
  }

  /** Total bytes read from either side and discarded (in {@link Mode#BLACK_HOLE}). */
  public long bytesDiscarded() {
    return bytesDiscarded.get();
  }

  // ---------------------------------------------------------------- lifecycle

  /** Whether {@link #close()} has been called. */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Stops the proxy: closes the listening socket and every connection (client and upstream side),
   * then waits up to 5 seconds for all of the proxy's threads to end (a warning is logged if any
   * does not). Idempotent; later calls return at once. Frees the port.
   */
  @Override
  public void close() {
    ServerSocket ss;
    List<Connection> open;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      ss = serverSocket;
      serverSocket = null;
      acceptor = null;
      open = List.copyOf(connections);
      stateChanged.signalAll();
    } finally {
      lock.unlock();
    }
    closeQuietly(ss);
    for (Connection c : open) {
      c.close(false);
    }
    // No thread can be started any more (startThread checks `closed` under the lock).
    long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
    boolean interrupted = false;
    for (Thread t : List.copyOf(threads)) {
      if (t == Thread.currentThread()) {
        continue;
      }
      long remaining = deadline - System.nanoTime();
      try {
        if (remaining > 0) {
          t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
        }
      } catch (InterruptedException e) {
        interrupted = true;
        break;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    List<String> alive = new ArrayList<>();
    for (Thread t : threads) {
      if (t.isAlive() && t != Thread.currentThread()) {
        alive.add(t.getName());
      }
    }
    if (!alive.isEmpty()) {
      log.warn("{} closed, but threads are still running: {}", this, alive);
    } else {
      log.info("{} closed", this);
    }
  }

  @Override
  public String toString() {
    return "FaultProxy[" + host() + ":" + port + " -> " + upstreamHost + ":" + upstreamPort + ", "
        + mode + "]";
  }

  // ---------------------------------------------------------------- internals

  /**
   * Closes the listening socket and waits for its acceptor thread to end. The wait matters: while
   * a thread is blocked in {@code accept()}, closing the socket only signals that thread, and the
   * kernel keeps listening (completing handshakes) until the thread has left {@code accept()}.
   */
  private void stopListening(ServerSocket ss, Thread acceptorThread) {
    closeQuietly(ss);
    if (acceptorThread == null || acceptorThread == Thread.currentThread()) {
      return;
    }
    try {
      acceptorThread.join(TimeUnit.NANOSECONDS.toMillis(CLOSE_WAIT_NANOS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (acceptorThread.isAlive()) {
      log.warn("{}: acceptor thread did not stop; the port may still accept", this);
    }
  }

  /**
   * Starts a daemon thread of this proxy, unless the proxy is closed. Caller holds the lock.
   *
   * @return the thread, or {@code null} if the proxy is closed
   */
  private Thread startThread(String suffix, Runnable body) {
    if (closed) {
      return null;
    }
    Thread thread =
        new Thread(
            () -> {
              try {
                body.run();
              } catch (RuntimeException | Error e) {
                log.error("{}: unexpected failure in {}", this, Thread.currentThread().getName(), e);
              } finally {
                threads.remove(Thread.currentThread());
              }
            },
            threadPrefix + suffix);
    thread.setDaemon(true);
    threads.add(thread);
    thread.start();
    return thread;
  }

  private void acceptLoop(ServerSocket ss) {
    while (true) {
      Socket socket;
      try {
        socket = ss.accept();
      } catch (IOException e) {
        if (ss.isClosed()) {
          return;
        }
        log.warn("{}: accept failed", this, e);
        continue;
      }
      onAccept(socket);
    }
  }

  private void onAccept(Socket socket) {
    setNoDelay(socket);
    boolean reset;
    lock.lock();
    try {
      if (closed) {
        reset = true;
      } else {
        accepted.incrementAndGet();
        Mode current = mode;
        reset = current == Mode.RESET;
        if (!reset) {
          Connection c = new Connection(socket, current == Mode.BLACK_HOLE);
          connections.add(c);
          startThread(c.name + "-c2u", c::runClientToUpstream);
        }
      }
    } finally {
      lock.unlock();
    }
    if (reset) {
      log.debug("{}: resetting new connection from {}", this, socket.getRemoteSocketAddress());
      abort(socket);
    }
  }

  /**
   * Waits out the latency of a chunk read at {@code readAt} while the mode is LATENCY and returns
   * the mode to apply to the chunk.
   */
  private Mode awaitLatency(Connection c, long readAt) {
    Mode current = mode;
    if (current != Mode.LATENCY) {
      return current;
    }
    lock.lock();
    try {
      while (true) {
        current = mode;
        if (current != Mode.LATENCY || closed || c.isClosed()) {
          return current;
        }
        long remaining = readAt + latencyNanos - System.nanoTime();
        if (remaining <= 0) {
          return current;
        }
        try {
          stateChanged.awaitNanos(remaining);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return current;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private enum Direction {
    TO_UPSTREAM,
    TO_CLIENT
  }

  /** One proxied connection: a client socket and (usually) an upstream socket. */
  private final class Connection {
    final String name;
    final Socket client;
    /** Accepted during BLACK_HOLE: never connected upstream. */
    final boolean blackHoled;

    volatile Socket upstream;
    /** The upstream ended while in BLACK_HOLE; the client has not been told. Guarded by lock. */
    boolean upstreamLost;

    private final AtomicBoolean done = new AtomicBoolean();
    private final AtomicInteger directionsEnded = new AtomicInteger();

    Connection(Socket client, boolean blackHoled) {
      this.name = "conn-" + connectionIds.incrementAndGet();
      this.client = client;
      this.blackHoled = blackHoled;
    }

    boolean isClosed() {
      return done.get();
    }

    /** Caller holds the lock. */
    boolean hasLiveUpstream() {
      return !blackHoled && !upstreamLost;
    }

    void runClientToUpstream() {
      if (!blackHoled && !connectUpstream()) {
        return;
      }
      pump(client, Direction.TO_UPSTREAM);
    }

    private boolean connectUpstream() {
      Socket up = new Socket();
      upstream = up;
      if (done.get()) { // closed before `upstream` was visible to close()
        closeQuietly(up);
        return false;
      }
      try {
        setNoDelay(up);
        up.connect(new InetSocketAddress(upstreamHost, upstreamPort), connectTimeoutMillis);
      } catch (IOException e) {
        if (!done.get()) {
          log.debug("{}: {} cannot connect upstream, resetting client: {}", FaultProxy.this, name,
              e.toString());
          close(true);
        }
        return false;
      }
      upstreamConnects.incrementAndGet();
      boolean started;
      lock.lock();
      try {
        started =
            !done.get() && startThread(name + "-u2c", () -> pump(up, Direction.TO_CLIENT)) != null;
      } finally {
        lock.unlock();
      }
      if (!started) {
        close(false);
        return false;
      }
      log.debug("{}: {} open ({} -> {})", FaultProxy.this, name, client.getRemoteSocketAddress(),
          up.getRemoteSocketAddress());
      return true;
    }

    private void pump(Socket from, Direction direction) {
      Socket to = direction == Direction.TO_UPSTREAM ? upstream : client;
      AtomicLong forwarded = direction == Direction.TO_UPSTREAM ? bytesToUpstream : bytesToClient;
      InputStream in;
      OutputStream out;
      try {
        in = from.getInputStream();
        out = to == null ? null : to.getOutputStream();
      } catch (IOException e) {
        close(false);
        return;
      }
      byte[] buffer = new byte[BUFFER_SIZE];
      while (true) {
        int n;
        try {
          n = in.read(buffer);
        } catch (IOException e) {
          onReadFailure(direction, e);
          return;
        }
        if (n < 0) {
          onEndOfStream(direction);
          return;
        }
        Mode current = awaitLatency(this, System.nanoTime());
        if (done.get() || FaultProxy.this.closed) {
          return; // being closed: forward nothing more
        }
        if (out == null || !current.forwards()) {
          bytesDiscarded.addAndGet(n);
          continue;
        }
        try {
          out.write(buffer, 0, n);
        } catch (IOException e) {
          if (!done.get()) {
            log.debug("{}: {} write {} failed: {}", FaultProxy.this, name, direction, e.toString());
            close(false);
          }
          return;
        }
        forwarded.addAndGet(n);
      }
    }

    private void onEndOfStream(Direction direction) {
      if (done.get()) {
        return;
      }
      if (direction == Direction.TO_UPSTREAM) {
        // The client half-closed (or closed) its end.
        if (blackHoled || !mode.forwards()) {
          close(false); // nobody left to talk to
          return;
        }
        propagateShutdown(upstream);
      } else {
        // The upstream half-closed (or closed) its end.
        lock.lock();
        try {
          if (!mode.forwards()) {
            upstreamLost = true; // swallowed; reset when the black hole ends
            return;
          }
        } finally {
          lock.unlock();
        }
        propagateShutdown(client);
      }
      if (directionsEnded.incrementAndGet() == 2) {
        close(false);
      }
    }

    private void propagateShutdown(Socket to) {
      try {
        to.shutdownOutput();
      } catch (IOException e) {
        close(false);
      }
    }

    private void onReadFailure(Direction direction, IOException e) {
      if (done.get()) {
        return; // we closed it
      }
      if (direction == Direction.TO_CLIENT) {
        lock.lock();
        try {
          if (!mode.forwards()) {
            upstreamLost = true;
            return;
          }
        } finally {
          lock.unlock();
        }
      }
      log.debug("{}: {} read {} failed, resetting: {}", FaultProxy.this, name, direction,
          e.toString());
      close(true); // propagate the reset
    }

    /**
     * Closes both sides; with {@code rst}, with a TCP reset. Idempotent.
     *
     * @return whether this call closed the connection
     */
    boolean close(boolean rst) {
      if (!done.compareAndSet(false, true)) {
        return false;
      }
      Socket up = upstream;
      if (rst) {
        abort(client);
        abort(up);
      } else {
        closeQuietly(client);
        closeQuietly(up);
      }
      lock.lock();
      try {
        connections.remove(this);
        stateChanged.signalAll(); // wake a latency wait of this connection
      } finally {
        lock.unlock();
      }
      log.debug("{}: {} {}", FaultProxy.this, name, rst ? "reset" : "closed");
      return true;
    }
  }

  private static ServerSocket bind(int port) throws IOException {
    ServerSocket ss = new ServerSocket();
    try {
      ss.setReuseAddress(true);
      ss.bind(new InetSocketAddress(LOOPBACK, port), BACKLOG);
      return ss;
    } catch (IOException e) {
      closeQuietly(ss);
      throw e;
    }
  }

  private static void setNoDelay(Socket socket) {
    try {
      socket.setTcpNoDelay(true);
    } catch (IOException ignored) {
      // not essential
    }
  }

  /** Closes with a TCP RST (SO_LINGER 0). */
  private static void abort(Socket socket) {
    if (socket == null) {
      return;
    }
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // already closed or not connected: a plain close is all we can do
    }
    closeQuietly(socket);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception ignored) {
      // closing
    }
  }

  private static InetAddress ipv4Loopback() {
    try {
      return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static int checkPort(int port, String what, int min) {
    if (port < min || port > 65535) {
      throw new IllegalArgumentException(what + " out of range: " + port);
    }
    return port;
  }

  private static Duration checkLatency(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("latency must not be negative: " + delay);
    }
    delay.toNanos(); // ArithmeticException for absurd values, before any state changes
    return delay;
  }

  private static int toMillisAtLeastOne(Duration d) {
    long ms = d.toMillis();
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ms));
  }
}
