package io.lifeline.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lifeline.testkit.FaultProxy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A DEMO STUB of a Graphiti server, not Graphiti: the JDK HTTP server answering {@code GET
 * /healthcheck} and {@code POST /search} with fixed, documented-shape JSON, so the demo has an HTTP
 * backend to break without Python or an LLM. "Kill" stops the server at once.
 */
final class GraphitiStub extends Backend {
  private static final byte[] HEALTH = "{\"status\":\"healthy\"}".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SEARCH = ("{\"facts\":[{\"uuid\":\"f-1\",\"name\":\"LIKES\",\"fact\":\"person-1 likes "
      + "graphs (demo stub)\",\"valid_at\":null,\"invalid_at\":null,\"created_at\":\"2026-01-01T00:00:00Z\","
      + "\"expired_at\":null}]}").getBytes(StandardCharsets.UTF_8);
  private HttpServer server;
  private ExecutorService executor;
  private int port;
  private final int fallbackPort = closedPort();

  GraphitiStub() {
    super("graphiti");
  }

  @Override
  protected void doStart() throws IOException {
    listen(0);
    proxy = FaultProxy.start("127.0.0.1", port);
  }

  private void listen(int p) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", p), 64);
    executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "graphiti-demo-stub");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    port = server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      ex.getRequestBody().readAllBytes();
      String path = ex.getRequestURI().getPath();
      byte[] body;
      int status = 200;
      if ("/healthcheck".equals(path)) {
        body = HEALTH;
      } else if ("/search".equals(path) && "POST".equals(ex.getRequestMethod())) {
        body = SEARCH;
      } else {
        status = 404;
        body = "{\"detail\":\"not found (Graphiti demo stub)\"}".getBytes(StandardCharsets.UTF_8);
      }
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(status, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  String killHow() {
    return "demo stub server stopped at once";
  }

  @Override
  String clientAddress() {
    return "http://127.0.0.1:" + (proxy != null ? proxy.port() : fallbackPort);
  }

  @Override
  List<ProcessHandle> processes() {
    return List.of();
  }

  @Override
  protected void doKill() {
    proxy.cutAll();
    halt();
  }

  @Override
  protected void doStop() {
    halt();
  }

  private void halt() {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
      server = null;
    }
  }

  @Override
  protected void doRestart() throws IOException {
    listen(port);
  }

  @Override
  protected void doClose() {
    halt();
  }
}
