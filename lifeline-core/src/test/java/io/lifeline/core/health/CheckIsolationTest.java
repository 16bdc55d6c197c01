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
import org.junit.jupiter.api.Test;

/** One service's slow or stuck check never stops another service's checks (issue 12, part 1). */
class CheckIsolationTest {
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<ConnectionHealthManager> managers = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown() {
    release.countDown();
    managers.forEach(ConnectionHealthManager::close);
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

  private static HealthCheck sleeping(long millis) {
    return () -> {
      Thread.sleep(millis);
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
    assertThat(health.status("parker").lastError()).contains("stuck");
    // released: the stuck checks return, and both services recover on their next rounds
    release.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> health.status("spinner").status() == ServiceStatus.HEALTHY
        && health.status("parker").status() == ServiceStatus.HEALTHY);
  }
}
