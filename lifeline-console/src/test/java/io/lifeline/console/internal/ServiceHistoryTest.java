package io.lifeline.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.core.health.HealthStatus;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.core.health.ServiceType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dashboard's memory is bounded: the sample ring per service, the timeline, forgotten services. */
class ServiceHistoryTest {
  private static HealthStatus status(String name, long latencyMs) {
    return new HealthStatus(name, ServiceType.CUSTOM, ServiceStatus.HEALTHY, Instant.now(), Instant.now(),
        Duration.ofMillis(latencyMs), 0, 1, 1.0, null, null, 0, false, Map.of());
  }

  @Test
  void theRingKeepsTheNewestSamplesOnlyAndCallsPerSecondComeFromTotals() {
    ServiceHistory h = new ServiceHistory(3);
    long now = 1_000_000_000L;
    for (int i = 1; i <= 10; i++) {
      h.sample(Map.of("a", status("a", i)), Map.of("a", i * 10L), now + i * 1_000_000_000L);
    }
    assertThat(h.size("a")).isEqualTo(3);
    @SuppressWarnings("unchecked")
    Map<String, Object> a = (Map<String, Object>) h.series().get("a");
    assertThat(a.get("latencyMs")).isEqualTo(List.of(8.0, 9.0, 10.0));
    assertThat(a.get("callsPerSecond")).isEqualTo(List.of(10.0, 10.0, 10.0));
  }

  @Test
  void theTimelineKeepsTheLastFiftyTransitionsAndRemovedServicesAreForgotten() {
    ServiceHistory h = new ServiceHistory(5);
    for (int i = 0; i < 500; i++) {
      h.transition("svc-" + i, ServiceStatus.HEALTHY, ServiceStatus.UNAVAILABLE, null);
    }
    List<Map<String, Object>> t = h.timeline();
    assertThat(t).hasSize(ServiceHistory.MAX_TRANSITIONS);
    assertThat(t.get(t.size() - 1).get("service")).isEqualTo("svc-499");
    h.sample(Map.of("a", status("a", 1), "b", status("b", 1)), Map.of(), 1L);
    h.sample(Map.of("a", status("a", 1)), Map.of(), 2L);
    assertThat(h.series()).containsOnlyKeys("a");
    assertThat(h.size("b")).isZero();
  }
}
