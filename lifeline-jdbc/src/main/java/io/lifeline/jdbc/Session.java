package io.lifeline.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A borrowed connection with small helpers (the design document's {@code session_scope}). From
 * {@link DatabaseConnectionManager#session()} it is in auto-commit mode and must be closed
 * (try-with-resources), which returns the connection to the pool; inside {@link
 * DatabaseConnectionManager#inTransaction} it is the transaction, committed or rolled back by the
 * manager. Not thread-safe (like a JDBC connection).
 */
public final class Session implements AutoCloseable {
  private final Connection connection;
  private final boolean ownsConnection;

  Session(Connection connection, boolean ownsConnection) {
    this.connection = connection;
    this.ownsConnection = ownsConnection;
  }

  /** All rows of {@code sql} mapped by {@code mapper}. */
  public <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) throws SQLException {
    try (PreparedStatement ps = prepare(sql, params); ResultSet rs = ps.executeQuery()) {
      List<T> out = new ArrayList<>();
      while (rs.next()) {
        out.add(mapper.map(rs));
      }
      return out;
    }
  }

  /** Runs {@code sql} and discards any rows (e.g. {@code SELECT 1}); returns the number of rows. */
  public int query(String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = prepare(sql, params); ResultSet rs = ps.executeQuery()) {
      int n = 0;
      while (rs.next()) {
        n++;
      }
      return n;
    }
  }

  /** Executes an INSERT/UPDATE/DELETE/DDL statement; returns the update count. */
  public int update(String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = prepare(sql, params)) {
      return ps.executeUpdate();
    }
  }

  /** The underlying (pooled) JDBC connection, for anything the helpers do not cover. Do not close it. */
  public Connection connection() {
    return connection;
  }

  /** Sets {@code params} as the statement's parameters 1..n. */
  static void bind(PreparedStatement ps, Object[] params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      ps.setObject(i + 1, params[i]);
    }
  }

  private PreparedStatement prepare(String sql, Object... params) throws SQLException {
    PreparedStatement ps = connection.prepareStatement(sql);
    try {
      bind(ps, params);
      return ps;
    } catch (SQLException | RuntimeException e) {
      ps.close();
      throw e;
    }
  }

  /** Returns the connection to the pool (session sessions only; a transaction's is closed by the manager). */
  @Override
  public void close() {
    if (ownsConnection) {
      try {
        connection.close();
      } catch (SQLException e) {
        // HikariCP closes a broken connection itself; nothing the caller could do
      }
    }
  }
}
