package io.lifeline.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Finding and killing this JVM's {@code redis-server} child processes by port, and bounded polling,
 * shared by the multi-instance fixtures. Redis rewrites its process title to {@code redis-server
 * <bind>:<port> [sentinel|cluster]}, so {@code /proc/<pid>/cmdline} names the port.
 */
final class RedisProcesses {
  static final Duration KILL_WAIT = Duration.ofSeconds(10);

  private RedisProcesses() {}

  static Optional<ProcessHandle> find(int port) {
    String suffix = ":" + port;
    return ProcessHandle.current().descendants()
        .filter(ProcessHandle::isAlive)
        .filter(h -> commandLine(h).map(c -> c.contains("redis-server") && hasWordEndingWith(c, suffix))
            .orElse(false))
        .findFirst();
  }

  /** SIGKILL to the server on {@code port}; waits until the process is gone. Returns its PID. */
  static long kill(int port) {
    ProcessHandle p = find(port).orElseThrow(
        () -> new IllegalStateException("no redis-server process for port " + port));
    p.destroyForcibly();
    try {
      p.onExit().get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("redis-server " + p.pid() + " did not die", e);
    }
    return p.pid();
  }

  /** Polls {@code condition} every 20 ms until it holds; throws naming {@code what} after {@code timeout}. */
  static void await(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what);
      }
    }
  }

  private static Optional<String> commandLine(ProcessHandle h) {
    Path proc = Path.of("/proc", Long.toString(h.pid()), "cmdline");
    try {
      if (Files.isReadable(proc)) {
        return Optional.of(new String(Files.readAllBytes(proc), StandardCharsets.UTF_8).replace('\0', ' '));
      }
    } catch (IOException ignored) {
      // fall through to the JDK's view
    }
    return h.info().commandLine();
  }

  private static boolean hasWordEndingWith(String commandLine, String suffix) {
    for (String w : commandLine.trim().split("\\s+")) {
      if (w.endsWith(suffix)) {
        return true;
      }
    }
    return false;
  }
}
