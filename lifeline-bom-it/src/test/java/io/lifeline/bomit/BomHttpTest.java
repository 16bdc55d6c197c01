package io.lifeline.bomit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.lifeline.core.ConnectionState;
import io.lifeline.http.HttpResult;
import io.lifeline.http.HttpServiceConfig;
import io.lifeline.http.HttpServiceConnectionManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * With only the BOM on the build path, the HTTP manager connects to a loopback JDK HttpServer. The proof goes around
 * Lifeline (the bare driver or the server itself sees what the manager did), so an answer from a
 * fallback or a degraded path cannot pass. One class per backend, so one backend's failure cannot
 * hide another's.
 */
class BomHttpTest {

  @Test
  void httpManagerReachesTheRealServer() throws Exception {
    AtomicInteger served = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/ping", exchange -> {
      served.incrementAndGet();
      byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    try (HttpServiceConnectionManager http = new HttpServiceConnectionManager(
        HttpServiceConfig.builder("bom-it")
            .baseUrl("http://127.0.0.1:" + server.getAddress().getPort()).build())) {
      HttpResult r = http.request("GET", "/ping");

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.json().get("ok").asBoolean()).isTrue();
      assertThat(served).hasValue(1);
      await().atMost(Duration.ofSeconds(5)).until(() -> http.state() == ConnectionState.CONNECTED);
    } finally {
      server.stop(0);
    }
  }
}
