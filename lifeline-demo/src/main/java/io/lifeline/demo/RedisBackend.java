package io.lifeline.demo;

import io.lifeline.testkit.RedisServerExtension;
import java.util.List;

/** Embedded Redis (the testkit's binaries) behind the fault proxy. */
final class RedisBackend extends Backend {
  private RedisServerExtension server;
  private final int fallbackPort = closedPort();

  RedisBackend() {
    super("redis");
  }

  @Override
  protected void doStart() throws Exception {
    server = RedisServerExtension.builder().withProxy().build().start();
    proxy = server.proxy();
  }

  @Override
  String clientAddress() {
    return server != null && proxy != null ? server.proxyUrl() : "redis://127.0.0.1:" + fallbackPort;
  }

  @Override
  List<ProcessHandle> processes() {
    return server == null ? List.of() : alive(server.process()).stream().toList();
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
  protected void doRestart() throws Exception {
    server.restart();
  }

  @Override
  protected void doClose() {
    if (server != null) {
      proxy = null; // the extension closes its own proxy
      server.close();
    }
  }
}
