package io.lifeline.demo;

import io.lifeline.testkit.FaultProxy;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One backend of the demo: a real server on loopback behind the testkit's {@link FaultProxy}, which
 * the application always goes through (so "black hole" and "latency" are real network faults).
 * Chaos verbs: {@link #kill()} (SIGKILL where the server is a process), {@link #stop()}, {@link
 * #blackHole()}, {@link #latency(Duration)} and {@link #restart()} (back to normal: started again if
 * down, proxy passing through). Thread-safe (one lock per backend).
 */
abstract class Backend implements AutoCloseable {
  /** What the dashboard's buttons offer for every backend. */
  static final List<String> ACTIONS = List.of("kill", "restart", "blackhole", "latency");
  static final Duration CHAOS_LATENCY = Duration.ofMillis(300);

  private final String name;
  protected final ReentrantLock lock = new ReentrantLock();
  private volatile String condition = "not started";
  private volatile boolean up;
  protected FaultProxy proxy;

  Backend(String name) {
    this.name = name;
  }

  final String name() {
    return name;
  }

  /** "running", "killed", "stopped", "black hole", "latency 300 ms", "failed to start: …". */
  final String condition() {
    return condition;
  }

  final boolean isUp() {
    return up;
  }

  /** Starts the server and its proxy. */
  final void start() throws Exception {
    lock.lock();
    try {
      doStart();
      up = true;
      condition = "running";
    } finally {
      lock.unlock();
    }
  }

  /**
   * Called before {@link #start()}, on the caller's thread: a backend that starts in the background
   * ({@link #startsInBackground()}) fixes its address here (port and proxy), so the application and
   * the dashboard can start before it is up.
   */
  void prepare() throws Exception {}

  /** True when the demo need not wait for this backend before the dashboard is ready. */
  boolean startsInBackground() {
    return false;
  }

  /** Marks it failed: the application's address then points at a closed port. */
  final void failed(String why) {
    condition = "failed to start: " + why;
  }

  /** The address the application uses: the proxy's when started, a closed port otherwise. */
  abstract String clientAddress();

  /** The server processes this backend started (empty when in-process). */
  abstract List<ProcessHandle> processes();

  protected abstract void doStart() throws Exception;

  protected abstract void doKill() throws Exception;

  protected abstract void doStop() throws Exception;

  protected abstract void doRestart() throws Exception;

  protected abstract void doClose();

  /** One-line description of how {@link #kill()} works for this server. */
  String killHow() {
    return "SIGKILL";
  }

  final String kill() throws Exception {
    return change(() -> {
      doKill();
      up = false;
      condition = "killed";
    }, "killed (" + killHow() + ")");
  }

  final String stop() throws Exception {
    return change(() -> {
      doStop();
      up = false;
      condition = "stopped";
    }, "stopped");
  }

  final String blackHole() throws Exception {
    return change(() -> {
      requireProxy().blackHole();
      condition = "black hole";
    }, "black-holed (the proxy swallows every byte)");
  }

  final String latency(Duration d) throws Exception {
    return change(() -> {
      requireProxy().latency(d);
      condition = "latency " + d.toMillis() + " ms";
    }, "slowed by " + d.toMillis() + " ms per chunk");
  }

  /** Back to normal: started again if killed or stopped, the proxy passing bytes through. */
  final String restart() throws Exception {
    return change(() -> {
      if (!up) {
        doRestart();
        up = true;
      }
      if (proxy != null) {
        proxy.passThrough();
      }
      condition = "running";
    }, "restarted");
  }

  private FaultProxy requireProxy() {
    if (proxy == null) {
      throw new IllegalStateException(name + " did not start; nothing to break");
    }
    return proxy;
  }

  private String change(ThrowingRunnable r, String done) throws Exception {
    lock.lock();
    try {
      if (condition.startsWith("failed to start")) {
        throw new IllegalStateException(name + " " + condition);
      }
      r.run();
      return name + " " + done;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public final void close() {
    lock.lock();
    try {
      if (proxy != null) {
        proxy.close();
        proxy = null;
      }
      doClose();
      up = false;
      condition = "closed";
    } finally {
      lock.unlock();
    }
  }

  static Optional<ProcessHandle> alive(Optional<ProcessHandle> p) {
    return p.filter(ProcessHandle::isAlive);
  }

  /** A port nothing listens on (for a backend that could not start). */
  static int closedPort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      return 1;
    }
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
