package io.lifeline.bench;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryRegistry;
import io.lifeline.core.Guard;
import io.lifeline.core.RetryConfig;
import io.lifeline.micrometer.LifelineMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
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
 * What metrics cost on the success path of a guarded call, Lifeline against Resilience4j, each
 * instrumented the way its users would, on a {@link PrometheusMeterRegistry}:
 *
 * <ul>
 *   <li>{@code lifeline}: a Guard (retry + breaker + budget) with {@code
 *       LifelineMetrics.bindTo(registry)}: each call records {@code lifeline.calls} and the
 *       {@code lifeline.call.duration} percentile histogram.
 *   <li>{@code resilience4j}: {@code Retry(CircuitBreaker(op))} from registries bound with {@code
 *       TaggedRetryMetrics} and {@code TaggedCircuitBreakerMetrics} (which time every call through
 *       the breaker's event publisher).
 *   <li>{@code lifelineUnobserved}, {@code resilience4jUnobserved}: the same without metrics, for
 *       the cost of the metrics alone.
 *   <li>{@code scrapeLifeline100}, {@code scrapeResilience4j100}: rendering the Prometheus text of
 *       a registry holding 100 such guards (each called once), as {@code /metrics} would.
 * </ul>
 *
 * State is {@link Scope#Benchmark}: with {@code -t 2} both threads share one guard. Run with
 * {@code -prof gc} for B/op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class MetricsOverheadBenchmark {
  private Object value;
  private Callable<Object> callable;

  private Guard unobservedGuard;
  private Supplier<Object> resilience4j;
  private Supplier<Object> resilience4jUnobserved;


  @Setup(Level.Trial)
  public void setup() {
    value = new Object();
    callable = () -> value;
    Supplier<Object> supplier = () -> value;

    unobservedGuard = Guard.builder("unobserved").retryConfig(RetryConfig.defaults())
        .instrument(false).build();

    PrometheusMeterRegistry r4jRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
    RetryRegistry retries = RetryRegistry.ofDefaults();
    TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(r4jRegistry);
    TaggedRetryMetrics.ofRetryRegistry(retries).bindTo(r4jRegistry);
    resilience4j = Retry.decorateSupplier(retries.retry("bench"),
        CircuitBreaker.decorateSupplier(breakers.circuitBreaker("bench"), supplier));
    resilience4jUnobserved = Retry.decorateSupplier(Retry.ofDefaults("plain"),
        CircuitBreaker.decorateSupplier(CircuitBreaker.ofDefaults("plain"), supplier));

  }

  /**
   * Lifeline bound with its defaults to its own registry. A state of its own (not the class's):
   * {@code LifelineMetrics.bindTo} instruments every Guard in the JVM, and JMH builds only the
   * states a benchmark uses, so each fork has exactly one binding.
   */
  @State(Scope.Benchmark)
  public static class Bound {
    Guard guard;
    LifelineMetrics binding;

    @Setup(Level.Trial)
    public void setup() {
      binding = LifelineMetrics.bindTo(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
      guard = Guard.of("bench", RetryConfig.defaults());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      closeChecked(guard, binding);
    }
  }

  /**
   * Equal terms, one way: Lifeline with its {@code lifeline.call.duration} histogram turned off by
   * a MeterFilter, like Resilience4j's tagged timers, which publish none.
   */
  @State(Scope.Benchmark)
  public static class BoundWithoutHistogram {
    Guard guard;
    LifelineMetrics binding;

    @Setup(Level.Trial)
    public void setup() {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      registry.config().meterFilter(new MeterFilter() {
        @Override
        public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
          return id.getName().startsWith("lifeline.")
              ? DistributionStatisticConfig.builder().percentilesHistogram(false)
                  .serviceLevelObjectives(new double[0]).build().merge(config)
              : config;
        }
      });
      binding = LifelineMetrics.bindTo(registry);
      guard = Guard.of("bench", RetryConfig.defaults());
      guard.call(() -> "first");
      if (registry.scrape().contains("lifeline_call_duration_seconds_bucket")) {
        throw new IllegalStateException("the filter left the histogram on");
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      closeChecked(guard, binding);
    }
  }

  /**
   * Equal terms, the other way: Resilience4j's tagged timers given Lifeline's 16 histogram buckets
   * by a MeterFilter, so each call records a histogram sample as Lifeline's default does.
   */
  @State(Scope.Benchmark)
  public static class Resilience4jWithHistogram {
    Supplier<Object> decorated;

    @Setup(Level.Trial)
    public void setup() {
      Object value = new Object();
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      double[] slos = new double[] {250e3, 500e3, 1e6, 2.5e6, 5e6, 10e6, 25e6, 50e6, 100e6, 250e6,
          500e6, 1e9, 2.5e9, 5e9, 10e9, 30e9}; // nanoseconds, as Lifeline's buckets
      registry.config().meterFilter(new MeterFilter() {
        @Override
        public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
          return id.getName().startsWith("resilience4j.") && id.getType() == Meter.Type.TIMER
              ? DistributionStatisticConfig.builder().serviceLevelObjectives(slos).build().merge(config)
              : config;
        }
      });
      CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
      RetryRegistry retries = RetryRegistry.ofDefaults();
      TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
      TaggedRetryMetrics.ofRetryRegistry(retries).bindTo(registry);
      decorated = Retry.decorateSupplier(retries.retry("bench"),
          CircuitBreaker.decorateSupplier(breakers.circuitBreaker("bench"), () -> value));
      decorated.get();
      if (!registry.scrape().contains("resilience4j_circuitbreaker_calls_seconds_bucket")) {
        throw new IllegalStateException("the filter gave Resilience4j's timer no histogram");
      }
    }
  }

  static void closeChecked(Guard guard, LifelineMetrics binding) {
    if (guard.circuitBreaker().state() != io.lifeline.core.CircuitBreaker.State.CLOSED) {
      throw new IllegalStateException("lifeline breaker left CLOSED: " + guard);
    }
    binding.close();
  }

  @Benchmark
  public Object lifeline(Bound b) {
    return b.guard.call(callable);
  }

  @Benchmark
  public Object lifelineWithoutHistogram(BoundWithoutHistogram b) {
    return b.guard.call(callable);
  }

  @Benchmark
  public Object resilience4jWithHistogram(Resilience4jWithHistogram r) {
    return r.decorated.get();
  }

  @Benchmark
  public Object resilience4j() {
    return resilience4j.get();
  }

  @Benchmark
  public Object lifelineUnobserved() {
    return unobservedGuard.call(callable);
  }

  @Benchmark
  public Object resilience4jUnobserved() {
    return resilience4jUnobserved.get();
  }

  /**
   * 100 guards (each called once) in one registry, and 100 Resilience4j Retry + CircuitBreaker
   * pairs (each called once) in another. Its own state: JMH builds it only for the scrape
   * benchmarks, so the call benchmarks above record into one registry only.
   */
  @State(Scope.Benchmark)
  public static class Hundred {
    PrometheusMeterRegistry lifeline;
    LifelineMetrics binding;
    final List<Guard> guards = new ArrayList<>();
    PrometheusMeterRegistry resilience4j;

    @Setup(Level.Trial)
    public void setup() {
      Object value = new Object();
      lifeline = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      binding = LifelineMetrics.bindTo(lifeline);
      resilience4j = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
      RetryRegistry retries = RetryRegistry.ofDefaults();
      TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(resilience4j);
      TaggedRetryMetrics.ofRetryRegistry(retries).bindTo(resilience4j);
      for (int i = 0; i < 100; i++) {
        Guard g = Guard.of("service-" + i, RetryConfig.defaults());
        g.call(() -> value);
        guards.add(g);
        Retry.decorateSupplier(retries.retry("service-" + i),
            CircuitBreaker.decorateSupplier(breakers.circuitBreaker("service-" + i), () -> value)).get();
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      binding.close();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public String scrapeLifeline100(Hundred h) {
    return h.lifeline.scrape();
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public String scrapeResilience4j100(Hundred h) {
    return h.resilience4j.scrape();
  }
}
