package io.lifeline.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceType;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's endpoints over real sockets: static files from the jar with a CSP that allows no
 * inline code and nothing from elsewhere, the {@code /events} stream (its bound on clients, the drop
 * of a client that does not read, the bounded sample ring), the token rule and the actions.
 */
class DashboardEndpointsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String XSS = "<img src=x onerror=alert(1)>";
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private ConnectionHealthManager health;

  @BeforeEach
  void start() {
    health = ConnectionHealthManager.builder().checkInterval(Duration.ofMillis(100))
        .checkTimeout(Duration.ofSeconds(1)).unavailableThreshold(1).recoveryThreshold(1).build();
    health.register(XSS, ServiceType.CUSTOM, CheckResult::up, Set.of("caching"));
    health.start();
  }

  @AfterEach
  void stop() {
    health.close();
  }

  @Test
  void servesTheStaticDashboardWithAStrictCspAndNothingFromElsewhere() throws Exception {
    try (LifelineConsole console = LifelineConsole.start(health, options().build())) {
      ConsoleClient client = new ConsoleClient(console);
      HttpResponse<String> page = client.get("/");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
      String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
      assertThat(csp).contains("default-src 'self'").doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
      assertThat(page.body()).contains("dashboard.js").doesNotContain("<script>").doesNotContain("style=")
          .doesNotContainPattern("(?i)(src|href)=\"(https?:)?//");
      HttpResponse<String> js = client.get("/dashboard.js");
      assertThat(js.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
      assertThat(js.body()).doesNotContain("innerHTML").doesNotContain("insertAdjacentHTML")
          .doesNotContain("document.write").doesNotContain("eval(").doesNotContainPattern("https?://(?!www\\.w3\\.org/2000/svg)");
      HttpResponse<String> css = client.get("/dashboard.css");
      assertThat(css.body()).doesNotContain("@import").doesNotContainPattern("url\\(");
      String etag = css.headers().firstValue("ETag").orElseThrow();
      HttpResponse<String> again = client.send(HttpRequest.newBuilder(client.uri("/dashboard.css"))
          .header("If-None-Match", etag).GET(), null);
      assertThat(again.statusCode()).isEqualTo(304);
      assertThat(client.get("/health").headers().firstValue("Content-Security-Policy")).hasValue(csp);
    }
  }

  @Test
  void eventsStreamStateWithTheServiceNameAsPlainJsonText() throws Exception {
    try (LifelineConsole console = LifelineConsole.start(health, options()
        .eventInterval(Duration.ofMillis(50)).build())) {
      List<String> lines = new CopyOnWriteArrayList<>();
      try (InputStream in = openEvents(console, null).body()) {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String data = null;
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
          if (line.startsWith("data: ") && lines.size() > 2) {
            data = line.substring(6);
            JsonNode state = JSON.readTree(data);
            if (state.path("series").has(XSS) && state.path("series").path(XSS).path("latencyMs").size() >= 2) {
              assertThat(state.path("health").path("services").has(XSS)).isTrue();
              assertThat(state.path("health").path("features").path("caching").path("available").asBoolean()).isTrue();
              break;
            }
          }
        }
        assertThat(lines).contains("retry: 1000", "event: state");
        assertThat(data).contains(XSS); // plain JSON text: the page puts it in with textContent only
      }
    }
  }

  @Test
  void atMostMaxEventClientsStreamsAtOnceAndTheRestAreToldToPoll() throws Exception {
    try (LifelineConsole console = LifelineConsole.start(health, options()
        .maxEventClients(2).build())) {
      HttpResponse<InputStream> a = openEvents(console, null);
      HttpResponse<InputStream> b = openEvents(console, null);
      assertThat(a.statusCode()).isEqualTo(200);
      assertThat(b.statusCode()).isEqualTo(200);
      HttpResponse<InputStream> c = openEvents(console, null);
      assertThat(c.statusCode()).isEqualTo(503);
      assertThat(c.headers().firstValue("Retry-After")).isPresent();
      c.body().close();
      assertThat(console.eventClients()).isEqualTo(2);
      a.body().close();
      b.body().close();
      await().atMost(Duration.ofSeconds(10)).until(() -> console.eventClients() == 0);
      HttpResponse<InputStream> d = openEvents(console, null);
      assertThat(d.statusCode()).isEqualTo(200);
      d.body().close();
    }
  }

  @Test
  void aClientThatStopsReadingIsDroppedInsteadOfBufferedAndItsSlotComesBack() throws Exception {
    // large events, sent often, to a socket that never reads: its kernel buffers fill, its writer
    // blocks, its queue of 2 fills, and the next publish drops it.
    ConsoleApplication big = new ConsoleApplication() {
      @Override
      public String title() {
        return "big";
      }

      @Override
      public Map<String, Map<String, Long>> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (long i = 0; i < 4000; i++) {
          m.put("counter-with-a-long-name-" + i, i);
        }
        return Map.of("svc", m);
      }
    };
    try (LifelineConsole console = LifelineConsole.start(health, options()
        .eventInterval(Duration.ofMillis(20)).eventQueueCapacity(2).maxEventClients(1)
        .application(big).build());
        Socket slow = new Socket()) {
      slow.setReceiveBufferSize(4096);
      slow.connect(new java.net.InetSocketAddress(console.uri().getHost(), console.port()));
      slow.getOutputStream().write(("GET /events HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      slow.getOutputStream().flush();
      await().atMost(Duration.ofSeconds(5)).until(() -> console.eventClients() == 1);
      await().atMost(Duration.ofSeconds(30)).until(() -> console.droppedEventClients() == 1);
      // the dropped client's writer ends when the server's response-time limit closes it: the slot is free again
      await().atMost(Duration.ofSeconds(15)).until(() -> console.eventClients() == 0);
      HttpResponse<InputStream> next = openEvents(console, null);
      assertThat(next.statusCode()).isEqualTo(200);
      next.body().close();
    }
  }

  @Test
  void theSampleRingPerServiceIsBounded() throws Exception {
    try (LifelineConsole console = LifelineConsole.start(health, options()
        .eventInterval(Duration.ofMillis(10)).historySize(5).build())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> console.historySamples(XSS) == 5);
      // many more samples later it still holds 5
      long until = System.nanoTime() + Duration.ofMillis(300).toNanos();
      await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() > until);
      assertThat(console.historySamples(XSS)).isEqualTo(5);
    }
  }

  @Test
  void withATokenThePageIsServedButTheDataAndActionsNeedIt() throws Exception {
    String token = "dash-token-1234";
    List<String> performed = new ArrayList<>();
    ConsoleApplication app = new ConsoleApplication() {
      @Override
      public String title() {
        return "demo";
      }

      @Override
      public Map<String, Map<String, Long>> counters() {
        return Map.of("svc", Map.of("calls", 1L));
      }

      @Override
      public Map<String, List<String>> actions() {
        return Map.of("svc", List.of("kill"));
      }

      @Override
      public String perform(String service, String action) {
        performed.add(service + "/" + action);
        return "killed " + service;
      }
    };
    try (LifelineConsole console = LifelineConsole.start(health, options().token(token)
        .application(app).build())) {
      ConsoleClient client = new ConsoleClient(console);
      assertThat(client.get("/").statusCode()).isEqualTo(200);
      assertThat(client.get("/dashboard.js").statusCode()).isEqualTo(200);
      HttpResponse<InputStream> denied = openEvents(console, null);
      assertThat(denied.statusCode()).isEqualTo(401);
      denied.body().close();
      HttpResponse<InputStream> ok = openEvents(console, "Bearer " + token);
      assertThat(ok.statusCode()).isEqualTo(200);
      ok.body().close();
      HttpRequest.Builder post = HttpRequest.newBuilder(client.uri("/actions/svc/kill"))
          .POST(HttpRequest.BodyPublishers.noBody());
      assertThat(client.send(post, null).statusCode()).isEqualTo(401);
      assertThat(client.send(post, "Bearer " + token).statusCode()).isEqualTo(403); // no X-Lifeline-Action
      assertThat(performed).isEmpty();
      HttpResponse<String> done = client.send(HttpRequest.newBuilder(client.uri("/actions/svc/kill"))
          .header("X-Lifeline-Action", "1").POST(HttpRequest.BodyPublishers.noBody()), "Bearer " + token);
      assertThat(done.statusCode()).isEqualTo(200);
      assertThat(done.body()).contains("killed svc");
      assertThat(performed).containsExactly("svc/kill");
      assertThat(client.send(HttpRequest.newBuilder(client.uri("/actions/svc/format-disk"))
          .header("X-Lifeline-Action", "1").POST(HttpRequest.BodyPublishers.noBody()), "Bearer " + token)
          .statusCode()).isEqualTo(404);
      assertThat(client.send(HttpRequest.newBuilder(client.uri("/actions/svc/kill")).GET(), "Bearer " + token)
          .statusCode()).isEqualTo(405);
    }
  }

  /**
   * Every console in this JVM (a fork per class) with a 2 s request time limit: the JDK server reads
   * it once, from the first console, and a dropped client's slot comes back when it closes the stream.
   */
  private static ConsoleOptions.Builder options() {
    return ConsoleOptions.builder().port(0).requestTimeout(Duration.ofSeconds(2));
  }

  private HttpResponse<InputStream> openEvents(LifelineConsole console, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(console.uri().resolve("/events")).GET();
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
  }
}
