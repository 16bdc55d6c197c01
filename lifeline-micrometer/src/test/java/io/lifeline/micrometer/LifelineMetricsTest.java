package io.lifeline.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.CallTimeoutException;
import io.lifeline.core.CircuitOpenException;
import io.lifeline.core.ConnectionPool;
import io.lifeline.core.Guard;
import io.lifeline.core.Lease;
import io.lifeline.core.PoolTimeoutException;
import io.lifeline.core.RetriesExhaustedException;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceType;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LifelineMetrics} on a real {@link PrometheusMeterRegistry} for the core components (Guard,
 * pool, health manager): every outcome is its own series, components built after the binding are
 * metered, closing a component or the binding removes its series.
 */
class LifelineMetricsTest {
  private PrometheusMeterRegistry registry;
  private LifelineMetrics metrics;

  @BeforeEach
  void bind() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics = LifelineMetrics.bindTo(registry);
  }

  @AfterEach
  void unbind() {
    metrics.close();
  }

  private Scrape scrape() {
    return new Scrape(registry.scrape());
  }

  private static RetryConfig fast(int maxRetries) {
    return RetryConfig.builder().maxRetries(maxRetries).baseDelay(Duration.ofMillis(1))
        .maxDelay(Duration.ofMillis(2)).circuitBreakerThreshold(3).build();
  }

  @Test
  void everyOutcomeOfAGuardBuiltAfterTheBindingIsCountedAndTimed() {
    Guard guard = Guard.builder("orders").retryConfig(fast(1)).backend("orders-api").build();
    assertThat(guard.call(() -> "ok")).isEqualTo("ok");
    assertThatThrownBy(() -> guard.call(() -> {
      throw new IllegalArgumentException("bad input");
    })).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> guard.call(() -> {
      throw new IOException("down");
    })).isInstanceOf(RetriesExhaustedException.class); // 2 attempts
    assertThatThrownBy(() -> guard.call(() -> {
      throw new IOException("down");
    })).isInstanceOf(CircuitOpenException.class); // the 3rd failure opens it; the retry is refused
    assertThatThrownBy(() -> guard.call(() -> "never")).isInstanceOf(CircuitOpenException.class);

    Scrape s = scrape();
    String[] g = {"service", "orders", "backend", "orders-api"};
    assertThat(s.sum("lifeline_calls_total", with(g, "outcome", "success"))).isEqualTo(1);
    assertThat(s.sum("lifeline_calls_total", with(g, "outcome", "caller_error"))).isEqualTo(1);
    assertThat(s.sum("lifeline_calls_total", with(g, "outcome", "failure"))).isEqualTo(1);
    assertThat(s.sum("lifeline_calls_total", with(g, "outcome", "rejected_by_breaker"))).isEqualTo(2);
    assertThat(s.sum("lifeline_call_duration_seconds_count", with(g, "outcome", "success"))).isEqualTo(1);
    assertThat(s.find("lifeline_call_duration_seconds_bucket", with(g, "outcome", "success")))
        .as("a percentile histogram usable with histogram_quantile").hasSizeGreaterThan(10);
    assertThat(s.sum("lifeline_attempts_total", with(g, "outcome", "failure"))).isEqualTo(3);
    assertThat(s.sum("lifeline_retries_total", g)).as("call 2 retried once; call 3 found the breaker open").isEqualTo(1);
    assertThat(s.sum("lifeline_breaker_state", with(g, "state", "open"))).isEqualTo(1);
    assertThat(s.sum("lifeline_breaker_state", with(g, "state", "closed"))).isZero();
    await().atMost(Duration.ofSeconds(5)).until(() ->
        scrape().sum("lifeline_breaker_transitions_total", with(g, "to", "open")) == 1);
  }

  @Test
  void budgetRefusalsAndDeadlinesHaveTheirOwnOutcome() {
    Guard noBudget = Guard.builder("nobudget").retryConfig(fast(3).toBuilder()
        .retryBudgetRatio(0).retryBudgetMinPerSecond(0).build()).build();
    assertThatThrownBy(() -> noBudget.call(() -> {
      throw new IOException("down");
    })).isInstanceOf(RetriesExhaustedException.class);
    Guard deadline = Guard.builder("deadline").retryConfig(fast(3).toBuilder()
        .baseDelay(Duration.ofSeconds(5)).maxDelay(Duration.ofSeconds(5)).jitter(false).build())
        .timeout(Duration.ofMillis(200)).build();
    assertThatThrownBy(() -> deadline.call(() -> {
      throw new IOException("down");
    })).isInstanceOf(CallTimeoutException.class); // the 5 s backoff would pass the deadline

    Scrape s = scrape();
    assertThat(s.sum("lifeline_calls_total", "service", "nobudget", "outcome", "rejected_by_budget"))
        .isEqualTo(1);
    assertThat(s.sum("lifeline_retry_budget_rejections_total", "service", "nobudget")).isEqualTo(1);
    assertThat(s.sum("lifeline_calls_total", "service", "deadline", "outcome", "timeout")).isEqualTo(1);
    assertThat(s.find("lifeline_calls_total", "service", "deadline").get(0).labels())
        .containsEntry("backend", Guard.DEFAULT_BACKEND);
  }

  @Test
  void asyncCallsAreCountedLikeSyncOnes() {
    Guard guard = Guard.builder("async").retryConfig(fast(2)).build();
    AtomicInteger n = new AtomicInteger();
    assertThat(guard.callAsync(() -> n.incrementAndGet() < 2
        ? java.util.concurrent.CompletableFuture.failedFuture(new IOException("once"))
        : java.util.concurrent.CompletableFuture.completedFuture("ok")).join()).isEqualTo("ok");
    await().atMost(Duration.ofSeconds(5)).until(() ->
        scrape().sum("lifeline_calls_total", "service", "async", "outcome", "success") == 1);
    assertThat(scrape().sum("lifeline_retries_total", "service", "async")).isEqualTo(1);
  }

  @Test
  void poolMetersShowActiveIdlePendingTimeoutsAndAcquireTime() {
    try (ConnectionPool<Object> pool = ConnectionPool.builder(Object::new).name("clients").size(1)
        .acquireTimeout(Duration.ofMillis(20)).build()) {
      Lease<Object> lease = pool.acquire();
      assertThatThrownBy(pool::acquire).isInstanceOf(PoolTimeoutException.class);
      Scrape s = scrape();
      assertThat(s.sum("lifeline_pool_active", "pool", "clients")).isEqualTo(1);
      assertThat(s.sum("lifeline_pool_idle", "pool", "clients")).isZero();
      assertThat(s.sum("lifeline_pool_size", "pool", "clients")).isEqualTo(1);
      assertThat(s.sum("lifeline_pool_acquire_timeouts_total", "pool", "clients")).isEqualTo(1);
      assertThat(s.sum("lifeline_pool_acquire_duration_seconds_count", "pool", "clients",
          "outcome", "acquired")).isEqualTo(1);
      assertThat(s.sum("lifeline_pool_acquire_duration_seconds_count", "pool", "clients",
          "outcome", "timeout")).isEqualTo(1);
      assertThat(s.find("lifeline_pool_pending", "pool", "clients")).hasSize(1);
      lease.close();
    }
    assertThat(scrape().find("lifeline_pool_size", "pool", "clients"))
        .as("a closed pool's series are gone").isEmpty();
  }

  @Test
  void healthManagerShowsStatusPerServiceFeaturesAndCheckDurations() {
    AtomicBoolean up = new AtomicBoolean(true);
    try (ConnectionHealthManager health = ConnectionHealthManager.builder()
        .checkInterval(Duration.ofSeconds(60)).unavailableThreshold(1).build()) {
      health.register("search", ServiceType.HTTP, () -> up.get() ? CheckResult.up()
          : CheckResult.down("refused"), Set.of("search-box"));
      health.checkNow("search");
      Scrape s = scrape();
      assertThat(s.sum("lifeline_health_status", "service", "search", "status", "healthy")).isEqualTo(1);
      assertThat(s.sum("lifeline_health_status", "service", "search")).as("one status at a time").isEqualTo(1);
      assertThat(s.find("lifeline_health_status", "service", "search")).hasSize(4);
      assertThat(s.sum("lifeline_health_feature_available", "feature", "search-box")).isEqualTo(1);
      assertThat(s.sum("lifeline_health_check_duration_seconds_count", "outcome", "up")).isPositive();
      assertThat(s.find("lifeline_health_checks_not_started_total")).isNotEmpty();
      assertThat(s.find("lifeline_health_checks_abandoned")).isNotEmpty();

      up.set(false);
      health.checkNow("search");
      s = scrape();
      assertThat(s.sum("lifeline_health_status", "service", "search", "status", "unavailable")).isEqualTo(1);
      assertThat(s.sum("lifeline_health_feature_available", "feature", "search-box")).isZero();

      health.unregister("search");
      assertThat(scrape().find("lifeline_health_status", "service", "search"))
          .as("an unregistered service's series are gone").isEmpty();
    }
  }

  @Test
  void registeringMoreServicesKeepsTheMetersAlreadyThereInsteadOfRegisteringThemTwice() {
    // Micrometer reports a second registration of a function counter or gauge ("already registered
    // ... the registration will be ignored": WARN the first time in a JVM, DEBUG later) on its
    // registry's logger; listen to all of it (logback is the tests' SLF4J provider)
    ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger)
        org.slf4j.LoggerFactory.getLogger("io.micrometer.core.instrument.MeterRegistry");
    ch.qos.logback.classic.Level before = log.getLevel();
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> events =
        new ch.qos.logback.core.read.ListAppender<>();
    events.start();
    log.addAppender(events);
    log.setLevel(ch.qos.logback.classic.Level.DEBUG);
    try (ConnectionHealthManager health = ConnectionHealthManager.builder().build()) {
      health.register("a", ServiceType.HTTP, CheckResult::up, java.util.Set.of("f"));
      health.register("b", ServiceType.HTTP, CheckResult::up, java.util.Set.of("f"));
      health.register("c", ServiceType.HTTP, CheckResult::up, java.util.Set.of("g"));
      assertThat(events.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
          .noneMatch(m -> m.contains("already registered"));
      assertThat(registry.find("lifeline.health.status").tags("service", "c").gauges()).hasSize(4);
      health.unregister("a");
      assertThat(registry.find("lifeline.health.status").tags("service", "a").gauges()).isEmpty();
      assertThat(registry.find("lifeline.health.checks.not.started").functionCounter()).isNotNull();
    } finally {
      log.detachAppender(events);
      log.setLevel(before);
    }
  }

  @Test
  void closingTheBindingRemovesEveryLifelineMeter() {
    Guard guard = Guard.of("short-lived", fast(0));
    guard.call(() -> 1);
    assertThat(scrape().find("lifeline_calls_total", "service", "short-lived")).hasSize(1);
    metrics.close();
    assertThat(registry.getMeters()).noneMatch(m -> m.getId().getName().startsWith("lifeline."));
    guard.call(() -> 2); // the observer is detached: nothing recorded, nothing re-created
    assertThat(registry.getMeters()).noneMatch(m -> m.getId().getName().startsWith("lifeline."));
  }

  @Test
  void guardMetricsBindsOneGuardWithExtraTags() {
    metrics.close();
    Guard guard = Guard.of("picked", fast(0));
    try (GuardMetrics one = new GuardMetrics(guard, Tags.of("region", "eu"))) {
      one.bindTo(registry);
      guard.call(() -> 1);
      assertThat(scrape().sum("lifeline_calls_total", "service", "picked", "region", "eu",
          "outcome", "success")).isEqualTo(1);
    }
    assertThat(registry.getMeters()).isEmpty();
  }

  static String[] with(String[] base, String... more) {
    String[] out = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, out, base.length, more.length);
    return out;
  }
}
