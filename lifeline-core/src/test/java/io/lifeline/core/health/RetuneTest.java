package io.lifeline.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.ConfigurationException;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ConnectionHealthManager#retune}: a running manager takes a new schedule and thresholds. */
class RetuneTest {
  private ConnectionHealthManager health;

  @AfterEach
  void tearDown() {
    if (health != null) {
      health.close();
    }
  }

  @Test
  void aShorterIntervalBringsTheNextRoundForwardAtOnce() {
    AtomicInteger checks = new AtomicInteger();
    health = ConnectionHealthManager.builder().checkInterval(Duration.ofHours(1)).build();
    health.register("slow-schedule", ServiceType.CUSTOM, () -> {
      checks.incrementAndGet();
      return CheckResult.up();
    }, Set.of());
    health.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> checks.get() >= 1); // the first round
    int first = checks.get();
    health.retune(Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(1), 3, 2);
    assertThat(health.checkInterval()).isEqualTo(Duration.ofMillis(50));
    // without the pull-in the next round would be an hour away
    await().atMost(Duration.ofSeconds(5)).until(() -> checks.get() >= first + 5);
  }

  @Test
  void newThresholdsDecideTheNextVerdict() {
    health = ConnectionHealthManager.builder().checkInterval(Duration.ofMillis(30))
        .unavailableThreshold(1_000).build();
    health.register("failing", ServiceType.CUSTOM, () -> {
      throw new IOException("refused");
    }, Set.of());
    health.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> health.status("failing").consecutiveFailures() >= 3);
    assertThat(health.status("failing").status()).isNotEqualTo(ServiceStatus.UNAVAILABLE); // 3 of 1 000
    health.retune(Duration.ofMillis(30), Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 2);
    await().atMost(Duration.ofSeconds(5)).until(() -> health.status("failing").status() == ServiceStatus.UNAVAILABLE);
  }

  @Test
  void aRejectedRetuneNamesEveryProblemAndChangesNothing() {
    health = ConnectionHealthManager.builder().checkInterval(Duration.ofSeconds(7)).build();
    ConfigurationException e = catchThrowableOfType(() -> health.retune(Duration.ZERO, Duration.ofHours(2),
        Duration.ofSeconds(-1), 0, 1_001), ConfigurationException.class);
    assertThat(e.problems()).extracting(ConfigurationException.Problem::key).containsExactlyInAnyOrder(
        "checkInterval", "checkTimeout", "latencyThreshold", "unavailableThreshold", "recoveryThreshold");
    assertThat(health.checkInterval()).isEqualTo(Duration.ofSeconds(7));
    assertThat(health.checkTimeout()).isEqualTo(ConnectionHealthManager.Builder.DEFAULT_CHECK_TIMEOUT);
  }
}
