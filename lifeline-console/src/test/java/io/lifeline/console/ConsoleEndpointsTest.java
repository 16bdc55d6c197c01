package io.lifeline.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.redis.RedisConfig;
import io.lifeline.redis.RedisConnectionManager;
import io.lifeline.testkit.RedisServerExtension;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The endpoints over real sockets, with a real Redis behind the health manager: killed, the report
 * and the readiness probe say so (readiness only because Redis backs a critical feature); restarted,
 * both turn back by themselves. Liveness stays 200 throughout.
 */
class ConsoleEndpointsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RedisServerExtension redis;
  private ConnectionHealthManager health;
  private RedisConnectionManager manager;

  @BeforeEach
  void start() throws Exception {
    redis = RedisServerExtension.builder().build().start();
    health = ConnectionHealthManager.builder().checkInterval(Duration.ofMillis(200))
        .checkTimeout(Duration.ofSeconds(1)).unavailableThreshold(1).recoveryThreshold(1).build();
    manager = RedisConnectionManager.create(RedisConfig.builder().url(redis.url()).name("redis")
        .features(Set.of("caching", "sessions")).build(), health);
    health.start();
  }

  @AfterEach
  void stop() {
    manager.close();
    health.close();
    redis.close();
  }

  @Test
  void reportAndReadinessFollowARealRedisDownAndBackWhileLivenessStaysUp() throws Exception {
    try (LifelineConsole console = LifelineConsole.start(health, ConsoleOptions.builder().port(0)
        .criticalFeatures(Set.of("caching")).build())) {
      ConsoleClient client = new ConsoleClient(console);
      await().atMost(Duration.ofSeconds(10)).until(() -> client.get("/health/ready").statusCode() == 200);
      HttpResponse<String> report = client.get("/health");
      assertThat(report.statusCode()).isEqualTo(200);
      assertThat(report.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
      assertThat(report.headers().firstValue("Cache-Control")).hasValue("no-store");
      JsonNode r = JSON.readTree(report.body());
      assertThat(r.path("status").asText()).isEqualTo("HEALTHY");
      assertThat(r.path("services").path("redis").path("status").asText()).isEqualTo("HEALTHY");
      assertThat(r.path("services").path("redis").path("type").asText()).isEqualTo("REDIS");
      assertThat(r.path("features").path("caching").path("critical").asBoolean()).isTrue();
      assertThat(r.path("features").path("sessions").path("critical").asBoolean()).isFalse();
      assertThat(r.path("checkThreads").path("threads").asInt()).isPositive();

      redis.kill();
      await().atMost(Duration.ofSeconds(10)).until(() -> client.get("/health/ready").statusCode() == 503);
      JsonNode notReady = JSON.readTree(client.get("/health/ready").body());
      assertThat(notReady.path("status").asText()).isEqualTo("DOWN");
      assertThat(notReady.path("unavailableCriticalFeatures").path("caching").get(0).asText())
          .startsWith("redis: UNAVAILABLE");
      HttpResponse<String> down = client.get("/health");
      assertThat(down.statusCode()).as("every service is UNAVAILABLE").isEqualTo(503);
      assertThat(JSON.readTree(down.body()).path("features").path("caching").path("available").asBoolean()).isFalse();
      assertThat(client.get("/health/live").statusCode()).isEqualTo(200);

      redis.restart();
      await().atMost(Duration.ofSeconds(15)).until(() -> client.get("/health/ready").statusCode() == 200);
      assertThat(JSON.readTree(client.get("/health").body()).path("status").asText()).isEqualTo("HEALTHY");
    }
  }

  @Test
  void onlyCriticalFeaturesDecideReadinessAndAnUnbackedOneIsNotReady() throws Exception {
    try (LifelineConsole console = LifelineConsole.start(health, ConsoleOptions.builder().port(0)
        .criticalFeatures(Set.of("orders")).build())) {
      ConsoleClient client = new ConsoleClient(console);
      // "orders" is backed by nothing registered: not ready, and the reason says why (a typo shows)
      HttpResponse<String> r = client.get("/health/ready");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).contains("no registered service backs this feature");
    }
    try (LifelineConsole console = LifelineConsole.start(health, ConsoleOptions.builder().port(0).build())) {
      ConsoleClient client = new ConsoleClient(console);
      redis.kill();
      await().atMost(Duration.ofSeconds(10)).until(() -> client.get("/health").statusCode() == 503);
      assertThat(client.get("/health/ready").statusCode()).as("no critical feature: ready").isEqualTo(200);
    }
  }

  @Test
  void metricsServeTheSourceAndOnlyWhenConfigured() throws Exception {
    try (LifelineConsole without = LifelineConsole.start(health, ConsoleOptions.builder().port(0).build());
         LifelineConsole with = LifelineConsole.start(health, ConsoleOptions.builder().port(0)
             .metrics(() -> "# TYPE lifeline_up gauge\nlifeline_up 1.0\n").build())) {
      assertThat(new ConsoleClient(without).get("/metrics").statusCode()).isEqualTo(404);
      HttpResponse<String> m = new ConsoleClient(with).get("/metrics");
      assertThat(m.statusCode()).isEqualTo(200);
      assertThat(m.headers().firstValue("Content-Type")).hasValue(MetricsSource.PROMETHEUS_TEXT);
      assertThat(m.body()).contains("lifeline_up 1.0");
    }
  }

  @Test
  void onlyGetAndHeadWithoutABodyOnKnownPaths() throws Exception {
    try (LifelineConsole console = LifelineConsole.start(health, ConsoleOptions.builder().port(0).build())) {
      ConsoleClient client = new ConsoleClient(console);
      HttpResponse<String> post = client.send(HttpRequest.newBuilder(client.uri("/health"))
          .POST(HttpRequest.BodyPublishers.noBody()), null);
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
      HttpResponse<String> withBody = client.send(HttpRequest.newBuilder(client.uri("/health"))
          .method("GET", HttpRequest.BodyPublishers.ofString("x".repeat(100))), null);
      assertThat(withBody.statusCode()).isEqualTo(413);
      HttpResponse<String> head = client.send(HttpRequest.newBuilder(client.uri("/health/live"))
          .method("HEAD", HttpRequest.BodyPublishers.noBody()), null);
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.body()).isEmpty();
      assertThat(client.get("/nope").statusCode()).isEqualTo(404);
      assertThat(client.get("/health/").statusCode()).isEqualTo(404);
    }
  }
}
