package io.lifeline.bench;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.function.CheckedSupplier;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.retry.Retry;
import io.lifeline.core.CircuitBreaker;
import io.lifeline.core.Guard;
import io.lifeline.core.RetryConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Success path of one async guarded call (retry + circuit breaker) on an operation whose stage is
 * already completed, so each op measures the library's own per-call cost; each op waits for the
 * returned stage ({@code join}), as a caller would. Breakers on equal terms: count-based window
 * 100, 50 %, minimum 100 calls on both Lifeline's and Resilience4j's side (Failsafe's breaker has no
 * minimum-calls window of that kind: its defaults).
 *
 * <ul>
 *   <li>{@code lifeline}: {@code Guard.callAsync} with {@code RetryConfig.defaults()} and the
 *       failure-rate breaker.
 *   <li>{@code resilience4j}: {@code Retry.decorateCompletionStage(retry, scheduler,
 *       CircuitBreaker.decorateCompletionStage(breaker, op))} — exactly what {@code
 *       Decorators.ofCompletionStage(op).withCircuitBreaker(breaker).withRetry(retry, scheduler)} of
 *       {@code resilience4j-all} builds (the module is not a dependency here).
 *   <li>{@code failsafe}: {@code Failsafe.with(RetryPolicy.ofDefaults(),
 *       CircuitBreaker.ofDefaults()).getStageAsync(op)}: Failsafe runs the supplier on its executor
 *       (the common pool), which is its design, so its figure includes that hand-off.
 *   <li>{@code failsafeDirect}: the same with {@code .with(Runnable::run)}, so the supplier runs on
 *       the calling thread as it does in the two others: the like-for-like figure.
 * </ul>
 *
 * <p>State is {@link Scope#Benchmark}: with {@code -t 2} both threads share one guard.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class AsyncGuardBenchmark {
  private Object value;
  private CompletableFuture<Object> done;
  private Supplier<CompletionStage<Object>> op;
  private CheckedSupplier<CompletionStage<Object>> checkedOp;

  private Guard guard;
  private ScheduledExecutorService r4jScheduler;
  private Supplier<CompletionStage<Object>> resilience4j;
  private FailsafeExecutor<Object> failsafe;
  private FailsafeExecutor<Object> failsafeDirect;

  @Setup(Level.Trial)
  public void setup() {
    value = new Object();
    done = CompletableFuture.completedFuture(value);
    op = () -> done;
    checkedOp = () -> done;

    CircuitBreaker breaker = CircuitBreaker.builder("bench").withSlidingWindowSize(100)
        .withMinimumNumberOfCalls(100).withFailureRateThreshold(50).build();
    guard = Guard.builder("bench").retryConfig(RetryConfig.defaults()).circuitBreaker(breaker).build();

    r4jScheduler = Executors.newSingleThreadScheduledExecutor();
    io.github.resilience4j.circuitbreaker.CircuitBreaker r4jBreaker =
        io.github.resilience4j.circuitbreaker.CircuitBreaker.of("bench", CircuitBreakerConfig.custom()
            .slidingWindowSize(100).minimumNumberOfCalls(100).failureRateThreshold(50).build());
    resilience4j = Retry.decorateCompletionStage(Retry.ofDefaults("bench"), r4jScheduler,
        io.github.resilience4j.circuitbreaker.CircuitBreaker.decorateCompletionStage(r4jBreaker, op));

    failsafe = Failsafe.with(RetryPolicy.<Object>ofDefaults(),
        dev.failsafe.CircuitBreaker.<Object>ofDefaults());
    failsafeDirect = failsafe.with((java.util.concurrent.Executor) Runnable::run);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    r4jScheduler.shutdownNow();
    if (guard.circuitBreaker().state() != CircuitBreaker.State.CLOSED) {
      throw new IllegalStateException("lifeline breaker left CLOSED: " + guard);
    }
  }

  @Benchmark
  public Object lifeline() {
    return guard.callAsync(op).join();
  }

  @Benchmark
  public Object resilience4j() {
    return resilience4j.get().toCompletableFuture().join();
  }

  @Benchmark
  public Object failsafe() {
    return failsafe.getStageAsync(checkedOp).join();
  }

  @Benchmark
  public Object failsafeDirect() {
    return failsafeDirect.getStageAsync(checkedOp).join();
  }
}
