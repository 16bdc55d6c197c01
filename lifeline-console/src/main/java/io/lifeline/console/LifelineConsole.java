package io.lifeline.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lifeline.console.internal.BearerToken;
import io.lifeline.console.internal.HealthJson;
import io.lifeline.core.Secrets;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.core.internal.LifelineThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health manager's HTTP endpoints, inside the application's own process, on the JDK's {@code
 * com.sun.net.httpserver} (no servlet container, no hand-written HTTP parsing):
 *
 * <ul>
 *   <li>{@code GET /health} — the full report as JSON: 200, or 503 when every service is
 *       UNAVAILABLE;
 *   <li>{@code GET /health/live} — 200 while the process answers (Kubernetes liveness);
 *   <li>{@code GET /health/ready} — 200 when every {@linkplain ConsoleOptions#criticalFeatures()
 *       critical feature} is available, else 503 with the features and their services' reasons
 *       (Kubernetes readiness);
 *   <li>{@code GET /metrics} — the configured {@link MetricsSource} (Prometheus text), 404 if none.
 * </ul>
 *
 * <p>Security: binds 127.0.0.1 unless told otherwise; any other address requires a token, which
 * every endpoint but the two probes then requires as {@code Authorization: Bearer <token>}
 * (compared in constant time; a wrong or missing token is a 401 with no detail). Only GET and HEAD.
 * Bounded: {@link ConsoleOptions#maxConcurrentRequests()} requests are served at once and as many
 * wait; further connections are closed at once. No response carries a secret (last errors and
 * details are redacted once more on the way out).
 *
 * <pre>{@code
 * LifelineConsole console = LifelineConsole.start(health, ConsoleOptions.builder()
 *     .criticalFeatures(Set.of("orders")).metrics(prometheusRegistry::scrape).build());
 * }</pre>
 */
public final class LifelineConsole implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LifelineConsole.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_TYPE = "application/json; charset=utf-8";

  private final ConnectionHealthManager health;
  private final ConsoleOptions options;
  private final BearerToken token;
  private final HttpServer server;
  private final ThreadPoolExecutor executor;

  private LifelineConsole(ConnectionHealthManager health, ConsoleOptions options) throws IOException {
    this.health = health;
    this.options = options;
    this.token = options.tokenRequired() ? new BearerToken(options.token()) : null;
    ServerSettings.applyDefaults(options.requestTimeout());
    int threads = options.maxConcurrentRequests();
    this.executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(threads), LifelineThreads.factory("lifeline-console-"),
        new ThreadPoolExecutor.AbortPolicy()); // the JDK server closes a connection it cannot hand off
    executor.allowCoreThreadTimeOut(true);
    this.server = HttpServer.create(new InetSocketAddress(options.address(), options.port()), 64);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * Starts serving {@code health} as {@code options} say.
   *
   * @throws UncheckedIOException when the address cannot be bound (e.g. the port is taken)
   */
  public static LifelineConsole start(ConnectionHealthManager health, ConsoleOptions options) {
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(options, "options");
    try {
      LifelineConsole c = new LifelineConsole(health, options);
      LOG.info("lifeline console on {}{}", c.uri(), c.token == null ? "" : " (token required)");
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException("lifeline console cannot listen on " + options.bindAddress() + ":"
          + options.port() + ": " + Secrets.describe(e), e);
    }
  }

  /** The port it listens on (the chosen one when {@link ConsoleOptions#port()} was 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://host:port/}. */
  public URI uri() {
    String host = options.address().getHostAddress();
    return URI.create("http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port() + "/");
  }

  /** Stops listening; requests in progress get up to a second to finish. */
  @Override
  public void close() {
    server.stop(1);
    executor.shutdownNow();
  }

  // ------------------------------------------------------------------------------------- handling

  private void handle(HttpExchange ex) {
    try {
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getRawPath();
      Headers h = ex.getResponseHeaders();
      h.set("Cache-Control", "no-store");
      h.set("X-Content-Type-Options", "nosniff");
      if (!"GET".equals(method) && !"HEAD".equals(method)) {
        h.set("Allow", "GET, HEAD");
        send(ex, 405, JSON_TYPE, json(Map.of("error", "method not allowed")));
        return;
      }
      String length = ex.getRequestHeaders().getFirst("Content-Length");
      if (length != null && !"0".equals(length.trim())) {
        send(ex, 413, JSON_TYPE, json(Map.of("error", "a request body is not accepted")));
        return;
      }
      boolean probe = "/health/live".equals(path) || "/health/ready".equals(path);
      if (token != null && !probe && !token.matches(ex.getRequestHeaders().getFirst("Authorization"))) {
        h.set("WWW-Authenticate", "Bearer realm=\"lifeline\"");
        send(ex, 401, JSON_TYPE, json(Map.of("error", "unauthorized")));
        return;
      }
      switch (path) {
        case "/health/live":
          send(ex, 200, JSON_TYPE, json(Map.of("status", "UP")));
          return;
        case "/health/ready": {
          HealthJson.Readiness r = HealthJson.readiness(health, options.criticalFeatures());
          send(ex, r.ready() ? 200 : 503, JSON_TYPE, json(r.body()));
          return;
        }
        case "/health": {
          var report = health.report();
          Map<String, Object> body = new java.util.LinkedHashMap<>(HealthJson.report(report, options.criticalFeatures()));
          options.reportExtras().forEach(body::putIfAbsent);
          send(ex, report.overall() == ServiceStatus.UNAVAILABLE ? 503 : 200, JSON_TYPE, json(body));
          return;
        }
        case "/metrics": {
          MetricsSource m = options.metrics();
          if (m == null) {
            send(ex, 404, JSON_TYPE, json(Map.of("error", "metrics are not configured")));
          } else {
            send(ex, 200, m.contentType(), m.scrape().getBytes(StandardCharsets.UTF_8));
          }
          return;
        }
        default:
          send(ex, 404, JSON_TYPE, json(Map.of("error", "not found")));
      }
    } catch (IOException e) {
      LOG.debug("console: client went away", e);
    } catch (RuntimeException e) {
      LOG.warn("console: {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), Secrets.describe(e));
      try {
        send(ex, 500, JSON_TYPE, json(Map.of("error", "internal error")));
      } catch (IOException | RuntimeException ignored) {
        // headers already sent or client gone: the connection is closed
      }
    } finally {
      ex.close();
    }
  }

  private static byte[] json(Object tree) throws IOException {
    return JSON.writeValueAsBytes(tree);
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    boolean head = "HEAD".equals(ex.getRequestMethod());
    ex.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public String toString() {
    return "LifelineConsole{" + uri() + ", " + options + '}';
  }
}
