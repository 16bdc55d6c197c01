package io.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lifeline.testkit.RedisServerExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lifeline serve} end to end, in process, over real HTTP: a real Redis is SIGKILLed and
 * restarted under it. {@code /health} shows it UNAVAILABLE within two check intervals, {@code
 * /health/ready} turns 503 only when Redis backs a critical feature, and HEALTHY comes back after
 * the restart. The Redis password never appears in any response.
 */
class ServeCommandTest {
  static final String CANARY = "canary-Redis-Pw-5521";
  static final Duration INTERVAL = Duration.ofSeconds(1);
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static RedisServerExtension redis;

  @TempDir
  static Path dir;

  @BeforeAll
  static void startRedis() throws Exception {
    redis = RedisServerExtension.builder().password(CANARY).build().start();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  /** A running {@code lifeline serve}; close() counts down its stop latch and waits for its exit. */
  record Serving(URI uri, CompletableFuture<Integer> exit, CountDownLatch stop, StringWriter err) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      stop.countDown();
      assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
    }
  }

  static Serving serve(boolean redisCritical) throws Exception {
    Path f = Files.writeString(Files.createTempFile(dir, "serve", ".yml"), String.join("\n",
        "health: {interval: " + INTERVAL.toMillis() + "ms, timeout: 1s, unavailableThreshold: 1, recoveryThreshold: 1}",
        "features: {sessions: {critical: " + redisCritical + "}, api: {critical: true}}",
        "services:",
        "  cache: {type: redis, url: 'redis://127.0.0.1:" + redis.port() + "', password: '${REDIS_PASSWORD}',"
            + " timeout: 500ms, features: [sessions]}",
        // the console itself, as the always-up backend of the other critical feature
        "  self: {type: tcp, address: '127.0.0.1:${PORT}', features: [api]}", ""));
    int port = RedisServerExtension.freePort();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CountDownLatch stop = new CountDownLatch(1);
    Cli.Context ctx = new Cli.Context(Map.of("REDIS_PASSWORD", CANARY, "PORT", String.valueOf(port)),
        new PrintWriter(out, true), new PrintWriter(err, true), stop);
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
        () -> Cli.run(ctx, "serve", "--config", f.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1"));
    Pattern serving = Pattern.compile("on (http://\\S+/) ");
    await().atMost(Duration.ofSeconds(30)).until(() -> exit.isDone() || serving.matcher(out.toString()).find());
    assertThat(exit).as(err.toString()).isNotDone();
    Matcher m = serving.matcher(out.toString());
    assertThat(m.find()).isTrue();
    return new Serving(URI.create(m.group(1)), exit, stop, err);
  }

  static HttpResponse<String> get(URI base, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String cacheStatus(URI base) throws Exception {
    HttpResponse<String> r = get(base, "/health");
    assertThat(r.body()).doesNotContain(CANARY);
    JsonNode n = JSON.readTree(r.body());
    return n.at("/services/cache/status").asText();
  }

  @Test
  void redisBackingOnlyANonCriticalFeatureLeavesReadinessAlone() throws Exception {
    try (Serving s = serve(false)) {
      await().atMost(Duration.ofSeconds(20)).until(() -> cacheStatus(s.uri()).equals("HEALTHY"));
      // "self" checks the console's own port: its first check may have run before the console listened
      await().atMost(Duration.ofSeconds(20)).until(() -> get(s.uri(), "/health/ready").statusCode() == 200);
      assertThat(get(s.uri(), "/health/live").statusCode()).isEqualTo(200);
      HttpResponse<String> metrics = get(s.uri(), "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("lifeline_health_status{").contains("service=\"cache\"")
          .doesNotContain(CANARY);

      redis.kill();
      long killed = System.nanoTime();
      await().atMost(INTERVAL.multipliedBy(2)).pollInterval(Duration.ofMillis(50))
          .until(() -> cacheStatus(s.uri()).equals("UNAVAILABLE"));
      System.out.printf("serve: UNAVAILABLE %d ms after SIGKILL%n", (System.nanoTime() - killed) / 1_000_000);
      HttpResponse<String> ready = get(s.uri(), "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(200);

      await().atMost(Duration.ofSeconds(10)).until(() -> get(s.uri(), "/metrics").body().lines().anyMatch(
          l -> l.startsWith("lifeline_health_status{") && l.contains("service=\"cache\"")
              && l.contains("status=\"unavailable\"") && l.endsWith(" 1.0")));

      redis.restart();
      await().atMost(Duration.ofSeconds(20)).until(() -> cacheStatus(s.uri()).equals("HEALTHY"));
      assertThat(s.err().toString()).doesNotContain(CANARY);
      assertThat(get(s.uri(), "/metrics").body()).doesNotContain(CANARY);
    }
  }

  @Test
  void redisBackingACriticalFeatureMakesReadiness503UntilItIsBack() throws Exception {
    try (Serving s = serve(true)) {
      await().atMost(Duration.ofSeconds(20)).until(() -> cacheStatus(s.uri()).equals("HEALTHY"));
      // "self" checks the console's own port: its first check may have run before the console listened
      await().atMost(Duration.ofSeconds(20)).until(() -> get(s.uri(), "/health/ready").statusCode() == 200);

      redis.kill();
      await().atMost(INTERVAL.multipliedBy(2)).pollInterval(Duration.ofMillis(50))
          .until(() -> cacheStatus(s.uri()).equals("UNAVAILABLE"));
      HttpResponse<String> ready = get(s.uri(), "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).contains("sessions").doesNotContain("\"api\"").doesNotContain(CANARY);

      redis.restart();
      await().atMost(Duration.ofSeconds(20)).until(() -> get(s.uri(), "/health/ready").statusCode() == 200);
      assertThat(cacheStatus(s.uri())).isEqualTo("HEALTHY");
    }
  }
}
