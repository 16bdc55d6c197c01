package com.example.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeline.testkit.PostgresServerExtension;
import io.lifeline.testkit.RedisServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import io.lifeline.redis.RedisConnectionManager;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** The example over HTTP, against real Redis and PostgreSQL: prices keep answering while Redis is killed. */
class ShopApplicationTest {
  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.builder().build();

  @RegisterExtension
  static final PostgresServerExtension PG = PostgresServerExtension.builder().build();

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> call(int port, String method, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesPricesThroughARedisOutageAndExposesHealthAndMetrics() throws Exception {
    PG.execute("CREATE TABLE orders(id text PRIMARY KEY)");
    // stops in the web server's graceful-shutdown phase: Lifeline must still be open then
    AtomicReference<Boolean> redisClosedDuringGracefulShutdown = new AtomicReference<>();
    AtomicReference<ConfigurableApplicationContext> ref = new AtomicReference<>();
    SmartLifecycle probe = new SmartLifecycle() {
      private volatile boolean running;
      @Override public void start() { running = true; }
      @Override public void stop() {
        running = false;
        redisClosedDuringGracefulShutdown.set(ref.get().getBean(RedisConnectionManager.class).isClosed());
      }
      @Override public boolean isRunning() { return running; }
      @Override public int getPhase() { return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE; }
    };
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(ShopApplication.class)
        .initializers(ctx -> {
          ref.set(ctx);
          ctx.getBeanFactory().registerSingleton("gracefulShutdownProbe", probe);
        })
        .run("--server.port=0", "--spring.datasource.url=" + PG.jdbcUrl(),
        "--spring.datasource.username=" + PostgresServerExtension.SUPERUSER,
        "--spring.data.redis.url=" + REDIS.url(),
        "--lifeline.health.check-interval=200ms", "--lifeline.health.unavailable-threshold=1",
        "--lifeline.health.recovery-threshold=1", "--lifeline.redis.command-timeout=500ms")) {
      int port = ((WebServerApplicationContext) app).getWebServer().getPort();
      assertThat(call(port, "GET", "/prices/tea").body()).isEqualTo("tea=30");
      assertThat(call(port, "POST", "/orders/1").body()).isEqualTo("APPLIED");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(call(port, "GET", "/actuator/health/lifeline/redis").body()).contains("\"UP\""));
      assertThat(call(port, "GET", "/actuator/prometheus").body()).contains("lifeline_");
      // the full report, exposed because application.properties adds "lifeline" to the web exposure
      HttpResponse<String> report = call(port, "GET", "/actuator/lifeline");
      assertThat(report.statusCode()).isEqualTo(200);
      assertThat(report.body()).contains("\"services\"").contains("\"redis\"").contains("\"database\"");

      REDIS.kill();
      try {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(call(port, "GET", "/actuator/health/lifeline/redis").statusCode()).isEqualTo(503));
        HttpResponse<String> price = call(port, "GET", "/prices/coffee");
        assertThat(price.statusCode()).isEqualTo(200);
        assertThat(price.body()).isEqualTo("coffee=60");
        // Redis backs only "caching": the shop stays ready
        assertThat(call(port, "GET", "/actuator/health/readiness").statusCode()).isEqualTo(200);
      } finally {
        REDIS.restart();
      }
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
          assertThat(call(port, "GET", "/actuator/health/lifeline/redis").statusCode()).isEqualTo(200));
      RedisConnectionManager redis = app.getBean(RedisConnectionManager.class);
      app.close();
      assertThat(redisClosedDuringGracefulShutdown.get()).as("Redis manager closed during graceful shutdown").isFalse();
      assertThat(redis.isClosed()).as("closed after it").isTrue();
    }
  }
}
