package io.lifeline.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.lifeline.jdbc.DatabaseConnectionManager;
import io.lifeline.redis.RedisConnectionManager;
import io.lifeline.testkit.PostgresServerExtension;
import io.lifeline.testkit.RedisServerExtension;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Passwords given to Boot ({@code spring.data.redis.url} with a password, {@code
 * spring.datasource.password}) never reach what the application shows: health details, the
 * {@code lifeline} endpoint's report, meter tags, the managers' {@code toString()} or the log,
 * while the backends are up, down, and (Redis) refusing the password.
 */
class LifelineSpringSecretsTest {
  static final String REDIS_PASSWORD = "r3dis-Pw-5521";
  static final String WRONG_PASSWORD = "wr0ng-Pw-7781";
  static final String DB_PASSWORD = "pg-Pw-90x1";
  static final String LOGGING_SYSTEM = "org.springframework.boot.logging.LoggingSystem";

  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.builder().password(REDIS_PASSWORD).build();

  @RegisterExtension
  static final PostgresServerExtension PG = PostgresServerExtension.builder().build();

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  private static ConfigurableApplicationContext start(String redisPassword) {
    return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
        .properties(
            "spring.main.banner-mode=off",
            "spring.jmx.enabled=false",
            "spring.data.redis.url=redis://:" + redisPassword + "@127.0.0.1:" + REDIS.port() + "/0",
            "spring.datasource.url=" + PG.jdbcUrl(),
            "spring.datasource.username=shop",
            "spring.datasource.password=" + DB_PASSWORD,
            "spring.datasource.hikari.connection-timeout=1000",
            "management.endpoint.health.show-details=always",
            "lifeline.health.check-interval=200ms",
            "lifeline.health.unavailable-threshold=1",
            "lifeline.health.recovery-threshold=1",
            "lifeline.retry.max-retries=1",
            "lifeline.retry.base-delay=10ms",
            "lifeline.redis.command-timeout=500ms",
            "lifeline.redis.connect-timeout=500ms")
        .run();
  }

  /** Everything the application shows about Lifeline, as text. */
  private static String shown(ConfigurableApplicationContext app) {
    StringBuilder b = new StringBuilder();
    HealthEndpoint health = app.getBean(HealthEndpoint.class);
    render(health.health(), b); // every component, with its details
    b.append('\n');
    Map<String, Object> report = app.getBean(LifelineEndpoint.class).report();
    b.append(report).append('\n');
    app.getBean(MeterRegistry.class).getMeters().forEach(m -> b.append(m.getId()).append('\n'));
    b.append(app.getBean(RedisConnectionManager.class)).append('\n');
    b.append(app.getBean(DatabaseConnectionManager.class)).append('\n');
    return b.toString();
  }

  private static String details(ConfigurableApplicationContext app, String service) {
    StringBuilder b = new StringBuilder();
    render(app.getBean(HealthEndpoint.class).healthForPath("lifeline", service), b);
    return b.toString();
  }

  /** A health tree as the JSON Actuator serves would show it: status and details, recursively. */
  private static void render(HealthDescriptor d, StringBuilder b) {
    b.append(d.getStatus());
    if (d instanceof IndicatedHealthDescriptor i) {
      b.append(' ').append(i.getDetails());
    } else if (d instanceof CompositeHealthDescriptor c) {
      c.getComponents().forEach((name, child) -> {
        b.append(" {").append(name).append(": ");
        render(child, b);
        b.append('}');
      });
    }
  }

  @Test
  void noPasswordInHealthReportMetricsOrLogsWhileUpDownAndRefused() throws Exception {
    PG.createUser("shop", DB_PASSWORD);
    // Boot's logging system would reset Logback at each start and drop the capturing appender:
    // leave Logback as logback-test.xml set it up, so every line (start-up included) is captured
    System.setProperty(LOGGING_SYSTEM, "none");
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    root.addAppender(log);
    List<String> views = new ArrayList<>();
    try {
      try (ConfigurableApplicationContext app = start(REDIS_PASSWORD)) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          assertThat(app.getBean(HealthEndpoint.class).healthForPath("lifeline", "redis").getStatus())
              .isEqualTo(Status.UP);
          assertThat(app.getBean(HealthEndpoint.class).healthForPath("lifeline", "database").getStatus())
              .isEqualTo(Status.UP);
        });
        app.getBean(DatabaseConnectionManager.class).query("SELECT 1");
        views.add(shown(app));
        REDIS.kill();
        PG.stop();
        try {
          await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(app.getBean(HealthEndpoint.class).healthForPath("lifeline", "redis").getStatus())
                .isEqualTo(Status.DOWN);
            assertThat(app.getBean(HealthEndpoint.class).healthForPath("lifeline", "database").getStatus())
                .isEqualTo(Status.DOWN);
          });
          views.add(shown(app));
        } finally {
          PG.restart();
          REDIS.restart();
        }
      }
      // a wrong password: Redis refuses it; the error is shown, the password is not
      try (ConfigurableApplicationContext app = start(WRONG_PASSWORD)) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(details(app, "redis")).contains("DOWN").containsIgnoringCase("auth"));
        views.add(shown(app));
      }
    } finally {
      root.detachAppender(log);
      System.clearProperty(LOGGING_SYSTEM);
    }
    List<String> logged = new ArrayList<>();
    synchronized (log) { // the appender appends under its own lock
      for (ILoggingEvent e : log.list) {
        logged.add(e.getFormattedMessage()
            + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy())));
      }
    }
    assertThat(logged).as("log lines about the outage").anyMatch(l -> l.contains("UNAVAILABLE"));
    assertThat(views.get(1)).as("the outage, with its details").contains("DOWN").contains("lastError");
    for (String secret : List.of(REDIS_PASSWORD, WRONG_PASSWORD, DB_PASSWORD)) {
      assertThat(views).as("what the application shows").noneMatch(v -> v.contains(secret));
      assertThat(logged).as("the log").noneMatch(l -> l.contains(secret));
    }
  }
}
