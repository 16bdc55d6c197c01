package io.lifeline.demo;

import io.lifeline.testkit.FaultProxy;
import io.lifeline.testkit.Neo4jServer;
import java.util.List;

/**
 * Neo4j from the harness (in this JVM) behind the proxy. "Kill" stops the embedded database at once:
 * it runs inside the demo's process, so there is no process to SIGKILL; clients see their
 * connections close, as with a crash. Each start is a new database, seeded with a small graph.
 */
final class Neo4jBackend extends Backend {
  static final String SEED = "UNWIND range(1, 20) AS i MERGE (p:Person {id: i, name: 'person-' + i}) "
      + "WITH p, i MATCH (q:Person) WHERE q.id = (i % 20) + 1 MERGE (p)-[:KNOWS]->(q)";
  private Neo4jServer server;
  private final int fallbackPort = closedPort();

  Neo4jBackend() {
    super("neo4j");
  }

  private int port;

  /** The port and the proxy first: the application connects (and fails, UNAVAILABLE) until it is up. */
  @Override
  void prepare() throws Exception {
    port = closedPort();
    proxy = FaultProxy.start("127.0.0.1", port);
  }

  /** The harness's first start in a JVM takes seconds: the dashboard does not wait for it. */
  @Override
  boolean startsInBackground() {
    return true;
  }

  @Override
  protected void doStart() throws Exception {
    server = Neo4jServer.builder().port(port).build().start();
    seed();
  }

  private void seed() {
    server.database().executeTransactionally(SEED);
  }

  @Override
  String killHow() {
    return "in-process database stopped at once";
  }

  @Override
  String clientAddress() {
    return proxy != null ? "bolt://127.0.0.1:" + proxy.port() : "bolt://127.0.0.1:" + fallbackPort;
  }

  @Override
  List<ProcessHandle> processes() {
    return List.of();
  }

  @Override
  protected void doKill() {
    proxy.cutAll();
    server.stop();
  }

  @Override
  protected void doStop() {
    server.stop();
  }

  @Override
  protected void doRestart() {
    server.restart();
    seed();
  }

  @Override
  protected void doClose() {
    if (server != null) {
      server.close();
    }
  }
}
