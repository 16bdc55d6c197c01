package io.lifeline.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeline.jdbc.DatabaseConnectionManager;
import io.lifeline.jdbc.WriteCommand;
import io.lifeline.jdbc.WriteOutcome;
import io.lifeline.micrometer.LifelineMetrics;
import io.lifeline.redis.RedisConnectionManager;
import io.lifeline.testkit.PostgresServerExtension;
import io.lifeline.testkit.RedisServerExtension;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * Real Spring Boot applications (SpringApplication, full auto-configuration: Boot's DataSource,
 * Actuator health, metrics) against the testkit's real Redis and PostgreSQL, which the tests kill
 * and restart. One Redis and one PostgreSQL for the class; two application contexts: one where
 * Redis backs only non-critical features, one where it backs a critical one.
 */
class LifelineSpringApplicationTest {

  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.builder().build();

  @RegisterExtension
  static final PostgresServerExtension PG = PostgresServerExtension.builder().durable(true).build();

  static ConfigurableApplicationContext app;
  static Path journalDir;

  /** The application: a price lookup cached in Redis and an order service writing to the database. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class ShopApplication {
    @Bean
    PriceService priceService(RedisConnectionManager redis) {
      return new PriceService(redis);
    }

    @Bean
    OrderService orderService(DatabaseConnectionManager db) {
      return new OrderService(db);
    }
  }

  /** Like a controller's handler: answers from Redis, or from the source (and the fallback) while Redis is down. */
  static final class PriceService {
    final RedisConnectionManager redis;
    final AtomicInteger sourceLoads = new AtomicInteger();

    PriceService(RedisConnectionManager redis) {
      this.redis = redis;
    }

    String price(String product) {
      String cached = redis.get("price:" + product);
      if (cached != null) {
        return cached;
      }
      sourceLoads.incrementAndGet();
      String loaded = product + "=42";
      redis.set("price:" + product, loaded, Duration.ofMinutes(5));
      return loaded;
    }
  }

  static final class OrderService {
    final DatabaseConnectionManager db;

    OrderService(DatabaseConnectionManager db) {
      this.db = db;
    }

    WriteOutcome place(String id) {
      return db.submit(WriteCommand.of("order-" + id, "INSERT INTO orders(id) VALUES (?)", id));
    }
  }

  /**
   * What the real-application tests share: quiet Boot, probes and details on, health decided by one
   * check every 200 ms, one fast retry. Each test adds its backend and its check timeout.
   */
  static final String[] QUICK_HEALTH = {
      "spring.main.banner-mode=off",
      "spring.jmx.enabled=false",
      "management.endpoint.health.probes.enabled=true",
      "management.endpoint.health.show-details=always",
      "lifeline.health.check-interval=200ms",
      "lifeline.health.unavailable-threshold=1",
      "lifeline.health.recovery-threshold=1",
      "lifeline.retry.max-retries=1",
      "lifeline.retry.base-delay=10ms",
      "lifeline.retry.max-delay=50ms",
      "lifeline.retry.circuit-breaker-timeout=1s"};

  static String[] common() {
    return new String[] {
        "spring.data.redis.url=" + REDIS.url(),
        "lifeline.health.check-timeout=1s",
        "lifeline.redis.command-timeout=500ms",
        "lifeline.redis.connect-timeout=500ms"};
  }

  @BeforeAll
  static void startApplication() throws Exception {
    PG.execute("CREATE TABLE orders(id text PRIMARY KEY)");
    journalDir = Files.createTempDirectory("lifeline-spring-journal");
    app = new SpringApplicationBuilder(ShopApplication.class).web(WebApplicationType.NONE)
        .properties(QUICK_HEALTH).properties(common())
        .properties(
            "spring.datasource.url=" + PG.jdbcUrl(),
            "spring.datasource.username=" + PostgresServerExtension.SUPERUSER,
            "spring.datasource.hikari.connection-timeout=1000",
            "spring.datasource.hikari.maximum-pool-size=6",
            "spring.datasource.hikari.data-source-properties.connectTimeout=1",
            "spring.datasource.hikari.data-source-properties.socketTimeout=2",
            "lifeline.redis.features=caching",
            "lifeline.database.features=orders",
            "lifeline.database.degraded-mode=JOURNAL",
            "lifeline.database.journal-path=" + journalDir.resolve("orders.journal"),
            "lifeline.database.recovery-probe-interval=100ms",
            "lifeline.database.pool-timeout=2s",
            "lifeline.health.critical-features=orders")
        .run();
  }

  @AfterAll
  static void stopApplication() {
    if (app != null) {
      app.close();
    }
  }

  private static Status health(ConfigurableApplicationContext ctx, String... path) {
    return ctx.getBean(HealthEndpoint.class).healthForPath(path).getStatus();
  }

  @Test
  void theApplicationHasManagersOnBootsBeansHealthPerServiceAndMetrics() throws Exception {
    assertThat(app.getBean(DatabaseConnectionManager.class).name()).isEqualTo("database");
    assertThat(app.getBeansOfType(DataSource.class)).hasSize(1); // wrapped, no second DataSource
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(health(app, "lifeline", "redis")).isEqualTo(Status.UP);
      assertThat(health(app, "lifeline", "database")).isEqualTo(Status.UP);
      assertThat(health(app, "readiness")).isEqualTo(Status.UP);
    });
    // every server connection is one of Boot's pool: the manager opened none with the driver
    // (its own connections would carry ApplicationName=lifeline-database)
    app.getBean(DatabaseConnectionManager.class).query("SELECT 1");
    try (Connection c = PG.adminConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE application_name LIKE 'lifeline-%'), "
             + "count(*) FILTER (WHERE application_name = 'PostgreSQL JDBC Driver') FROM pg_stat_activity "
             + "WHERE datname IS NOT NULL AND pid <> pg_backend_pid()")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
      assertThat(rs.getInt(2)).isBetween(1, 6); // spring.datasource.hikari.maximum-pool-size=6
    }
    assertThat(app.getBean(LifelineMetrics.class)).isNotNull();
    MeterRegistry registry = app.getBean(MeterRegistry.class);
    assertThat(registry.getMeters()).anySatisfy(m -> assertThat(m.getId().getName()).startsWith("lifeline."));
    @SuppressWarnings("unchecked")
    Map<String, Object> report = app.getBean(LifelineEndpoint.class).report();
    assertThat(report).containsKeys("overall", "services", "availableFeatures");
    assertThat(report.toString()).doesNotContain("password");
  }

  @Test
  void redisKilledGoesDownAnswersFromFallbackAndRecoversWithoutTouchingReadiness() throws Exception {
    PriceService prices = app.getBean(PriceService.class);
    assertThat(prices.price("warm")).isEqualTo("warm=42");
    REDIS.kill();
    try {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(health(app, "lifeline", "redis")).isEqualTo(Status.DOWN));
      // Redis backs only "caching", which is not critical: the application stays ready
      assertThat(health(app, "readiness")).isEqualTo(Status.UP);
      int loads = prices.sourceLoads.get();
      assertThat(prices.price("p1")).isEqualTo("p1=42");
      assertThat(prices.price("p1")).isEqualTo("p1=42"); // served by the fallback cache
      assertThat(prices.sourceLoads.get()).isEqualTo(loads + 1);
    } finally {
      REDIS.restart();
    }
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(health(app, "lifeline", "redis")).isEqualTo(Status.UP));
  }

  @Test
  void redisBackingACriticalFeatureTakesTheApplicationOutOfReadinessAndBack() throws Exception {
    try (ConfigurableApplicationContext sessions = new SpringApplicationBuilder(SessionsApplication.class)
        .web(WebApplicationType.NONE)
        .properties(QUICK_HEALTH).properties(common())
        .properties("lifeline.redis.name=sessions-redis", "lifeline.redis.features=sessions",
            "lifeline.health.critical-features=sessions")
        .run()) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(health(sessions, "readiness")).isEqualTo(Status.UP));
      REDIS.kill();
      try {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          assertThat(health(sessions, "lifeline", "sessions-redis")).isEqualTo(Status.DOWN);
          assertThat(health(sessions, "readiness")).isEqualTo(Status.OUT_OF_SERVICE);
        });
        assertThat(health(sessions, "liveness")).isEqualTo(Status.UP); // not restarted, only not routed to
      } finally {
        REDIS.restart();
      }
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        assertThat(health(sessions, "lifeline", "sessions-redis")).isEqualTo(Status.UP);
        assertThat(health(sessions, "readiness")).isEqualTo(Status.UP);
      });
    }
  }

  /** Redis only: no DataSource. */
  @SpringBootConfiguration
  @EnableAutoConfiguration(excludeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
  static class SessionsApplication {}

  @Test
  void databaseDownInJournalModeAcknowledgesWritesAndReplaysThemExactlyOnce() throws Exception {
    OrderService orders = app.getBean(OrderService.class);
    DatabaseConnectionManager db = app.getBean(DatabaseConnectionManager.class);
    assertThat(orders.place("before")).isEqualTo(WriteOutcome.APPLIED);
    PG.stop();
    try {
      assertThat(orders.place("during-1")).isEqualTo(WriteOutcome.JOURNALED);
      assertThat(orders.place("during-2")).isEqualTo(WriteOutcome.JOURNALED);
      assertThat(orders.place("during-1")).isEqualTo(WriteOutcome.JOURNALED); // the same order twice
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(health(app, "lifeline", "database")).isEqualTo(Status.DOWN);
        assertThat(health(app, "readiness")).isEqualTo(Status.OUT_OF_SERVICE); // "orders" is critical
      });
    } finally {
      PG.restart();
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> db.journalBytes() == 0);
    try (Connection c = PG.adminConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE id = 'during-1'), count(*) FROM orders")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1); // replayed exactly once
      assertThat(rs.getInt(2)).isEqualTo(3);
    }
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      assertThat(health(app, "lifeline", "database")).isEqualTo(Status.UP);
      assertThat(health(app, "readiness")).isEqualTo(Status.UP);
    });
  }
}
