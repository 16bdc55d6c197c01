package io.lifeline.bench;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.function.CheckedSupplier;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.retry.Retry;
import io.lifeline.core.Guard;
import io.lifeline.core.RetryConfig;
import java.util.concurrent.Callable;
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
 * Success path of one guarded call: circuit breaker + retry around an operation that returns a
 * field. Every guard/decorator/executor and every lambda is built once in {@link #setup()}, so each
 * op measures only the per-call cost of the library (time and allocation, see {@code -prof gc}).
 *
 * <p>State is {@link Scope#Benchmark}: with {@code -t 2} both threads share one guard, as two
 * request threads calling the same dependency would. Run the thread counts with {@code -t 1} and
 * {@code -t 2} (see {@code bench/run.sh}).
 *
 * <ul>
 *   <li>{@code baseline}: the bare operation.
 *   <li>{@code lifeline}: {@code Guard.of("bench", RetryConfig.defaults()).call(op)}.
 *   <li>{@code lifelineFailureRate}: the same Guard with the failure-rate breaker on Resilience4j's
 *       default terms (count-based window 100, 50 %, minimum 100 calls): the like-for-like figure
 *       against {@code resilience4j} (Lifeline's default breaker counts consecutive failures).
 *   <li>{@code resilience4j}: {@code Retry(CircuitBreaker(op))}, both {@code ofDefaults}
 *       (COUNT_BASED window of 100, SYNCHRONIZED sliding window).
 *   <li>{@code resilience4jLockFree}: same, breaker with {@code
 *       slidingWindowSynchronizationStrategy(LOCK_FREE)}.
 *   <li>{@code failsafe}: {@code Failsafe.with(RetryPolicy.ofDefaults(), CircuitBreaker.ofDefaults())}
 *       (first policy outermost: retry around breaker).
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 5, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class GuardBenchmark {

  /** What the guarded operation returns: a field read, nothing to allocate. */
  private Object value;

  private Callable<Object> callable;
  private Supplier<Object> supplier;
  private CheckedSupplier<Object> checkedSupplier;

  private Guard guard;
  private Guard guardFailureRate;
  private Supplier<Object> resilience4j;
  private Supplier<Object> resilience4jLockFree;
  private FailsafeExecutor<Object> failsafe;

  @Setup(Level.Trial)
  public void setup() {
    value = new Object();
    callable = () -> value;
    supplier = () -> value;
    checkedSupplier = () -> value;

    guard = Guard.of("bench", RetryConfig.defaults());
    guardFailureRate = Guard.of("bench-rate", RetryConfig.builder()
        .circuitBreakerFailureRateThreshold(50).circuitBreakerSlidingWindowSize(100)
        .circuitBreakerMinimumNumberOfCalls(100).build());

    resilience4j = Retry.decorateSupplier(Retry.ofDefaults("r"),
        CircuitBreaker.decorateSupplier(CircuitBreaker.ofDefaults("b"), supplier));

    CircuitBreakerConfig lockFree = CircuitBreakerConfig.custom()
        .slidingWindowSynchronizationStrategy(SlidingWindowSynchronizationStrategy.LOCK_FREE)
        .build();
    resilience4jLockFree = Retry.decorateSupplier(Retry.ofDefaults("r"),
        CircuitBreaker.decorateSupplier(CircuitBreaker.of("b", lockFree), supplier));

    failsafe = Failsafe.with(RetryPolicy.<Object>ofDefaults(),
        dev.failsafe.CircuitBreaker.<Object>ofDefaults());
  }

  @TearDown(Level.Trial)
  public void checkStillClosed() {
    // A benchmark that tripped a breaker would be measuring the rejection path instead.
    for (Guard g : new Guard[] {guard, guardFailureRate}) {
      if (g.circuitBreaker().state() != io.lifeline.core.CircuitBreaker.State.CLOSED) {
        throw new IllegalStateException("lifeline breaker left CLOSED: " + g);
      }
    }
  }

  @Benchmark
  public Object baseline() throws Exception {
    return callable.call();
  }

  @Benchmark
  public Object lifeline() {
    return guard.call(callable);
  }

  @Benchmark
  public Object lifelineFailureRate() {
    return guardFailureRate.call(callable);
  }

  @Benchmark
  public Object resilience4j() {
    return resilience4j.get();
  }

  @Benchmark
  public Object resilience4jLockFree() {
    return resilience4jLockFree.get();
  }

  @Benchmark
  public Object failsafe() {
    return failsafe.get(checkedSupplier);
  }
}
