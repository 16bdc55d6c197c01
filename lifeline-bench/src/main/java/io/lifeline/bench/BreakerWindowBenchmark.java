package io.lifeline.bench;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.lifeline.core.CircuitBreaker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
 * The failure-rate breaker alone, on equal terms with Resilience4j's: both count-based, window 100,
 * failure-rate threshold 50 %, minimum 100 calls, each call one permit plus one outcome through the
 * breaker's own API (what each library's decorators do around a call, without the decorator).
 *
 * <ul>
 *   <li>{@code lifeline} / {@code resilience4j}: every call succeeds (the success path).
 *   <li>{@code lifelineMixed} / {@code resilience4jMixed}: every 10th call of each thread fails (10 %,
 *       below the threshold: the breaker stays CLOSED and every outcome goes through the window).
 *   <li>{@code lifelineTimed} / {@code lifelineTimedMixed}: Lifeline with slow-call detection on
 *       (60 s, 100 %: Resilience4j's defaults). Resilience4j always reads the clock twice per call
 *       (its slow-call check cannot be switched off), Lifeline only when slow-call detection is set,
 *       so these show the price of the clock reads on Lifeline's side.
 * </ul>
 *
 * <p>The breakers are {@link Scope#Benchmark}: with {@code -t 2} both threads share one, as two
 * request threads calling one dependency would. Resilience4j's window is its default {@code
 * SYNCHRONIZED} strategy. {@code -prof gc} reports bytes per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class BreakerWindowBenchmark {
  private static final RuntimeException FAILURE = new RuntimeException("injected", null, false, false) {};

  private CircuitBreaker lifeline;
  private CircuitBreaker lifelineTimed;
  private io.github.resilience4j.circuitbreaker.CircuitBreaker resilience4j;

  /** Each thread's call counter, for its 1-in-10 failures. */
  @State(Scope.Thread)
  public static class Calls {
    int n;

    boolean nextFails() {
      return ++n % 10 == 0;
    }
  }

  private static CircuitBreaker.Builder lifelineWindow(String name) {
    return CircuitBreaker.builder(name).withSlidingWindowSize(100).withMinimumNumberOfCalls(100)
        .withFailureRateThreshold(50);
  }

  @Setup(Level.Trial)
  public void setup() {
    lifeline = lifelineWindow("bench").build();
    lifelineTimed = lifelineWindow("bench-timed").withSlowCallDurationThreshold(Duration.ofSeconds(60))
        .withSlowCallRateThreshold(100).build();
    resilience4j = io.github.resilience4j.circuitbreaker.CircuitBreaker.of("bench",
        CircuitBreakerConfig.custom().slidingWindowType(SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(100).minimumNumberOfCalls(100).failureRateThreshold(50).build());
  }

  @TearDown(Level.Trial)
  public void checkStillClosed() {
    // a tripped breaker would have measured the rejection path
    if (lifeline.state() != CircuitBreaker.State.CLOSED
        || lifelineTimed.state() != CircuitBreaker.State.CLOSED
        || resilience4j.getState() != io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED) {
      throw new IllegalStateException("a breaker left CLOSED: " + lifeline + ", " + lifelineTimed
          + ", " + resilience4j.getState());
    }
  }

  private static boolean lifelineCall(CircuitBreaker b, boolean fails) {
    long permit = b.tryAcquirePermission();
    if (permit < 0) {
      return false;
    }
    long start = b.startTime();
    if (fails) {
      b.onFailure(permit, start);
    } else {
      b.onSuccess(permit, start);
    }
    return true;
  }

  /** What {@code CircuitBreaker.decorateSupplier} does around a call, minus the lambda. */
  private boolean resilience4jCall(boolean fails) {
    if (!resilience4j.tryAcquirePermission()) {
      return false;
    }
    long start = resilience4j.getCurrentTimestamp();
    long duration = resilience4j.getCurrentTimestamp() - start;
    if (fails) {
      resilience4j.onError(duration, resilience4j.getTimestampUnit(), FAILURE);
    } else {
      resilience4j.onSuccess(duration, resilience4j.getTimestampUnit());
    }
    return true;
  }

  @Benchmark
  public boolean lifeline() {
    return lifelineCall(lifeline, false);
  }

  @Benchmark
  public boolean resilience4j() {
    return resilience4jCall(false);
  }

  @Benchmark
  public boolean lifelineMixed(Calls calls) {
    return lifelineCall(lifeline, calls.nextFails());
  }

  @Benchmark
  public boolean resilience4jMixed(Calls calls) {
    return resilience4jCall(calls.nextFails());
  }

  @Benchmark
  public boolean lifelineTimed() {
    return lifelineCall(lifelineTimed, false);
  }

  @Benchmark
  public boolean lifelineTimedMixed(Calls calls) {
    return lifelineCall(lifelineTimed, calls.nextFails());
  }
}
