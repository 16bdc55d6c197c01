package io.lifeline.neo4j;

import static io.lifeline.neo4j.TestConfigs.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lifeline.core.CircuitBreaker;
import io.lifeline.core.ConnectionState;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthStatus;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.testkit.Neo4jServerExtension;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An {@link Error} raised inside the real driver (issue 12 part 3) is no outage: here the driver's
 * parameter conversion ({@code Values.value(Iterable)}) walks an iterable that fails with {@code
 * NoClassDefFoundError}, as a class missing from a mismatched dependency would. The Error reaches
 * the caller at once, is neither retried nor counted against the breaker, and the health report shows
 * the service UNAVAILABLE with the Error as the reason.
 */
class Neo4jDriverErrorTest {
  @RegisterExtension
  static final Neo4jServerExtension NEO4J = Neo4jServerExtension.create();

  private static final NoClassDefFoundError MISSING =
      new NoClassDefFoundError("io/netty/handler/ssl/SslProvider");

  /** Converted by the driver inside its own call stack; its iterator fails as a missing class does. */
  private static final Iterable<Object> BROKEN = () -> {
    throw MISSING;
  };

  @Test
  void syncCall() {
    check(false);
  }

  @Test
  void asyncCall() {
    check(true);
  }

  private static void check(boolean async) {
    ConnectionHealthManager health = ConnectionHealthManager.builder().build();
    try (var m = new Neo4jConnectionManager(config(NEO4J.directUri()).build())) {
      m.registerWith(health, Set.of("graph"));
      assertThat(m.executeQuery("RETURN 1 AS one")).containsExactly(Map.of("one", 1L));

      Throwable thrown = catchThrowable(() -> {
        if (async) {
          m.executeWriteAsync("RETURN $xs AS xs", Map.of("xs", BROKEN), Idempotency.NOT_IDEMPOTENT).join();
        } else {
          m.executeWrite("RETURN $xs AS xs", Map.of("xs", BROKEN));
        }
      });

      Throwable error = thrown instanceof CompletionException ? thrown.getCause() : thrown;
      assertThat(error).isSameAs(MISSING);
      assertThat(m.metrics().totalRetries()).as("not retried").isZero();
      assertThat(m.metrics().failedConnections()).as("not counted as an outage").isZero();
      assertThat(m.guard().circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(m.state()).isEqualTo(ConnectionState.FAILED);
      HealthStatus status = health.status(m.name());
      assertThat(status.status()).isEqualTo(ServiceStatus.UNAVAILABLE);
      assertThat(status.lastError()).contains("NoClassDefFoundError", "SslProvider");
    } finally {
      health.close();
    }
  }
}
