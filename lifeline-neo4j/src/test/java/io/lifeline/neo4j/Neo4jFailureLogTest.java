package io.lifeline.neo4j;

import static io.lifeline.neo4j.TestConfigs.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthStatus;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A Neo4j manager that never connects is visible at the default log level (issue 12 part 3): the
 * first failures stay at DEBUG, the third in a row is one WARN (not one per call), sanitized, and the
 * health report carries the error.
 */
class Neo4jFailureLogTest {

  @Test
  void aNeo4jThatNeverAnswersIsOneWarnAndInTheHealthReport() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed again: connections are refused
    }
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Neo4jConnectionManager.class);
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    logger.addAppender(events);
    ConnectionHealthManager health = ConnectionHealthManager.builder().build();
    Neo4jConfig cfg = config("bolt://127.0.0.1:" + port).user("neo4j").password("s3cret-pw")
        .retry(RetryConfig.builder().maxRetries(0).circuitBreakerThreshold(100).build())
        .connectionTimeout(Duration.ofSeconds(1)).build();
    try (var m = new Neo4jConnectionManager(cfg)) {
      m.registerWith(health, Set.of("graph"));
      for (int i = 0; i < 6; i++) {
        assertThat(catchThrowable(() -> m.executeQuery("RETURN 1")))
            .isInstanceOf(ServiceUnavailableException.class);
      }

      assertThat(events.list).filteredOn(e -> e.getLevel() == Level.WARN).singleElement().satisfies(e ->
          assertThat(e.getFormattedMessage()).startsWith("Neo4j '" + m.name() + "' is failing: 3 consecutive failures")
              .doesNotContain("s3cret-pw"));
      HealthStatus status = health.status(m.name());
      assertThat(status.lastError()).isNotBlank().doesNotContain("s3cret-pw");
    } finally {
      logger.detachAppender(events);
      health.close();
    }
  }
}
