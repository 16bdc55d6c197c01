package io.lifeline.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.health.ServiceStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A backend that does not start is one line of output, and the demo runs with its service
 * UNAVAILABLE instead of dying (here Neo4j, left out the way a failed start is handled).
 */
class DemoStartFailureTest {
  @Test
  void theDemoRunsWithABackendThatDidNotStartAsUnavailable() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (Demo demo = Demo.start(new Demo.Options(0, null, 20, Set.of("neo4j"),
        new PrintStream(bytes, true, StandardCharsets.UTF_8)))) {
      String out = bytes.toString(StandardCharsets.UTF_8);
      assertThat(out.lines().filter(l -> l.contains("neo4j"))).singleElement().asString()
          .contains("not started", "UNAVAILABLE");
      await().atMost(Duration.ofSeconds(20)).until(() -> demo.status("neo4j") == ServiceStatus.UNAVAILABLE
          && demo.provenHealthy("redis") && demo.provenHealthy("postgres") && demo.provenHealthy("graphiti"));
      await().atMost(Duration.ofSeconds(10)).until(() -> demo.counters().get("neo4j").get("errors") > 0
          && demo.counters().get("redis").get("calls") > 10);
      assertThat(demo.counters().get("redis").get("errors")).isZero();
      // latency through the fault proxy: calls go on, slower, and without errors
      long calls = demo.counters().get("redis").get("calls");
      assertThat(demo.chaos("redis", "latency", Duration.ofMillis(50))).isEqualTo("redis slowed by 50 ms per chunk");
      await().atMost(Duration.ofSeconds(10)).until(() -> demo.counters().get("redis").get("calls") > calls + 5);
      assertThat(demo.chaos("redis", "restart", null)).isEqualTo("redis restarted");
      assertThat(demo.counters().get("redis").get("errors")).isZero();
      assertThatThrownBy(() -> demo.chaos("neo4j", "kill", null)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("left out");
    }
  }
}
