package io.lifeline.core.health;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A health check. Implement {@link #check()} for a blocking check (return a result or throw: a
 * thrown exception means DOWN), or override {@link #checkAsync()} for a non-blocking one. Either way
 * the manager runs it off its scheduler thread and bounds it with the per-check timeout.
 */
@FunctionalInterface
public interface HealthCheck {

  CheckResult check() throws Exception;

  /** Non-blocking variant; the default wraps {@link #check()}. */
  default CompletionStage<CheckResult> checkAsync() {
    try {
      return CompletableFuture.completedFuture(check());
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** True if this check is natively asynchronous (overrides {@link #checkAsync()}). */
  default boolean isAsync() {
    return false;
  }

  /**
   * A check from any callable: UP with the callable's result as detail {@code result} when it returns
   * (a returned {@link CheckResult} is used as is), DOWN when it throws.
   */
  static HealthCheck of(java.util.concurrent.Callable<?> probe) {
    java.util.Objects.requireNonNull(probe, "probe");
    return () -> {
      Object r = probe.call();
      if (r instanceof CheckResult) {
        return (CheckResult) r;
      }
      return r == null ? CheckResult.up() : CheckResult.up(java.util.Map.of("result", String.valueOf(r)));
    };
  }

  /**
   * A TCP connect check: UP when a connection to {@code host:port} opens within {@code timeout}
   * (detail {@code address}), DOWN otherwise. Proves the port answers, not that the protocol works.
   */
  static HealthCheck tcp(String host, int port, java.time.Duration timeout) {
    java.util.Objects.requireNonNull(host, "host");
    if (port < 1 || port > 65_535) {
      throw new io.lifeline.core.ConfigurationException("port", port, "must be between 1 and 65535");
    }
    int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    String address = host + ":" + port;
    return () -> {
      try (java.net.Socket s = new java.net.Socket()) {
        s.connect(new java.net.InetSocketAddress(host, port), millis);
        return CheckResult.up(java.util.Map.of("address", address));
      }
    };
  }

  /** A check from a supplier of stages, e.g. {@code HealthCheck.async(() -> client.ping())}. */
  static HealthCheck async(java.util.function.Supplier<? extends CompletionStage<CheckResult>> check) {
    return new HealthCheck() {
      @Override
      public CheckResult check() throws Exception {
        return check.get().toCompletableFuture().get();
      }

      @Override
      public CompletionStage<CheckResult> checkAsync() {
        return check.get();
      }

      @Override
      public boolean isAsync() {
        return true;
      }
    };
  }
}
