package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConnectionMetricsTest {

  @Test
  void countsAndRates() {
    ConnectionMetrics m = new ConnectionMetrics();
    assertThat(m.successRate()).isZero();
    assertThat(m.snapshot().lastError()).isNull();
    m.recordSuccess();
    m.recordSuccess();
    m.recordSuccess();
    m.recordFailure(new IOException("refused"));
    m.recordRetry();
    m.recordRejected();
    m.recordBudgetRefusal();
    m.recordConnectionDuration(Duration.ofMillis(12));
    ConnectionMetrics.Snapshot s = m.snapshot();
    assertThat(s.totalConnections()).isEqualTo(4);
    assertThat(s.successfulConnections()).isEqualTo(3);
    assertThat(s.failedConnections()).isEqualTo(1);
    assertThat(s.successRate()).isEqualTo(0.75);
    assertThat(s.totalRetries()).isEqualTo(1);
    assertThat(s.rejectedCalls()).isEqualTo(1);
    assertThat(s.budgetRefusals()).isEqualTo(1);
    assertThat(s.lastError()).isEqualTo("IOException: refused");
    assertThat(s.lastErrorAt()).isNotNull();
    assertThat(s.connectionDuration()).isEqualTo(Duration.ofMillis(12));
    m.reset();
    assertThat(m.snapshot().totalConnections()).isZero();
  }

  @Test
  void lastErrorIsSanitized() {
    ConnectionMetrics m = new ConnectionMetrics();
    m.recordFailure(new IOException("cannot reach redis://:s3cret@cache:6379/0"));
    assertThat(m.lastError()).doesNotContain("s3cret").contains("cache:6379");
    assertThat(m.toString()).doesNotContain("s3cret");
  }
}
