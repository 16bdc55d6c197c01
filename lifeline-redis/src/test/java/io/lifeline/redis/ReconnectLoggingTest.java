package io.lifeline.redis;

import static io.lifeline.redis.RedisTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthStatus;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A manager whose Redis is down from the start is visible at the default log level: reconnect
 * failures are DEBUG for the first attempts, then one WARN (rate-limited, no password), and the
 * health report carries the reason.
 */
class ReconnectLoggingTest {
  static final String PASSWORD = "s3cretPw-42";
  final ListAppender<ILoggingEvent> log = new ListAppender<>();
  final Logger logger = (Logger) LoggerFactory.getLogger(RedisConnectionManager.class);

  @BeforeEach
  void capture() {
    log.start();
    logger.addAppender(log);
  }

  @AfterEach
  void release() {
    logger.detachAppender(log);
  }

  static String render(ILoggingEvent e) {
    return e.getLevel() + " " + e.getFormattedMessage()
        + (e.getThrowableProxy() == null ? "" : " " + ThrowableProxyUtil.asString(e.getThrowableProxy()));
  }

  @Test
  void aRedisThatIsDownFromTheStartIsWarnedAboutOnceAndReportedToHealth() {
    int port = RedisServerExtension.freePort(); // nothing listens there
    ConnectionHealthManager health = ConnectionHealthManager.builder().build();
    try (RedisConnectionManager m = RedisConnectionManager.create(
        config("redis://:" + PASSWORD + "@127.0.0.1:" + port + "/0").name("never-up").build(), health)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> m.metrics().reconnectAttempts() >= 20);
      List<ILoggingEvent> events = List.copyOf(log.list);
      List<ILoggingEvent> warns = events.stream()
          .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).collect(Collectors.toList());
      assertThat(warns).as("one WARN over 20 failed attempts (rate-limited)").hasSize(1);
      assertThat(warns.get(0).getFormattedMessage())
          .contains("never-up").contains("attempts").contains("127.0.0.1:" + port);
      assertThat(events).allSatisfy(e -> assertThat(render(e)).doesNotContain(PASSWORD));
      assertThat(m.isUsingFallback()).isTrue();

      HealthStatus s = health.status("never-up");
      assertThat(s.status()).isEqualTo(ServiceStatus.UNAVAILABLE);
      assertThat(s.lastError()).isNotBlank().doesNotContain(PASSWORD);
      assertThat(m.healthCheck().error()).isNotBlank().doesNotContain(PASSWORD);
    } finally {
      health.close();
    }
  }
}
