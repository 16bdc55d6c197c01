package io.lifeline.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthCheck;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.core.health.ServiceType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The health manager against a real TCP server behind a {@link FaultProxy}: latency makes it
 * DEGRADED, a black hole makes it UNAVAILABLE, healing makes it RECOVERING and then HEALTHY, and
 * every callback fires exactly once, in order, with the right features.
 */
class HealthManagerFaultTest {

  /** Connects through the proxy and round-trips one byte, like a PING. */
  static HealthCheck ping(FaultProxy proxy) {
    return () -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(proxy.host(), proxy.port()), 500);
        s.setSoTimeout(500);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        out.write('p');
        out.flush();
        if (in.read() != 'p') {
          throw new IOException("bad echo");
        }
        return CheckResult.up();
      }
    };
  }

  @Test
  void healthyDegradedUnavailableRecoveringHealthyThroughRealFaults() throws Exception {
    try (EchoServer server = EchoServer.start();
         FaultProxy proxy = FaultProxy.start("127.0.0.1", server.port());
         ConnectionHealthManager health = ConnectionHealthManager.builder()
             .checkInterval(Duration.ofMillis(100))
             .checkTimeout(Duration.ofSeconds(2))
             .latencyThreshold(Duration.ofMillis(150))
             .unavailableThreshold(2)
             .recoveryThreshold(2)
             .retryConfig(io.lifeline.core.RetryConfig.builder().baseDelay(Duration.ofMillis(50))
                 .maxDelay(Duration.ofMillis(200)).build())
             .build()) {
      health.register("redis", ServiceType.REDIS, ping(proxy), Set.of("caching", "sessions", "rate_limiting"));
      List<String> all = new CopyOnWriteArrayList<>();
      List<String> degraded = new CopyOnWriteArrayList<>();
      List<String> recovered = new CopyOnWriteArrayList<>();
      List<Set<String>> unavailableFeatures = new CopyOnWriteArrayList<>();
      health.addStatusListener((s, from, to, st) -> all.add(from + ">" + to));
      health.onDegraded((s, from, to, st) -> {
        degraded.add(from + ">" + to);
        if (to == ServiceStatus.UNAVAILABLE) {
          unavailableFeatures.add(health.degradedFeatures());
        }
      });
      health.onRecovered((s, from, to, st) -> recovered.add(from + ">" + to));
      health.start();
      // HEALTHY once checks pass; awaited, not asserted after two checks: on a busy machine one
      // ping can exceed the 150 ms latency threshold before the proxy adds any latency
      await().atMost(Duration.ofSeconds(5)).until(() -> health.status("redis").totalChecks() >= 2
          && health.status("redis").status() == ServiceStatus.HEALTHY);
      // the sequence below starts from this healthy baseline (a slow first ping may have flapped)
      await().atMost(Duration.ofSeconds(5)).until(() -> all.isEmpty() || all.get(all.size() - 1).endsWith(">HEALTHY"));
      all.clear();
      degraded.clear();
      recovered.clear();
      unavailableFeatures.clear();

      proxy.latency(Duration.ofMillis(120)); // each direction: a round trip takes > 240 ms
      await().atMost(Duration.ofSeconds(10)).until(() -> health.status("redis").status() == ServiceStatus.DEGRADED);
      assertThat(health.isFeatureAvailable("caching")).isTrue();

      proxy.blackHole();
      await().atMost(Duration.ofSeconds(10))
          .until(() -> health.status("redis").status() == ServiceStatus.UNAVAILABLE);
      assertThat(health.degradedFeatures()).containsExactly("caching", "rate_limiting", "sessions");

      proxy.passThrough();
      await().atMost(Duration.ofSeconds(15)).until(() -> health.status("redis").status() == ServiceStatus.HEALTHY);
      assertThat(health.availableFeatures()).containsExactly("caching", "rate_limiting", "sessions");

      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(recovered).hasSize(1));
      assertThat(all).containsExactly("HEALTHY>DEGRADED", "DEGRADED>UNAVAILABLE", "UNAVAILABLE>RECOVERING",
          "RECOVERING>HEALTHY");
      assertThat(degraded).containsExactly("HEALTHY>DEGRADED", "DEGRADED>UNAVAILABLE");
      assertThat(recovered).containsExactly("RECOVERING>HEALTHY");
      assertThat(unavailableFeatures).containsExactly(Set.of("caching", "rate_limiting", "sessions"));
    }
  }

  @Test
  void refusedConnectionsAreUnavailableAtOnceAndComeBack() throws Exception {
    try (EchoServer server = EchoServer.start();
         FaultProxy proxy = FaultProxy.start("127.0.0.1", server.port());
         ConnectionHealthManager health = ConnectionHealthManager.builder()
             .checkInterval(Duration.ofSeconds(30)).unavailableThreshold(1).recoveryThreshold(1).build()) {
      health.register("db", ServiceType.DATABASE, ping(proxy), Set.of("orders"));
      assertThat(health.checkNow("db").status()).isEqualTo(ServiceStatus.HEALTHY);
      proxy.refuse();
      assertThat(health.checkNow("db").status()).isEqualTo(ServiceStatus.UNAVAILABLE);
      assertThat(health.status("db").lastError()).contains("ConnectException");
      assertThat(health.isFeatureAvailable("orders")).isFalse();
      proxy.passThrough();
      assertThat(health.checkNow("db").status()).isEqualTo(ServiceStatus.HEALTHY);
    }
  }
}
