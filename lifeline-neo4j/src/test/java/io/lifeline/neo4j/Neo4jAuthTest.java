package io.lifeline.neo4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.CircuitBreaker;
import io.lifeline.core.ConnectionState;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthStatus;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.testkit.Neo4jServerExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.neo4j.driver.exceptions.AuthenticationException;

/** A real Neo4j with authentication: a wrong password fails fast, typed, once, and never leaks. */
class Neo4jAuthTest {
  private static final String PASSWORD = "correct-horse-battery";
  private static final String WRONG = "wrong-staple-9431";

  @RegisterExtension
  static final Neo4jServerExtension NEO4J = Neo4jServerExtension.withAuth(PASSWORD);

  private static Neo4jConfig.Builder config(String password) {
    return Neo4jConfig.builder().uri(NEO4J.proxyUri()).user("neo4j").password(password)
        .connectionTimeout(Duration.ofSeconds(2)).queryTimeout(Duration.ofSeconds(5))
        .retry(RetryConfig.builder().maxRetries(3).baseDelay(Duration.ofMillis(20)).build());
  }

  @Test
  void wrongPasswordFailsFastOnceTypedAndNeverShowsThePassword() throws Exception {
    try (ConnectionHealthManager health = ConnectionHealthManager.builder().unavailableThreshold(1).build();
         Neo4jConnectionManager m = new Neo4jConnectionManager(config(WRONG).build())) {
      m.registerWith(health, Set.of("graph"));
      long accepted = NEO4J.proxy().acceptedConnections();
      long t0 = System.nanoTime();
      assertThatThrownBy(m::connect).isInstanceOf(AuthenticationException.class)
          .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(WRONG));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
      assertThat(NEO4J.proxy().acceptedConnections() - accepted).isEqualTo(1); // not retried
      assertThat(m.guard().circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
      await().atMost(Duration.ofSeconds(5)).until(() -> m.state() == ConnectionState.FAILED);

      assertThatThrownBy(() -> m.executeQuery("RETURN 1")).isInstanceOf(AuthenticationException.class);
      HealthStatus status = health.checkNow("neo4j");
      assertThat(status.status()).isEqualTo(ServiceStatus.UNAVAILABLE);
      assertThat(status.lastError()).contains("AuthenticationException").doesNotContain(WRONG);
      assertThat(m.toString()).doesNotContain(WRONG);
      assertThat(m.config().toString()).doesNotContain(WRONG);
      assertThat(String.valueOf(m.metrics())).doesNotContain(WRONG);
      assertThat(health.report().toString()).doesNotContain(WRONG);
    }
  }

  @Test
  void theRightPasswordWorksOnTheSameServer() throws Exception {
    try (Neo4jConnectionManager m = new Neo4jConnectionManager(config(PASSWORD).build())) {
      m.connect();
      assertThat(m.executeQuery("RETURN 1 AS one")).containsExactly(Map.of("one", 1L));
      CheckResult r = m.healthCheck().check();
      assertThat(r.outcome()).isEqualTo(CheckResult.Outcome.UP);
      assertThat(r.details().toString()).doesNotContain(PASSWORD);
    }
  }

  @Test
  void serverUnavailableErrorsDoNotCarryThePasswordEither() {
    try (Neo4jConnectionManager m = new Neo4jConnectionManager(config(PASSWORD).build())) {
      NEO4J.server().stop();
      assertThatThrownBy(() -> m.executeQuery("RETURN 1"))
          .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(PASSWORD));
      assertThat(m.metrics().lastError()).doesNotContain(PASSWORD);
    }
  }

  private static String stackTrace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }
}
