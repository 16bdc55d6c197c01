package io.lifeline.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.ConfigurationException;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceType;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
  void aNewTokenTakesEffectInPlaceWithNoGapForProbesAndEndsStreamsOpenedWithTheOldOne() throws Exception {
    String next = "n3w-console-token";
    try (LifelineConsole console = LifelineConsole.start(health, ConsoleOptions.builder().port(0).token(TOKEN)
        .build())) {
      ConsoleClient c = new ConsoleClient(console);
      HttpResponse<InputStream> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(c.uri("/events"))
          .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
      assertThat(stream.statusCode()).isEqualTo(200);
      // a probe polled the whole time: every answer a 200, no refused connection
      AtomicBoolean rotating = new AtomicBoolean(true);
      AtomicInteger probes = new AtomicInteger();
      CompletableFuture<Void> poller = CompletableFuture.runAsync(() -> {
        try {
          while (rotating.get() || probes.get() < 20) {
            assertThat(c.get("/health/live").statusCode()).isEqualTo(200);
            probes.incrementAndGet();
          }
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      });
      for (int i = 0; i < 50; i++) {
        console.useTokenOf(ConsoleOptions.builder().port(console.port()).token(i % 2 == 0 ? next : TOKEN).build());
      }
      rotating.set(false);
      poller.get(30, TimeUnit.SECONDS);
      assertThat(probes.get()).isGreaterThanOrEqualTo(20);
      // 50 rotations: the last one set TOKEN again; once more to the new one
      console.useTokenOf(ConsoleOptions.builder().port(console.port()).token(next).build());
      assertThat(c.get("/health", "Bearer " + TOKEN).statusCode()).isEqualTo(401);
      assertThat(c.get("/health", "Bearer " + next).statusCode()).isEqualTo(503);
      // the stream opened with the old token ends (read to its end: it does not hang)
      CompletableFuture<byte[]> rest = CompletableFuture.supplyAsync(() -> {
        try (InputStream in = stream.body()) {
          return in.readAllBytes();
        } catch (java.io.IOException e) {
          return new byte[0];
        }
      });
      assertThat(rest.get(10, TimeUnit.SECONDS)).isNotNull();
      await().atMost(Duration.ofSeconds(5)).until(() -> console.eventClients() == 0);
      // no token at all on loopback: open to everyone, in place
      console.useTokenOf(ConsoleOptions.builder().port(console.port()).build());
      assertThat(c.get("/health").statusCode()).isEqualTo(503);
      // another address is not a token change
      assertThatThrownBy(() -> console.useTokenOf(ConsoleOptions.builder().bindAddress("::1").build()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only the token");
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
