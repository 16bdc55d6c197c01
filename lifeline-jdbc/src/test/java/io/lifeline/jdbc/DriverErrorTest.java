package io.lifeline.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lifeline.core.ConnectionState;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthStatus;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.testkit.PostgresServerExtension;
import java.net.Socket;
import java.util.Set;
import javax.net.SocketFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An {@link Error} inside the real PostgreSQL driver (issue 12 part 3) is no outage. The driver
 * loads the socket factory named in the URL; this one fails as a class missing from a mismatched
 * dependency would, and pgJDBC wraps that in a connection-class {@code PSQLException} (SQLState
 * 08006), which alone would read as "database down". The manager must not mark the database down
 * (no fast-fail, no journaling): the Error reaches the caller, unretried, and the health report shows
 * the service UNAVAILABLE with the Error as the reason.
 */
class DriverErrorTest {
  @RegisterExtension static final PostgresServerExtension PG = PostgresServerExtension.builder().build();

  /** Named in the JDBC URL; the driver instantiates it by reflection on every connect. */
  public static final class MissingClassSocketFactory extends SocketFactory {
    public MissingClassSocketFactory() {
      throw new NoClassDefFoundError("io/netty/handler/ssl/SslProvider");
    }

    @Override
    public Socket createSocket(String host, int port) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Socket createSocket(String host, int port, java.net.InetAddress local, int localPort) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Socket createSocket(java.net.InetAddress host, int port) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Socket createSocket(java.net.InetAddress address, int port, java.net.InetAddress local, int localPort) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void anErrorInsideTheDriverIsRethrownAndShownNotTakenForAnOutage() {
    ConnectionHealthManager health = ConnectionHealthManager.builder().build();
    String url = PG.jdbcUrl() + (PG.jdbcUrl().contains("?") ? "&" : "?") + "socketFactory="
        + MissingClassSocketFactory.class.getName();
    try (DatabaseConnectionManager db = DatabaseConnectionManager.create(TestDb.config(url).build())) {
      db.registerHealth(health, Set.of("orders"));

      Throwable thrown = catchThrowable(() -> db.query("SELECT 1"));

      assertThat(thrown).isInstanceOf(NoClassDefFoundError.class).hasMessageContaining("SslProvider");
      assertThat(db.isKnownDown()).as("not taken for an outage").isFalse();
      assertThat(db.metrics().totalRetries()).isZero();
      assertThat(db.state()).isEqualTo(ConnectionState.FAILED);
      HealthStatus status = health.status(db.name());
      assertThat(status.status()).isEqualTo(ServiceStatus.UNAVAILABLE);
      assertThat(status.lastError()).contains("NoClassDefFoundError", "SslProvider");
    } finally {
      health.close();
    }
  }
}
