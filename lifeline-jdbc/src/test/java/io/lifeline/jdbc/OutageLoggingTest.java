package io.lifeline.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lifeline.core.ConnectionState;
import io.lifeline.core.health.CheckResult;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A manager that never connects is visible at the default log level: a WARN when the outage starts,
 * then rate-limited "still down" WARNs while it lasts, all sanitized; the health check carries the
 * driver's reason. No server: the port is closed, so every connect is refused.
 */
class OutageLoggingTest {
  private static final String PASSWORD = "s3cret-Pw-0451";
  private static final Duration REMIND_EVERY = Duration.ofMillis(300);

  private final Logger logger = (Logger) LoggerFactory.getLogger(DatabaseConnectionManager.class);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  @BeforeEach
  void attach() {
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(appender);
  }

  private List<String> warnings() {
    return snapshot(appender).stream().filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
  }

  @Test
  void neverConnectingManagerWarnsAtOnceThenRateLimitedAndSanitized() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: connects are refused
    }
    DatabaseConfig config = TestDb.config("jdbc:postgresql://127.0.0.1:" + port + "/postgres")
        .name("never").password(PASSWORD).recoveryProbeInterval(Duration.ofMillis(50)).build();
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(config, REMIND_EVERY)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> warnings().size() >= 1);
      long firstAt = System.nanoTime();
      assertThat(warnings().get(0)).contains("'never'", "is down", "never connected", "refused");

      await().atMost(Duration.ofSeconds(5)).until(() -> warnings().size() >= 3);
      long elapsedMs = (System.nanoTime() - firstAt) / 1_000_000;
      List<String> w = warnings();
      // at most one reminder per 300 ms, although a probe fails every 50 ms
      assertThat(w.size()).isLessThanOrEqualTo(2 + (int) (elapsedMs / REMIND_EVERY.toMillis()));
      assertThat(w.subList(1, w.size())).allSatisfy(line -> assertThat(line)
          .contains("'never'", "still down after", "failed probes", "never connected", "refused"));
      assertThat(w).noneMatch(line -> line.contains(PASSWORD));

      CheckResult health = db.healthCheck();
      assertThat(health.outcome()).isEqualTo(CheckResult.Outcome.DOWN);
      assertThat(health.error()).contains("refused").doesNotContain(PASSWORD);
      assertThat(db.state()).isEqualTo(ConnectionState.FAILED);
    }
    assertThat(appender.list).noneMatch(e -> e.getFormattedMessage().contains(PASSWORD)
        || (e.getThrowableProxy() != null && e.getThrowableProxy().getMessage() != null
            && e.getThrowableProxy().getMessage().contains(PASSWORD)));
  }

  /**
   * The events so far: copied under the appender's own lock (logback's {@code AppenderBase} appends
   * under it), as other threads keep logging while the test reads.
   */
  private static java.util.List<ch.qos.logback.classic.spi.ILoggingEvent> snapshot(
      ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> a) {
    synchronized (a) {
      return new java.util.ArrayList<>(a.list);
    }
  }
}
