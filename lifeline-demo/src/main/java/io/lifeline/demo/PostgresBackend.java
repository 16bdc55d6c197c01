package io.lifeline.demo;

import io.lifeline.testkit.PostgresServerExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/** Embedded PostgreSQL (the testkit's binaries, durable: fsync and synchronous commit on) behind the proxy. */
final class PostgresBackend extends Backend {
  private PostgresServerExtension server;
  private final int fallbackPort = closedPort();

  PostgresBackend() {
    super("postgres");
  }

  @Override
  protected void doStart() throws Exception {
    server = PostgresServerExtension.builder().withProxy(true).durable(true).build().start();
    proxy = server.proxy();
    server.execute("CREATE TABLE IF NOT EXISTS demo_orders (id BIGINT PRIMARY KEY, item TEXT NOT NULL, "
        + "created_at TIMESTAMPTZ NOT NULL DEFAULT now())");
  }

  @Override
  String clientAddress() {
    return server != null && proxy != null ? server.proxiedJdbcUrl()
        : "jdbc:postgresql://127.0.0.1:" + fallbackPort + "/" + PostgresServerExtension.DATABASE;
  }

  /** A connection straight to the server (not through the proxy): the demo's own SQL checks. */
  Connection admin() throws SQLException {
    return server.adminConnection();
  }

  String user() {
    return PostgresServerExtension.SUPERUSER;
  }

  @Override
  List<ProcessHandle> processes() {
    return server == null ? List.of()
        : server.pid().flatMap(ProcessHandle::of).stream().toList();
  }

  @Override
  protected void doKill() {
    server.kill();
  }

  @Override
  protected void doStop() {
    server.stop();
  }

  @Override
  protected void doRestart() {
    server.restart();
  }

  @Override
  protected void doClose() {
    if (server != null) {
      proxy = null;
      server.close();
    }
  }
}
