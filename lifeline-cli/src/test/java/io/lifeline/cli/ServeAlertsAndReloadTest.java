package io.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeline.cli.alert.AlertReceiver;
import io.lifeline.testkit.RedisServerExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lifeline serve} with alert sinks and hot reload, end to end over real HTTP with a real
 * Redis: a SIGKILL gives the webhook exactly one UNAVAILABLE alert and the restart exactly one
 * recovery alert, counted in {@code /metrics}; editing the file under the running server adds,
 * retunes and removes services (their metrics go with them), and an invalid edit is rejected, shown
 * in {@code /health}, and leaves the running configuration in place.
 */
class ServeAlertsAndReloadTest {
  static final String CANARY = ServeCommandTest.CANARY;

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

  static ServeCommandTest.Serving serve(Path config, int port, StringWriter err) throws Exception {
    return serve(config, err, "--port", String.valueOf(port));
  }

  /** {@code lifeline serve --config config extra…}, in this JVM, until the Serving is closed. */
  static ServeCommandTest.Serving serve(Path config, StringWriter err, String... extra) throws Exception {
    StringWriter out = new StringWriter();
    CountDownLatch stop = new CountDownLatch(1);
    Cli.Context ctx = new Cli.Context(Map.of("REDIS_PASSWORD", CANARY), new PrintWriter(out, true),
        new PrintWriter(err, true), stop);
    List<String> args = new ArrayList<>(List.of("serve", "--config", config.toString()));
    args.addAll(List.of(extra));
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Cli.run(ctx, args.toArray(String[]::new)));
    Pattern serving = Pattern.compile("on (http://\\S+/) ");
    await().atMost(Duration.ofSeconds(30)).until(() -> exit.isDone() || serving.matcher(out.toString()).find());
    assertThat(exit).as(err.toString()).isNotDone();
    Matcher m = serving.matcher(out.toString());
    assertThat(m.find()).isTrue();
    return new ServeCommandTest.Serving(URI.create(m.group(1)), exit, stop, err);
  }

  static String redisService(String name, String extra) {
    return redisService(name, "500ms", extra);
  }

  static String redisService(String name, String timeout, String extra) {
    return "  " + name + ": {type: redis, url: 'redis://127.0.0.1:" + redis.port() + "', password: '${REDIS_PASSWORD}',"
        + " timeout: " + timeout + ", features: [sessions]" + extra + "}";
  }

  /** Replaces the file the way editors do: write a sibling, then rename over it. */
  static void save(Path file, String... lines) throws Exception {
    Path tmp = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), String.join("\n", lines) + "\n");
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static JsonNode health(URI base) throws Exception {
    HttpResponse<String> r = ServeCommandTest.get(base, "/health");
    assertThat(r.body()).doesNotContain(CANARY);
    return ServeCommandTest.JSON.readTree(r.body());
  }

  static void awaitCacheHealthy(URI base) {
    await().atMost(Duration.ofSeconds(20)).until(() -> health(base).at("/services/cache/status").asText()
        .equals("HEALTHY"));
  }

  static double metric(URI base, String prefix, String... contains) throws Exception {
    String body = ServeCommandTest.get(base, "/metrics").body();
    if (System.getProperty("debugMetrics") != null) {
      body.lines().filter(l -> l.contains("alert") || l.contains("cache2")).forEach(System.out::println);
    }
    return body.lines()
        .filter(l -> l.startsWith(prefix) && java.util.Arrays.stream(contains).allMatch(l::contains))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
  }

  @Test
  void aKilledRedisIsOneAlertAndItsRecoveryOneMore() throws Exception {
    try (AlertReceiver hook = new AlertReceiver()) {
      Path f = dir.resolve("alerts.yml");
      save(f,
          "health: {interval: 300ms, timeout: 1s, unavailableThreshold: 2, recoveryThreshold: 2}",
          "features: {sessions: {critical: true}}",
          "alerts:",
          "  ops: {type: webhook, url: '" + hook.url() + "', minInterval: 0s, instance: ci-box}",
          "services:",
          redisService("cache", ""));
      StringWriter err = new StringWriter();
      try (ServeCommandTest.Serving s = serve(f, RedisServerExtension.freePort(), err)) {
        awaitCacheHealthy(s.uri());
        assertThat(hook.requests.get()).isZero(); // starting healthy is no news

        redis.kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> hook.bodies.size() == 1);
        JsonNode down = ServeCommandTest.JSON.readTree(hook.bodies.get(0));
        assertThat(down.get("service").asText()).isEqualTo("cache");
        assertThat(down.get("oldStatus").asText()).isEqualTo("HEALTHY");
        assertThat(down.get("newStatus").asText()).isEqualTo("UNAVAILABLE");
        assertThat(down.get("features").toString()).contains("sessions");
        assertThat(down.get("instance").asText()).isEqualTo("ci-box");

        redis.restart();
        await().atMost(Duration.ofSeconds(20)).until(() -> hook.bodies.size() == 2);
        JsonNode up = ServeCommandTest.JSON.readTree(hook.bodies.get(1));
        assertThat(up.get("newStatus").asText()).isEqualTo("HEALTHY");
        assertThat(up.get("oldStatus").asText()).isEqualTo("UNAVAILABLE");
        await().atMost(Duration.ofSeconds(5)).until(() ->
            metric(s.uri(), "lifeline_alerts_total{", "sink=\"ops\"", "outcome=\"sent\"") == 2.0);
        // the hook's path stands for a credential: never in a response, a metric or the log
        String metrics = ServeCommandTest.get(s.uri(), "/metrics").body();
        assertThat(metrics).doesNotContain("SECRET-PATH-TOKEN").doesNotContain(CANARY);
        // and nothing more arrives: HEALTHY → DEGRADED → UNAVAILABLE and back were one alert each way
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> hook.requests.get() == 2);
      }
      assertThat(err.toString()).doesNotContain(CANARY).doesNotContain("SECRET-PATH-TOKEN");
      assertThat(hook.bodies).allSatisfy(b -> assertThat(b).doesNotContain(CANARY));
    }
  }

  @Test
  void editingTheFileUnderARunningServerAddsRetunesAndRemovesServices() throws Exception {
    Path f = dir.resolve("reload.yml");
    int port = RedisServerExtension.freePort();
    String head = "health: {interval: 300ms, timeout: 1s, unavailableThreshold: 1, recoveryThreshold: 1}";
    save(f, head,
        "features: {sessions: {critical: false}}",
        "services:",
        redisService("cache", ""));
    StringWriter err = new StringWriter();
    try (ServeCommandTest.Serving s = serve(f, port, err)) {
      awaitCacheHealthy(s.uri());

      // added: a second Redis service; retuned: sessions becomes critical
      save(f, head,
          "features: {sessions: {critical: true}}",
          "services:",
          redisService("cache", ""),
          redisService("cache2", "400ms", ""));
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        JsonNode n = health(s.uri());
        return n.at("/services/cache2/status").asText().equals("HEALTHY")
            && n.at("/config/lastReload").asText().equals("applied");
      });
      JsonNode h = health(s.uri());
      assertThat(h.at("/features/sessions/critical").asBoolean()).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() ->
          metric(s.uri(), "lifeline_health_status{", "service=\"cache2\"", "status=\"healthy\"") == 1.0);

      // rejected: an unknown key; the running services stay, the problem is shown
      save(f, head,
          "features: {sessions: {critical: true}}",
          "services:",
          redisService("cache", ", timeuot: 1s"));
      await().atMost(Duration.ofSeconds(10)).until(() -> health(s.uri()).at("/config/lastReload").asText()
          .equals("rejected"));
      h = health(s.uri());
      assertThat(h.at("/config/problems").toString()).contains("services.cache.timeuot").contains("timeout");
      assertThat(h.at("/services/cache2/status").asText()).isEqualTo("HEALTHY");

      // removed: cache2 goes, with its metrics
      save(f, head,
          "features: {sessions: {critical: true}}",
          "services:",
          redisService("cache", ""));
      // the status says "applied" once apply() has returned, a moment after the service went
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        JsonNode n = health(s.uri());
        return n.at("/services/cache2").isMissingNode() && n.at("/config/lastReload").asText().equals("applied");
      });
      await().atMost(Duration.ofSeconds(10)).until(() ->
          !ServeCommandTest.get(s.uri(), "/metrics").body().contains("service=\"cache2\""));

      // health: and console: apply too: a new schedule, and a console token (the console restarts)
      String token = "console-Tok-3391";
      save(f, "health: {interval: 2s, timeout: 1s, unavailableThreshold: 1, recoveryThreshold: 1}",
          "console: {token: '" + token + "'}",
          "features: {sessions: {critical: true}}",
          "services:",
          redisService("cache", ""));
      // a probe polled all along never finds the port closed: a new token is taken in place
      java.util.concurrent.atomic.AtomicBoolean polling = new java.util.concurrent.atomic.AtomicBoolean(true);
      CompletableFuture<Integer> probes = CompletableFuture.supplyAsync(() -> {
        int n = 0;
        while (polling.get()) {
          try {
            assertThat(ServeCommandTest.get(s.uri(), "/health/live").statusCode()).isEqualTo(200);
          } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
          }
          n++;
        }
        return n;
      });
      try {
        await().atMost(Duration.ofSeconds(10)).until(() -> ServeCommandTest.get(s.uri(), "/health").statusCode() == 401);
      } finally {
        polling.set(false);
      }
      assertThat(probes.get(20, java.util.concurrent.TimeUnit.SECONDS)).isPositive();
      HttpResponse<String> authorized = ServeCommandTest.HTTP.send(java.net.http.HttpRequest.newBuilder(
          s.uri().resolve("/health")).header("Authorization", "Bearer " + token).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(authorized.statusCode()).isEqualTo(200);
      JsonNode config = ServeCommandTest.JSON.readTree(authorized.body()).at("/config");
      assertThat(config.at("/lastReload").asText()).isEqualTo("applied");
      assertThat(config.at("/needRestart").toString()).isEqualTo("[]");
      assertThat(config.at("/retuned").toString()).contains("health").contains("console");
      assertThat(authorized.body()).doesNotContain(token).doesNotContain(CANARY);
      assertThat(ServeCommandTest.get(s.uri(), "/health/ready").statusCode()).isEqualTo(200); // probes stay open
      // the token goes again: the console is open again
      save(f, "health: {interval: 2s, timeout: 1s, unavailableThreshold: 1, recoveryThreshold: 1}",
          "features: {sessions: {critical: true}}",
          "services:",
          redisService("cache", ""));
      await().atMost(Duration.ofSeconds(10)).until(() -> ServeCommandTest.get(s.uri(), "/health").statusCode() == 200);
    }
    assertThat(err.toString()).doesNotContain("console-Tok-3391");
    assertThat(err.toString()).doesNotContain(CANARY);
  }

  @Test
  void aNewConsolePortServesBeforeTheOldOneStopsAndATakenPortLeavesTheOldOneServing() throws Exception {
    Path f = dir.resolve("console-port.yml");
    int first = RedisServerExtension.freePort();
    String head = "health: {interval: 300ms, timeout: 1s, unavailableThreshold: 1, recoveryThreshold: 1}\n"
        + "features: {sessions: {critical: false}}";
    save(f, head, "console: {port: " + first + "}", "services:", redisService("cache", ""));
    StringWriter err = new StringWriter();
    try (ServeCommandTest.Serving s = serve(f, err);
        java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      URI one = s.uri();
      assertThat(one.getPort()).isEqualTo(first);
      awaitCacheHealthy(one);

      // a port another process holds: refused, named, and the running console serves on
      save(f, head, "console: {port: " + taken.getLocalPort() + "}", "services:", redisService("cache", ""));
      await().atMost(Duration.ofSeconds(10)).until(() ->
          health(one).at("/config/needRestart").toString().contains("console"));
      assertThat(health(one).at("/config/needRestart").toString()).contains(String.valueOf(taken.getLocalPort()));
      assertThat(ServeCommandTest.get(one, "/health/ready").statusCode()).isEqualTo(200);

      // a free port: the new console serves, then the old port is released
      int second = RedisServerExtension.freePort();
      save(f, head, "console: {port: " + second + "}", "services:", redisService("cache", ""));
      URI two = URI.create("http://127.0.0.1:" + second + "/");
      await().ignoreExceptions().atMost(Duration.ofSeconds(10)).until(() ->
          ServeCommandTest.get(two, "/health/ready").statusCode() == 200);
      await().atMost(Duration.ofSeconds(10)).until(() -> refused(one));
      // the status is set once apply() has returned, a moment after the new console served
      await().atMost(Duration.ofSeconds(10)).until(() -> health(two).at("/config/retuned").toString()
          .contains("console"));
      assertThat(health(two).at("/config/needRestart").toString()).isEqualTo("[]");
    }
    assertThat(err.toString()).doesNotContain(CANARY);
  }

  private static boolean refused(URI base) {
    try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
      return false;
    } catch (java.io.IOException e) {
      return true;
    }
  }

  @Test
  void editingTheAlertsSectionSwitchesSinksWithoutARestart() throws Exception {
    try (AlertReceiver first = new AlertReceiver(); AlertReceiver second = new AlertReceiver()) {
      Path f = dir.resolve("sinks.yml");
      String head = "health: {interval: 300ms, timeout: 1s, unavailableThreshold: 1, recoveryThreshold: 1}\n"
          + "features: {sessions: {critical: false}}";
      save(f, head,
          "alerts:",
          "  ops: {type: webhook, url: '" + first.url() + "', minInterval: 0s}",
          "services:",
          redisService("cache", ""));
      StringWriter err = new StringWriter();
      try (ServeCommandTest.Serving s = serve(f, RedisServerExtension.freePort(), err)) {
        awaitCacheHealthy(s.uri());
        assertThat(metric(s.uri(), "lifeline_alerts_total{", "sink=\"ops\"", "outcome=\"sent\"")).isZero();

        // the sink's URL changes: applied at once, no restart asked for
        save(f, head,
            "alerts:",
            "  ops: {type: webhook, url: '" + second.url() + "', minInterval: 0s}",
            "services:",
            redisService("cache", ""));
        await().atMost(Duration.ofSeconds(10)).until(() ->
            health(s.uri()).at("/config/alertSinksChanged").toString().contains("ops"));
        assertThat(health(s.uri()).at("/config/needRestart").toString()).doesNotContain("alerts");

        redis.kill();
        try {
          await().atMost(Duration.ofSeconds(10)).until(() -> second.bodies.size() == 1);
          assertThat(ServeCommandTest.JSON.readTree(second.bodies.get(0)).get("newStatus").asText())
              .isEqualTo("UNAVAILABLE");
          await().atMost(Duration.ofSeconds(5)).until(() ->
              metric(s.uri(), "lifeline_alerts_total{", "sink=\"ops\"", "outcome=\"sent\"") == 1.0);
          assertThat(first.requests.get()).as("the old URL").isZero();

          // the sink is removed: its series go, and the recovery alerts nobody
          save(f, head,
              "services:",
              redisService("cache", ""));
          await().atMost(Duration.ofSeconds(10)).until(() ->
              !ServeCommandTest.get(s.uri(), "/metrics").body().contains("sink=\"ops\""));
        } finally {
          redis.restart();
        }
        awaitCacheHealthy(s.uri());
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() ->
            second.requests.get() == 1 && first.requests.get() == 0);
      }
      assertThat(err.toString()).doesNotContain(CANARY);
    }
  }
}
