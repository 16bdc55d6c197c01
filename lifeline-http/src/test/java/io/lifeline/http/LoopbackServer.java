package io.lifeline.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server on loopback (JDK {@link HttpServer}) for tests: handlers per path prefix,
 * scripted one-shot responses, and a record of every request seen.
 */
final class LoopbackServer implements AutoCloseable {

  /** One request as the server saw it. */
  record Seen(String method, String path, Map<String, List<String>> headers, String body) {
    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  @FunctionalInterface
  interface Handler {
    void handle(HttpExchange ex, String body) throws IOException;
  }

  final HttpServer server;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "loopback-server");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
  private final Map<String, Deque<Handler>> scripted = new ConcurrentHashMap<>();
  final List<Seen> seen = new CopyOnWriteArrayList<>();
  /** Released when the test ends: handlers that "hang" wait on it (bounded). */
  final CountDownLatch release = new CountDownLatch(1);

  LoopbackServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    server.setExecutor(pool);
    server.createContext("/", this::dispatch);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  String url() {
    return "http://127.0.0.1:" + port();
  }

  /** Handles every request whose path (without query) starts with {@code prefix}. */
  LoopbackServer on(String prefix, Handler h) {
    handlers.put(prefix, h);
    return this;
  }

  /** The next requests to {@code path} get these answers in turn, then the regular handler. */
  LoopbackServer script(String path, Handler... answers) {
    Deque<Handler> q = scripted.computeIfAbsent(path, k -> new java.util.concurrent.ConcurrentLinkedDeque<>());
    addAll(q, answers);
    return this;
  }

  private static void addAll(Deque<Handler> q, Handler[] answers) {
    for (Handler h : answers) {
      q.addLast(h);
    }
  }

  long count(String method, String path) {
    return seen.stream().filter(s -> s.method.equals(method) && s.path.equals(path)).count();
  }

  private void dispatch(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String path = ex.getRequestURI().getRawPath();
    String full = ex.getRequestURI().getRawQuery() == null ? path : path + "?" + ex.getRequestURI().getRawQuery();
    seen.add(new Seen(ex.getRequestMethod(), full, Map.copyOf(ex.getRequestHeaders()), body));
    try {
      Deque<Handler> q = scripted.get(path);
      Handler h = null;
      if (q != null) {
        h = q.pollFirst();
      }
      if (h == null) {
        String best = null;
        for (String p : handlers.keySet()) {
          if (path.startsWith(p) && (best == null || p.length() > best.length())) {
            best = p;
          }
        }
        h = best == null ? (e, b) -> json(e, 404, "{\"detail\":\"Not Found\"}") : handlers.get(best);
      }
      h.handle(ex, body);
    } finally {
      ex.close();
    }
  }

  static void json(HttpExchange ex, int status, String json) throws IOException {
    send(ex, status, "application/json", json);
  }

  static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      try (OutputStream os = ex.getResponseBody()) {
        os.write(b);
      }
    }
  }

  /** An answer with a status and headers. */
  static Handler status(int status, String... headerPairs) {
    return (ex, b) -> {
      for (int i = 0; i < headerPairs.length; i += 2) {
        ex.getResponseHeaders().set(headerPairs[i], headerPairs[i + 1]);
      }
      json(ex, status, "{\"detail\":\"status " + status + "\"}");
    };
  }

  /** Waits (bounded) until the test releases the server. */
  void hang() {
    try {
      release.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    pool.shutdownNow();
  }
}
