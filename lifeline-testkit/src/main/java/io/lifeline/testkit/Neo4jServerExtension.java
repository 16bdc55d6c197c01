package io.lifeline.testkit;

import java.io.IOException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension: one real, in-process Neo4j 5 ({@link Neo4jServer}) per test class, with a
 * {@link FaultProxy} in front of its Bolt port.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final Neo4jServerExtension NEO4J = Neo4jServerExtension.create();
 *
 * @Test void survivesRestart() {
 *   var manager = new Neo4jConnectionManager(config(NEO4J.proxyUri()));
 *   NEO4J.server().stop();  ...  NEO4J.server().start();
 *   NEO4J.proxy().blackHole(); ...
 * }
 * }</pre>
 *
 * <p>Register it on a {@code static} field: the server starts before the first test of the class
 * (about 6 s for the first Neo4j in a JVM, 0.5 s later) and stops after the last. Before each test
 * the extension restores a clean state: the server is running (restarted if a test stopped it), the
 * proxy passes traffic through, and the database is emptied.
 */
public final class Neo4jServerExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  private final Neo4jServer.Builder builder;
  private volatile Neo4jServer server;
  private volatile FaultProxy proxy;

  private Neo4jServerExtension(Neo4jServer.Builder builder) {
    this.builder = builder;
  }

  /** A server with authentication off. */
  public static Neo4jServerExtension create() {
    return new Neo4jServerExtension(Neo4jServer.builder());
  }

  /** A server with authentication on; user {@code neo4j} has {@code password}. */
  public static Neo4jServerExtension withAuth(String password) {
    return new Neo4jServerExtension(Neo4jServer.builder().withAuth(password));
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    server = builder.build().start();
    proxy = FaultProxy.start("127.0.0.1", server.port());
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    proxy.passThrough();
    if (!server.isRunning()) {
      server.start();
    }
    try (var tx = server.database().beginTx()) {
      tx.execute("MATCH (n) DETACH DELETE n").close();
      tx.commit();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    FaultProxy p = proxy;
    Neo4jServer s = server;
    try {
      if (p != null) {
        p.close();
      }
    } finally {
      if (s != null) {
        s.close();
      }
    }
  }

  /** The server (to stop, start, restart it). */
  public Neo4jServer server() {
    Neo4jServer s = server;
    if (s == null) {
      throw new IllegalStateException("not started: register the extension on a static field");
    }
    return s;
  }

  /** The fault proxy in front of the server's Bolt port. */
  public FaultProxy proxy() {
    FaultProxy p = proxy;
    if (p == null) {
      throw new IllegalStateException("not started: register the extension on a static field");
    }
    return p;
  }

  /** {@code bolt://} URI of the server through the proxy. */
  public String proxyUri() {
    return "bolt://" + proxy().host() + ":" + proxy().port();
  }

  /** {@code bolt://} URI of the server itself, bypassing the proxy. */
  public String directUri() {
    return server().boltUri();
  }

}
