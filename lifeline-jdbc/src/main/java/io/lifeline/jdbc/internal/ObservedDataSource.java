package io.lifeline.jdbc.internal;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The DataSource HikariCP creates its connections from: the JDBC driver with the configured
 * properties, plus a listener that learns of every connect success and failure, so the manager
 * knows the database is down as soon as a connect fails. Not API.
 */
public final class ObservedDataSource implements DataSource {

  /** Learns connect outcomes. */
  public interface Listener {
    void connectFailed(SQLException error);

    void connected();
  }

  private final String url;
  private final Properties properties;
  private final Listener listener;
  private volatile Driver driver;
  /** When set, connections come from it (an application's DataSource) instead of the driver. */
  private final DataSource delegate;
  /** The database's default isolation level, read from the first good connection; -1 until then. */
  private volatile int defaultIsolation = -1;

  public ObservedDataSource(String url, Properties properties, Listener listener) {
    this(url, properties, listener, null);
  }

  /** Connections from {@code delegate} when it is not null; {@code url} still names the database. */
  public ObservedDataSource(String url, Properties properties, Listener listener, DataSource delegate) {
    this.url = url;
    this.properties = properties;
    this.listener = listener;
    this.delegate = delegate;
  }

  /** A new physical connection; reports the outcome to the listener. */
  @Override
  public Connection getConnection() throws SQLException {
    try {
      Connection c = learnIsolation(delegate != null ? delegate.getConnection() : driver().connect(url, properties));
      listener.connected();
      return c;
    } catch (SQLException e) {
      listener.connectFailed(e);
      throw e;
    }
  }

  /** A physical connection without reporting (for the recovery probe). */
  public Connection connectUnobserved() throws SQLException {
    return learnIsolation(delegate != null ? delegate.getConnection() : driver().connect(url, properties));
  }

  /**
   * The database's default transaction isolation level as first read, or -1 before any connection
   * succeeded. The manager configures each new pool with it: a HikariCP 5 pool left to detect the
   * level itself keeps -1 for ever when the detection on its first connection fails with a
   * connection error (brettwooldridge/HikariCP#1944), and every later connection then fails setup
   * with "isolation level -1 not supported". A pool replaced at recovery whose first connection
   * died (an application pool's stale connection, a second outage) was never usable again.
   */
  public int defaultIsolation() {
    return defaultIsolation;
  }

  /** Reads the default isolation level from {@code c} until known; a connection that cannot answer is closed and the error thrown. */
  private Connection learnIsolation(Connection c) throws SQLException {
    if (c == null) {
      throw new SQLException("no JDBC driver accepts this URL", "08001");
    }
    if (defaultIsolation < 0) {
      try {
        defaultIsolation = c.getTransactionIsolation();
      } catch (SQLException | RuntimeException e) {
        try {
          c.close();
        } catch (SQLException | RuntimeException closing) {
          e.addSuppressed(closing);
        }
        throw e;
      }
    }
    return c;
  }

  private Driver driver() throws SQLException {
    Driver d = driver;
    if (d == null) {
      try {
        d = DriverManager.getDriver(url);
      } catch (SQLException e) {
        throw new SQLException("no JDBC driver for this URL on the class path", "08001", e);
      }
      driver = d;
    }
    return d;
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("credentials come from the configuration");
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("not a wrapper of " + iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }

  @Override
  public String toString() {
    return "ObservedDataSource[" + io.lifeline.core.Urls.sanitize(url) + "]";
  }
}
