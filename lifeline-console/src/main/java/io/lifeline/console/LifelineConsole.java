package io.lifeline.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lifeline.console.internal.BearerToken;
import io.lifeline.console.internal.EventHub;
import io.lifeline.console.internal.HealthJson;
import io.lifeline.console.internal.ServiceHistory;
import io.lifeline.console.internal.StaticAssets;
import io.lifeline.core.Secrets;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.core.health.StatusListener;
import io.lifeline.core.internal.LifelineThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
 *   <li>{@code GET /metrics} — the configured {@link MetricsSource} (Prometheus text), 404 if none;
 *   <li>{@code GET /} — the dashboard: static HTML, CSS and JavaScript from the jar (no CDN), served
 *       to anyone (it holds no data; it asks for the token when the data endpoints answer 401);
 *   <li>{@code GET /events} — Server-Sent Events for the dashboard: a {@code state} event every
 *       {@linkplain ConsoleOptions#eventInterval() interval} (the report, per-service samples from a
 *       bounded ring, the transition timeline, the application's counters). At most {@linkplain
 *       ConsoleOptions#maxEventClients() N} streams (503 beyond), a client whose {@linkplain
 *       ConsoleOptions#eventQueueCapacity() queue} is full is dropped; each stream ends itself
 *       before the server's response-time limit and the page reconnects;
 *   <li>{@code POST /actions/<service>/<action>} — only with a {@link ConsoleApplication} that
 *       offers the action, and the header {@code X-Lifeline-Action: 1}.
 * </ul>
 *
 * <p>Every response carries {@code Content-Security-Policy: default-src 'self'} (no inline script or
 * style anywhere) and {@code X-Frame-Options: DENY}.
 *
 * <p>Security: binds 127.0.0.1 unless told otherwise; any other address requires a token, which
 * every endpoint but the two probes then requires as {@code Authorization: Bearer <token>}
 * (compared in constant time; a wrong or missing token is a 401 with no detail). Only GET and HEAD,
 * and POST for actions.
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
  static final String CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
      + "frame-ancestors 'none'; form-action 'self'";
  private static final StaticAssets ASSETS = new StaticAssets();

  private final ConnectionHealthManager health;
  private final ConsoleOptions options;
  private volatile BearerToken token; // replaced in place by useTokenOf: no socket gap for a new token
  private final HttpServer server;
  private final ThreadPoolExecutor executor;
  private final ServiceHistory history;
  private final EventHub events;
  private final ScheduledExecutorService sampler;
  private final StatusListener listener;

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
    this.history = new ServiceHistory(options.historySize());
    this.events = new EventHub(options.maxEventClients(), options.eventQueueCapacity(),
        streamLifetimeNanos(options.requestTimeout()), LifelineThreads.factory("lifeline-console-events-"));
    this.listener = history::transition;
    health.addStatusListener(listener);
    this.sampler = Executors.newSingleThreadScheduledExecutor(LifelineThreads.factory("lifeline-console-sampler-"));
    long every = options.eventInterval().toNanos();
    sampler.scheduleWithFixedDelay(this::tick, 0, every, TimeUnit.NANOSECONDS);
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

  /** The address it listens on. */
  public InetAddress address() {
    return options.address();
  }

  /** {@code http://host:port/}. */
  public URI uri() {
    String host = options.address().getHostAddress();
    return URI.create("http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port() + "/");
  }

  /** Stops listening; requests in progress get up to a second to finish. */
  @Override
  public void close() {
    health.removeStatusListener(listener);
    sampler.shutdownNow();
    events.close();
    server.stop(1);
    executor.shutdownNow();
  }

  /**
   * Takes {@code next}'s token (or its absence) without releasing the socket, so probes and
   * clients see no gap: the way to rotate a token under a running console. Streams on {@code
   * /events} opened with the old token are ended (clients reconnect with the new one). Only the
   * token is taken from {@code next}; its bind address must be this console's, because whether a
   * token may be absent depends on it (a non-loopback bind requires one, checked when {@code next}
   * was built).
   *
   * @throws IllegalArgumentException when {@code next} binds another address; start a new console then
   */
  public void useTokenOf(ConsoleOptions next) {
    Objects.requireNonNull(next, "next");
    if (!next.address().equals(options.address())) {
      throw new IllegalArgumentException("the console is bound to " + options.address().getHostAddress()
          + ", the options to " + next.address().getHostAddress() + ": only the token can change in place");
    }
    BearerToken was = token;
    token = next.tokenRequired() ? new BearerToken(next.token()) : null;
    if (was != null || token != null) {
      events.disconnectAll();
    }
    LOG.info("lifeline console on {}: {}", uri(), token == null ? "no token required now" : "new token required");
  }

  /** {@code /events} streams open now. */
  public int eventClients() {
    return events.clients();
  }

  /** {@code /events} clients dropped for being too slow since start. */
  public long droppedEventClients() {
    return events.dropped();
  }

  /** Samples kept for {@code service}'s sparklines (bounded by {@link ConsoleOptions#historySize()}). */
  public int historySamples(String service) {
    return history.size(service);
  }

  private static long streamLifetimeNanos(java.time.Duration requestTimeout) {
    long limitSeconds = requestTimeout.toSeconds();
    try {
      long rsp = Long.parseLong(System.getProperty(ServerSettings.MAX_RESPONSE_TIME, "-1").trim());
      if (rsp > 0) {
        limitSeconds = Math.min(limitSeconds, rsp);
      }
    } catch (NumberFormatException e) {
      // the JDK ignores it too
    }
    return Math.max(500_000_000L, limitSeconds * 700_000_000L); // 70 % of the limit, at least 0.5 s
  }

  private void tick() {
    try {
      ConsoleApplication app = options.application();
      Map<String, Long> calls = new HashMap<>();
      if (app != null) {
        app.counters().forEach((service, c) -> {
          Long n = c.get("calls");
          if (n != null) {
            calls.put(service, n);
          }
        });
      }
      history.sample(health.statuses(), calls, System.nanoTime());
      if (events.clients() > 0) {
        events.publish("state", new String(json(state()), StandardCharsets.UTF_8));
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("console: dashboard sample failed: {}", Secrets.describe(e));
    }
  }

  /** The dashboard's whole state: what a {@code state} event carries. */
  private Map<String, Object> state() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("health", HealthJson.report(health.report(), options.criticalFeatures()));
    out.put("series", history.series());
    out.put("timeline", history.timeline());
    ConsoleApplication app = options.application();
    if (app != null) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("title", app.title());
      a.put("counters", app.counters());
      a.put("actions", app.actions());
      a.put("breakers", app.breakers());
      out.put("application", a);
    }
    return out;
  }

  // ------------------------------------------------------------------------------------- handling

  private void handle(HttpExchange ex) {
    try {
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getRawPath();
      Headers h = ex.getResponseHeaders();
      h.set("Cache-Control", "no-store");
      h.set("X-Content-Type-Options", "nosniff");
      h.set("Content-Security-Policy", CSP);
      h.set("X-Frame-Options", "DENY");
      h.set("Referrer-Policy", "no-referrer");
      boolean action = path.startsWith("/actions/");
      if (action ? !"POST".equals(method) : !"GET".equals(method) && !"HEAD".equals(method)) {
        h.set("Allow", action ? "POST" : "GET, HEAD");
        send(ex, 405, JSON_TYPE, json(Map.of("error", "method not allowed")));
        return;
      }
      String length = ex.getRequestHeaders().getFirst("Content-Length");
      if (length != null && !"0".equals(length.trim())) {
        send(ex, 413, JSON_TYPE, json(Map.of("error", "a request body is not accepted")));
        return;
      }
      StaticAssets.Asset asset = ASSETS.get(path);
      if (asset != null) { // the page holds no data: served without the token, so it can ask for it
        h.set("Cache-Control", "no-cache");
        h.set("ETag", asset.etag());
        if (asset.etag().equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
          ex.sendResponseHeaders(304, -1);
        } else {
          send(ex, 200, asset.contentType(), asset.body());
        }
        return;
      }
      boolean probe = "/health/live".equals(path) || "/health/ready".equals(path);
      BearerToken required = token;
      if (required != null && !probe && !required.matches(ex.getRequestHeaders().getFirst("Authorization"))) {
        h.set("WWW-Authenticate", "Bearer realm=\"lifeline\"");
        send(ex, 401, JSON_TYPE, json(Map.of("error", "unauthorized")));
        return;
      }
      if (action) {
        action(ex, path);
        return;
      }
      switch (path) {
        case "/events": {
          if ("HEAD".equals(method)) {
            send(ex, 200, "text/event-stream; charset=utf-8", new byte[0]);
            return;
          }
          if (events.open(ex, EventHub.frame("state", new String(json(state()), StandardCharsets.UTF_8)))) {
            ex = null; // the stream's writer closes it
          } else {
            h.set("Retry-After", "5");
            send(ex, 503, JSON_TYPE, json(Map.of("error", "too many dashboard streams; poll /health")));
          }
          return;
        }
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
      if (ex != null) {
        ex.close();
      }
    }
  }

  private void action(HttpExchange ex, String path) throws IOException {
    ConsoleApplication app = options.application();
    String[] parts = path.split("/", -1); // "", "actions", service, action
    if (!"1".equals(ex.getRequestHeaders().getFirst("X-Lifeline-Action"))) {
      send(ex, 403, JSON_TYPE, json(Map.of("error", "actions need the header X-Lifeline-Action: 1")));
      return;
    }
    List<String> offered = app == null || parts.length != 4 ? null : app.actions().get(parts[2]);
    if (offered == null || !offered.contains(parts[3])) {
      send(ex, 404, JSON_TYPE, json(Map.of("error", "no such action")));
      return;
    }
    String message;
    try {
      message = app.perform(parts[2], parts[3]);
    } catch (IllegalArgumentException | IllegalStateException e) {
      send(ex, 409, JSON_TYPE, json(Map.of("error", Secrets.redact(String.valueOf(e.getMessage())))));
      return;
    }
    send(ex, 200, JSON_TYPE, json(Map.of("message", Secrets.redact(String.valueOf(message)))));
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
