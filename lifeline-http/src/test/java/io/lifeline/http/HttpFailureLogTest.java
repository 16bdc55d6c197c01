package io.lifeline.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.health.ConnectionHealthManager;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * An HTTP service that never answers is visible at the default log level (issue 12 part 3): one
 * WARN after three failures in a row (not one per call), sanitized, and the error in the health report.
 */
class HttpFailureLogTest {

  @Test
  void aServiceThatNeverAnswersIsOneWarnAndInTheHealthReport() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed again: connections are refused
    }
    ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger)
        org.slf4j.LoggerFactory.getLogger(HttpServiceConnectionManager.class);
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    logger.addAppender(events);
    ConnectionHealthManager health = ConnectionHealthManager.builder().build();
    try (HttpServiceConnectionManager m = new HttpServiceConnectionManager(
        HttpServiceConfig.builder("search").baseUrl("http://127.0.0.1:" + port)
            .bearerToken("s3cret-token").connectTimeout(Duration.ofSeconds(1))
            .retryConfig(RetryConfig.builder().maxRetries(0).circuitBreakerThreshold(100).build()).build())) {
      m.registerWith(health, Set.of("search"));
      for (int i = 0; i < 6; i++) {
        assertThat(catchThrowable(() -> m.request("GET", "/q?token=s3cret-token")))
            .isInstanceOf(ServiceUnavailableException.class);
      }

      assertThat(events.list).filteredOn(e -> e.getLevel() == Level.WARN).singleElement().satisfies(e ->
          assertThat(e.getFormattedMessage()).startsWith("HTTP service 'search' is failing: 3 consecutive failures")
              .doesNotContain("s3cret-token"));
      assertThat(health.status("search").lastError()).isNotBlank().doesNotContain("s3cret-token");
    } finally {
      logger.detachAppender(events);
      health.close();
    }
  }
}
