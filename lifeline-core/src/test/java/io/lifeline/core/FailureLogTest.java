package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The persisting-failure WARN: after the quiet failures, then at most once per interval, sanitized. */
class FailureLogTest {
  private final FakeTicker ticker = new FakeTicker();
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();
  private ch.qos.logback.classic.Logger logger;

  @BeforeEach
  void capture() {
    logger = new LoggerContext().getLogger("test");
    logger.setLevel(Level.DEBUG);
    events.start();
    logger.addAppender(events);
  }

  private static IOException refused() {
    return new IOException("connection refused: bolt://neo4j:s3cret@graph:7687");
  }

  @Test
  void warnsOnTheThirdFailureThenOncePerIntervalThenInfoOnRecovery() {
    FailureLog f = new FailureLog(logger, "Neo4j 'graph'", 3, Duration.ofMinutes(1), ticker);
    assertThat(f.failure(refused())).isFalse();
    assertThat(f.failure(refused())).isFalse();
    assertThat(f.failure(refused())).isTrue();
    for (int i = 0; i < 1_000; i++) { // a busy outage: one WARN per minute, not one per call
      ticker.advance(Duration.ofMillis(10));
      f.failure(refused());
    }
    ticker.advance(Duration.ofMinutes(1));
    assertThat(f.failure(refused())).isTrue();
    f.success();
    f.success();

    assertThat(events.list).filteredOn(e -> e.getLevel() == Level.WARN).extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly(
            "Neo4j 'graph' is failing: 3 consecutive failures, last: IOException: connection refused: bolt://neo4j:****@graph:7687",
            "Neo4j 'graph' is still failing: 1001 failures in the last 70.0s (1004 in a row), last: IOException: connection refused: bolt://neo4j:****@graph:7687");
    assertThat(events.list).filteredOn(e -> e.getLevel() == Level.INFO).extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("Neo4j 'graph' answers again after 1004 consecutive failures");
    assertThat(events.list).extracting(ILoggingEvent::getFormattedMessage).noneMatch(m -> m.contains("s3cret"));
    assertThat(f.consecutiveFailures()).isZero();
  }

  @Test
  void aBlipBelowTheThresholdStaysAtDebug() {
    FailureLog f = new FailureLog(logger, "db", 3, Duration.ofMinutes(1), ticker);
    f.failure(refused());
    f.failure(refused());
    f.success();
    f.failure(refused());
    assertThat(events.list).allMatch(e -> e.getLevel() == Level.DEBUG).hasSize(3);
  }

  @Test
  void badSettingsNameTheKey() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FailureLog(logger, "x", 0, Duration.ofMinutes(1), ticker))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("quietFailures");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FailureLog(logger, "x", 1, Duration.ZERO, ticker))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("interval");
  }
}
