package io.lifeline.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One service's slow or stuck check never stops another service's checks (issue 12, part 1). */
class CheckIsolationTest {
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<ConnectionHealthManager> managers = new CopyOnWriteArrayList<>();

  private final ch.qos.logback.classic.Logger log =
      (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ConnectionHealthManager.class);
  private final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured =
      new ch.qos.logback.core.read.ListAppender<>();

  @BeforeEach
  void captureLogs() {
    captured.start();
    log.addAppender(captured);
  }

  @AfterEach
  void tearDown() {
    release.countDown();
    managers.forEach(ConnectionHealthManager::close);
    log.detachAppender(captured);
  }

  private ConnectionHealthManager track(ConnectionHealthManager m) {
    managers.add(m);
    return m;
  }

  /** A check that blocks until the test releases it and swallows every interrupt meanwhile. */
  private HealthCheck stuckIgnoringInterrupts() {
    return () -> {
      for (;;) {
        try {
          release.await();
          return CheckResult.up();
        } catch (InterruptedException swallowed) {
          // a badly written client: keeps waiting
        }
      }
    };
  }

  /** A check that burns CPU until released, never looking at its interrupt flag. */
  private HealthCheck spinningIgnoringInterrupts() {
    return () -> {
      while (release.getCount() > 0) {
        Thread.onSpinWait();
      }
      return CheckResult.up();
    };
  }

  /** The injected fault: a check that takes {@code millis} but honours interrupts (a timed wait). */
  private static HealthCheck sleeping(long millis) {
    return () -> {
      new java.util.concurrent.CountDownLatch(1).await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
      return CheckResult.up();
    };
  }

  @Test
  void checksThatWaitForAThreadAreRetriedNotFailedAndNoServiceIsLeftUnchecked() {
    // the reproduction: 3 × 80 ms checks, 1 thread, 100 ms timeout
    ConnectionHealthManager health = track(ConnectionHealthManager.builder()
        .checkInterval(Duration.ofSeconds(1)).checkTimeout(Duration.ofMillis(100))
        .latencyThreshold(Duration.ofSeconds(1)).maxConcurrentChecks(1).build());
    List<String> transitions = new CopyOnWriteArrayList<>();
    health.addStatusListener((s, from, to, st) -> transitions.add(s + ":" + from + ">" + to));
    for (String s : List.of("a", "b", "c")) {
      health.register(s, ServiceType.CUSTOM, sleeping(80), Set.of(s));
    }
    health.start();
    // every service keeps being checked: at least 3 successful checks each within 8 rounds
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      for (String s : List.of("a", "b", "c")) {
        assertThat(successes(health.status(s))).as(s).isGreaterThanOrEqualTo(3);
      }
    });
    for (String s : List.of("a", "b", "c")) {
      assertThat(health.status(s).status()).as(s).isNotEqualTo(ServiceStatus.UNAVAILABLE);
    }
    assertThat(transitions).noneMatch(t -> t.endsWith(">UNAVAILABLE"));
    // one thread cannot start three 80 ms checks within 100 ms: visible, but not a failure
    long notStarted = health.checksNotStarted();
    assertThat(notStarted).isPositive();
    assertThat(List.of("a", "b", "c").stream().mapToLong(s -> health.status(s).checksNotStarted()).sum())
        .isEqualTo(notStarted);
    HealthReport report = health.report();
    assertThat(report.checkThreads().checksNotStarted()).isEqualTo(notStarted);
    assertThat(report.toString()).contains("(check threads busy)");
  }

  private static long successes(HealthStatus s) {
    return Math.round(s.successRate() * s.totalChecks());
  }

  @Test
  void checksThatNeverReturnAndIgnoreInterruptsDoNotStopOtherServices() {
    ConnectionHealthManager health = track(ConnectionHealthManager.builder()
        .checkInterval(Duration.ofMillis(100)).checkTimeout(Duration.ofMillis(150))
        .latencyThreshold(Duration.ofSeconds(1)).maxConcurrentChecks(2).build());
    health.register("spinner", ServiceType.CUSTOM, spinningIgnoringInterrupts(), Set.of("a"));
    health.register("parker", ServiceType.CUSTOM, stuckIgnoringInterrupts(), Set.of("b"));
    Map<String, Integer> seen = new ConcurrentHashMap<>();
    for (int i = 0; i < 3; i++) {
      String name = "fine-" + i;
      health.register(name, ServiceType.CUSTOM, () -> {
        seen.merge(name, 1, Integer::sum);
        return CheckResult.up();
      }, Set.of("c"));
    }
    health.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> health.status("spinner").status() == ServiceStatus.UNAVAILABLE
        && health.status("parker").status() == ServiceStatus.UNAVAILABLE);
    // both check threads' checks are stuck for good; the other services are still checked every round
    Map<String, Integer> before = Map.copyOf(seen);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      for (int i = 0; i < 3; i++) {
        assertThat(seen.get("fine-" + i)).as("fine-" + i).isGreaterThanOrEqualTo(before.get("fine-" + i) + 10);
      }
    });
    for (int i = 0; i < 3; i++) {
      assertThat(health.status("fine-" + i).status()).isEqualTo(ServiceStatus.HEALTHY);
      assertThat(health.status("fine-" + i).successRate()).isEqualTo(1.0);
    }
    assertThat(health.status("parker").lastError()).contains("still stuck").contains("-check-");
    assertThat(health.status("parker").checkStuck()).isTrue();
    assertThat(health.status("fine-0").checkStuck()).isFalse();
    // both stuck threads are abandoned and replaced: they no longer count against the 2 check threads
    assertThat(health.abandonedChecks()).isEqualTo(2);
    assertThat(health.report().checkThreads()).isEqualTo(new HealthReport.CheckThreads(2, 2, 100, 0));
    assertThat(health.report().toString()).contains("parker (CUSTOM): UNAVAILABLE", "check stuck");
    // one WARN per stuck service, naming its thread and where it waits; not one per round
    assertThat(messages()).filteredOn(m -> m.contains("overran its 150ms timeout"))
        .extracting(m -> m.substring(0, m.indexOf(" overran")))
        .containsExactlyInAnyOrder("health check of 'spinner'", "health check of 'parker'");
    assertThat(messages()).filteredOn(m -> m.startsWith("health check of 'parker' overran"))
        .singleElement().satisfies(m -> assertThat(m)
            .contains("on thread 'lifeline-health-", "abandoned and replaced", "CheckIsolationTest"));
    // released: the stuck checks return, their threads leave, and both services recover on their next rounds
    release.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> health.status("spinner").status() == ServiceStatus.HEALTHY
        && health.status("parker").status() == ServiceStatus.HEALTHY);
    assertThat(health.abandonedChecks()).isZero();
    assertThat(health.status("parker").checkStuck()).isFalse();
    await().atMost(Duration.ofSeconds(5)).until(() -> checkThreads(health) <= 2);
  }

  @Test
  void pastTheAbandonedBoundAStuckCheckKeepsItsThreadAndOthersAreNotStartedNotFailed() {
    // 1 check thread, at most 1 abandoned: the 1st stuck check is replaced, the 2nd keeps the only thread
    ConnectionHealthManager health = track(ConnectionHealthManager.builder()
        .checkInterval(Duration.ofMillis(100)).checkTimeout(Duration.ofMillis(100))
        .maxConcurrentChecks(1).maxAbandonedChecks(1).build());
    Map<String, Integer> seen = new ConcurrentHashMap<>();
    health.register("fine", ServiceType.CUSTOM, () -> {
      seen.merge("fine", 1, Integer::sum);
      return CheckResult.up();
    }, Set.of());
    health.register("stuck-1", ServiceType.CUSTOM, stuckIgnoringInterrupts(), Set.of());
    health.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> health.abandonedChecks() == 1);
    int before = seen.getOrDefault("fine", 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.getOrDefault("fine", 0) >= before + 5);
    health.register("stuck-2", ServiceType.CUSTOM, stuckIgnoringInterrupts(), Set.of());
    await().atMost(Duration.ofSeconds(5)).until(() -> health.status("stuck-2").checkStuck());
    assertThat(health.abandonedChecks()).isEqualTo(1); // the bound holds
    assertThat(messages()).anySatisfy(m -> assertThat(m)
        .startsWith("health check of 'stuck-2' overran").contains("NOT replaced", "maxAbandonedChecks"));
    // the only thread is held: 'fine' is not started — a scheduling problem, never a failure
    long notStarted = health.status("fine").checksNotStarted();
    await().atMost(Duration.ofSeconds(5)).until(() -> health.status("fine").checksNotStarted() >= notStarted + 3);
    HealthStatus fine = health.status("fine");
    assertThat(fine.status()).isEqualTo(ServiceStatus.HEALTHY);
    assertThat(fine.successRate()).isEqualTo(1.0);
    assertThat(health.status("stuck-1").status()).isEqualTo(ServiceStatus.UNAVAILABLE);
    assertThat(health.status("stuck-2").status()).isEqualTo(ServiceStatus.UNAVAILABLE);
    assertThat(checkThreads(health)).isEqualTo(2); // 1 + 1 abandoned, never more
    release.countDown();
    int after = seen.getOrDefault("fine", 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.getOrDefault("fine", 0) >= after + 3
        && health.status("stuck-2").status() == ServiceStatus.HEALTHY && health.abandonedChecks() == 0);
  }

  @Test
  void aCheckThatHonoursTheInterruptTimesOutWithoutBeingCalledStuck() {
    ConnectionHealthManager health = track(ConnectionHealthManager.builder()
        .checkInterval(Duration.ofMillis(100)).checkTimeout(Duration.ofMillis(50)).build());
    health.register("sleepy", ServiceType.CUSTOM, sleeping(10_000), Set.of()); // a timed wait: interruptible
    health.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> health.status("sleepy").totalChecks() >= 3);
    assertThat(health.status("sleepy").lastError()).isEqualTo("check timed out after 50ms");
    assertThat(health.status("sleepy").checkStuck()).isFalse();
    assertThat(messages()).noneMatch(m -> m.contains("overran"));
  }

  @Test
  void theAbandonedBoundIsValidatedLikeTheOtherSettings() {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(
        () -> ConnectionHealthManager.builder().maxAbandonedChecks(-1).maxConcurrentChecks(0).build());
    assertThat(t).isInstanceOf(io.lifeline.core.ConfigurationException.class);
    assertThat(t.getMessage()).contains("maxAbandonedChecks=-1: must be between 0 and 10000",
        "maxConcurrentChecks=0: must be between 1 and 1024");
  }

  @Test
  void anAsyncCheckThatNeverCompletesIsCancelledAtItsTimeoutAndCheckedAgain() {
    ConnectionHealthManager health = track(ConnectionHealthManager.builder()
        .checkInterval(Duration.ofMillis(50)).checkTimeout(Duration.ofMillis(50))
        .unavailableThreshold(100).build()); // no backoff in the way: rounds stay 50 ms apart
    List<java.util.concurrent.CompletableFuture<CheckResult>> started = new CopyOnWriteArrayList<>();
    health.register("never", ServiceType.HTTP, HealthCheck.async(() -> {
      java.util.concurrent.CompletableFuture<CheckResult> f = new java.util.concurrent.CompletableFuture<>();
      started.add(f);
      return f;
    }), Set.of());
    health.start();
    // each round starts a new check: the pending stage holds no thread, so it is cancelled, not "stuck"
    await().atMost(Duration.ofSeconds(5)).until(() -> started.size() >= 5);
    assertThat(List.copyOf(started).subList(0, 4)).allMatch(java.util.concurrent.CompletableFuture::isCancelled);
    assertThat(health.status("never").lastError()).isEqualTo("check timed out after 50ms");
    assertThat(health.status("never").checkStuck()).isFalse();
    assertThat(health.abandonedChecks()).isZero();
  }

  private List<String> messages() {
    synchronized (captured) { // appends run under the appender's lock
      return snapshot(captured).stream().map(e -> e.getFormattedMessage()).collect(java.util.stream.Collectors.toList());
    }
  }

  private static long checkThreads(ConnectionHealthManager health) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(ConnectionHealthManager.THREAD_PREFIX) && t.getName().contains("-check-")
            && t.isAlive())
        .count();
  }

  /**
   * The events so far: copied under the appender's own lock (logback's {@code AppenderBase} appends
   * under it), as other threads keep logging while the test reads.
   */
  private static java.util.List<ch.qos.logback.classic.spi.ILoggingEvent> snapshot(
      ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> a) {
    synchronized (a) {
      return new java.util.ArrayList<>(a.list);
    }
  }
}
