package io.lifeline.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeline.core.ConfigurationException;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceType;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Token rules, binding rules, option validation, and no secret in any answer. */
class ConsoleSecurityTest {
  private static final String TOKEN = "s3cr3t-console-token";
  private static final String CANARY = "canary-Pw-7f3a91";

  private ConnectionHealthManager health;

  @BeforeEach
  void start() {
    health = ConnectionHealthManager.builder().checkInterval(Duration.ofMillis(100)).unavailableThreshold(1).build();
    // a check whose error text and details carry a password, as a careless driver message would
    health.register("orders-db", ServiceType.DATABASE, () -> new CheckResult(CheckResult.Outcome.DOWN, null,
        "connect to postgresql://app:" + CANARY + "@db:5432/orders failed; password=" + CANARY,
        Map.of("password", CANARY, "url", "jdbc:postgresql://db/orders?password=" + CANARY)), Set.of("orders"));
    health.start();
    health.checkNow("orders-db");
  }

  @AfterEach
  void stop() {
    health.close();
  }

  @Test
  void withATokenEveryEndpointButTheProbesNeedsIt() throws Exception {
    try (LifelineConsole console = LifelineConsole.start(health, ConsoleOptions.builder().port(0).token(TOKEN)
        .metrics(() -> "x 1\n").criticalFeatures(Set.of("orders")).build())) {
      ConsoleClient c = new ConsoleClient(console);
      for (String path : List.of("/health", "/metrics", "/nope")) {
        for (String auth : new String[] {null, "Bearer wrong", "Bearer " + TOKEN + "x", "Bearer " + TOKEN.substring(1),
            "Basic " + TOKEN, TOKEN, "Bearer "}) {
          HttpResponse<String> r = c.get(path, auth);
          assertThat(r.statusCode()).as(path + " with " + auth).isEqualTo(401);
          assertThat(r.body()).isEqualTo("{\"error\":\"unauthorized\"}");
          assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"lifeline\"");
        }
      }
      assertThat(c.get("/health", "Bearer " + TOKEN).statusCode()).isEqualTo(503);
      assertThat(c.get("/health", "bearer " + TOKEN).statusCode()).as("scheme is case-insensitive").isEqualTo(503);
      assertThat(c.get("/metrics", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
      assertThat(c.get("/health/live").statusCode()).isEqualTo(200);
      assertThat(c.get("/health/ready").statusCode()).isEqualTo(503);
    }
  }

  @Test
  void noAnswerCarriesTheSecret() throws Exception {
    try (LifelineConsole console = LifelineConsole.start(health, ConsoleOptions.builder().port(0)
        .criticalFeatures(Set.of("orders")).build())) {
      ConsoleClient c = new ConsoleClient(console);
      for (String path : List.of("/health", "/health/ready", "/health/live", "/metrics", "/x")) {
        HttpResponse<String> r = c.get(path);
        assertThat(r.body()).as(path).doesNotContain(CANARY);
        assertThat(r.headers().map().toString()).doesNotContain(CANARY);
      }
      assertThat(c.get("/health").body()).contains("orders-db", "\"password\":\"****\"");
      assertThat(c.get("/health/ready").body()).contains("orders-db: UNAVAILABLE");
      assertThat(console.toString()).doesNotContain(TOKEN);
    }
  }

  @Test
  void anAddressOtherMachinesReachNeedsAToken() {
    assertThatThrownBy(() -> ConsoleOptions.builder().bindAddress("0.0.0.0").build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("bindAddress").hasMessageContaining("0.0.0.0").hasMessageContaining("set a token");
    assertThatThrownBy(() -> ConsoleOptions.builder().fromEnvironment(Map.of("LIFELINE_CONSOLE_BIND", "0.0.0.0")).build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("LIFELINE_CONSOLE_BIND");
    assertThat(ConsoleOptions.builder().bindAddress("0.0.0.0").token(TOKEN).build().tokenRequired()).isTrue();
    assertThat(ConsoleOptions.builder().fromEnvironment(Map.of("LIFELINE_CONSOLE_BIND", "0.0.0.0",
        "LIFELINE_TOKEN", TOKEN)).build().tokenRequired()).isTrue();
    assertThat(ConsoleOptions.builder().bindAddress("::1").build().address().isLoopbackAddress()).isTrue();
    assertThat(ConsoleOptions.builder().bindAddress("localhost").build().address().isLoopbackAddress()).isTrue();
  }

  @Test
  void everyBadOptionIsReportedAtOnceNamedAsWrittenWithTheTokenMasked() {
    assertThatThrownBy(() -> ConsoleOptions.builder().port(70_000).maxConcurrentRequests(0).token("short 1")
        .requestTimeout(Duration.ofDays(3650)).bindAddress("bad host").build())
        .isInstanceOfSatisfying(ConfigurationException.class, e -> {
          assertThat(e.problems()).hasSize(5);
          assertThat(e.getMessage()).contains("port", "70000", "maxConcurrentRequests", "requestTimeout",
              "bindAddress", "token").doesNotContain("short 1");
        });
    assertThatThrownBy(() -> ConsoleOptions.builder().fromEnvironment(Map.of("LIFELINE_CONSOLE_PORT", "99x",
        "LIFELINE_TOKEN", "tiny")).build())
        .isInstanceOfSatisfying(ConfigurationException.class, e -> {
          assertThat(e.problems()).hasSize(2);
          assertThat(e.getMessage()).contains("LIFELINE_CONSOLE_PORT", "99x", "LIFELINE_TOKEN").doesNotContain("tiny");
        });
    assertThatThrownBy(() -> ConsoleOptions.builder().bindAddress(null).criticalFeatures(null).requestTimeout(null).build())
        .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).hasSize(3));
  }

  @Test
  void aTakenPortIsAClearError() throws Exception {
    try (LifelineConsole first = LifelineConsole.start(health, ConsoleOptions.builder().port(0).build())) {
      assertThatThrownBy(() -> LifelineConsole.start(health, ConsoleOptions.builder().port(first.port()).build()))
          .hasMessageContaining("cannot listen on 127.0.0.1:" + first.port());
    }
  }
}
