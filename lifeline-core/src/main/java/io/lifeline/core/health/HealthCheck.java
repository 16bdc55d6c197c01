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
