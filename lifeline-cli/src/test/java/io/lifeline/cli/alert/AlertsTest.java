package io.lifeline.cli.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lifeline.core.health.HealthStatus;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.core.health.ServiceType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * {@link Alerts} against a real loopback receiver that is up, refusing (5xx), slow and gone:
 * transitions only and deduplicated, coalesced inside the rate-limit window, retried through the
 * Guard, bounded queue with a drop counter while the receiver hangs, and no secret in any payload.
 */
class AlertsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CANARY = "canary-Pw-8812";

  static AlertSink sink(AlertReceiver r, AlertSink.Format format, Duration minInterval, int capacity) {
    return new AlertSink("ops", format, r.url(), Duration.ofSeconds(2), minInterval, AlertSink.DEFAULT_ON, capacity,
        "test-host");
  }

  static HealthStatus status(String service, ServiceStatus s, String error) {
    return new HealthStatus(service, ServiceType.REDIS, s, Instant.now(), null, Duration.ZERO, 1, 1, 0, error,
        null, 0, false, Map.of());
  }

  static Alerts alerts(AlertSink sink, String... services) {
    Alerts a = Alerts.start(List.of(sink));
    Map<String, Alerts.Route> routes = new java.util.HashMap<>();
    for (String s : services) {
      routes.put(s, new Alerts.Route("redis", Set.of("caching"), List.of(sink.name())));
    }
    a.routes(routes);
    a.secrets(List.of(CANARY));
    return a;
  }

  static void fire(Alerts a, String service, ServiceStatus from, ServiceStatus to, String error) {
    a.onStatusChange(service, from, to, status(service, to, error));
  }

  static long counter(Alerts a, java.util.function.ToLongFunction<Alerts.SinkCounters> f) {
    long[] v = new long[1];
    a.forEachSink(c -> v[0] = f.applyAsLong(c));
    return v[0];
  }

  @Test
  void anOutageIsOneAlertAndItsEndOneMore() throws Exception {
    try (AlertReceiver r = new AlertReceiver(); Alerts a = alerts(sink(r, AlertSink.Format.WEBHOOK, Duration.ZERO, 10), "cache")) {
      fire(a, "cache", ServiceStatus.HEALTHY, ServiceStatus.DEGRADED, "connection refused");
      fire(a, "cache", ServiceStatus.DEGRADED, ServiceStatus.UNAVAILABLE,
          "connect to redis://:" + CANARY + "@10.0.0.1 failed, password " + CANARY);
      fire(a, "cache", ServiceStatus.UNAVAILABLE, ServiceStatus.UNAVAILABLE, "still down"); // no transition
      fire(a, "cache", ServiceStatus.UNAVAILABLE, ServiceStatus.RECOVERING, null);
      fire(a, "cache", ServiceStatus.RECOVERING, ServiceStatus.HEALTHY, null);
      fire(a, "other", ServiceStatus.HEALTHY, ServiceStatus.UNAVAILABLE, "not routed"); // routed nowhere
      await().atMost(Duration.ofSeconds(10)).until(() -> r.bodies.size() == 2);
      JsonNode down = JSON.readTree(r.bodies.get(0));
      assertThat(down.get("service").asText()).isEqualTo("cache");
      assertThat(down.get("type").asText()).isEqualTo("redis");
      assertThat(down.get("oldStatus").asText()).isEqualTo("HEALTHY");
      assertThat(down.get("newStatus").asText()).isEqualTo("UNAVAILABLE");
      assertThat(down.get("features").get(0).asText()).isEqualTo("caching");
      assertThat(down.get("instance").asText()).isEqualTo("test-host");
      assertThat(Instant.parse(down.get("timestamp").asText())).isBefore(Instant.now().plusSeconds(1));
      assertThat(down.get("error").asText()).contains("failed").doesNotContain(CANARY);
      JsonNode up = JSON.readTree(r.bodies.get(1));
      assertThat(up.get("oldStatus").asText()).isEqualTo("UNAVAILABLE");
      assertThat(up.get("newStatus").asText()).isEqualTo("HEALTHY");
      assertThat(counter(a, Alerts.SinkCounters::sent)).isEqualTo(2);
      assertThat(r.bodies).allSatisfy(b -> assertThat(b).doesNotContain(CANARY));
    }
  }

  @Test
  void aDegradedBlipThatHealsAlertsNothing() throws Exception {
    try (AlertReceiver r = new AlertReceiver(); Alerts a = alerts(sink(r, AlertSink.Format.WEBHOOK, Duration.ZERO, 10), "cache")) {
      fire(a, "cache", ServiceStatus.HEALTHY, ServiceStatus.DEGRADED, "slow");
      fire(a, "cache", ServiceStatus.DEGRADED, ServiceStatus.HEALTHY, null);
      fire(a, "cache", ServiceStatus.HEALTHY, ServiceStatus.UNAVAILABLE, "down"); // a marker after it
      await().atMost(Duration.ofSeconds(10)).until(() -> r.bodies.size() == 1);
      assertThat(JSON.readTree(r.bodies.get(0)).get("newStatus").asText()).isEqualTo("UNAVAILABLE");
      assertThat(r.requests.get()).isEqualTo(1);
    }
  }

  @Test
  void flappingInsideTheWindowIsCoalescedIntoTheLatestStatus() throws Exception {
    try (AlertReceiver r = new AlertReceiver();
         Alerts a = alerts(sink(r, AlertSink.Format.WEBHOOK, Duration.ofMillis(800), 10), "cache")) {
      long start = System.nanoTime();
      fire(a, "cache", ServiceStatus.HEALTHY, ServiceStatus.UNAVAILABLE, "down");
      for (int i = 0; i < 5; i++) {
        fire(a, "cache", ServiceStatus.UNAVAILABLE, ServiceStatus.HEALTHY, null);
        fire(a, "cache", ServiceStatus.HEALTHY, ServiceStatus.UNAVAILABLE, "down again");
      }
      fire(a, "cache", ServiceStatus.UNAVAILABLE, ServiceStatus.HEALTHY, null); // ends healthy
      await().atMost(Duration.ofSeconds(10)).until(() -> r.bodies.size() == 2);
      assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(800);
      JsonNode second = JSON.readTree(r.bodies.get(1));
      assertThat(second.get("newStatus").asText()).isEqualTo("HEALTHY");
      assertThat(second.get("oldStatus").asText()).isEqualTo("UNAVAILABLE");
      assertThat(second.get("coalesced").asInt()).isEqualTo(10);
      // nothing else is pending: the window closes with the receiver told the latest status
      await().during(Duration.ofMillis(1_200)).atMost(Duration.ofSeconds(3)).until(() -> r.bodies.size() == 2);
    }
  }

  @Test
  void aRefusingReceiverIsRetriedThenTheAlertCountsAsFailed() throws Exception {
    try (AlertReceiver r = new AlertReceiver(); Alerts a = alerts(sink(r, AlertSink.Format.WEBHOOK, Duration.ZERO, 10), "cache")) {
      r.status = 503;
      fire(a, "cache", ServiceStatus.HEALTHY, ServiceStatus.UNAVAILABLE, "down");
      await().atMost(Duration.ofSeconds(30)).until(() -> counter(a, Alerts.SinkCounters::failed) == 1);
      assertThat(r.requests.get()).isEqualTo(1 + AlertDelivery.RETRY.maxRetries());
      r.status = 200;
      fire(a, "cache", ServiceStatus.UNAVAILABLE, ServiceStatus.HEALTHY, null);
      await().atMost(Duration.ofSeconds(10)).until(() -> counter(a, Alerts.SinkCounters::sent) == 1);
    }
  }

  @Test
  void aHangingReceiverFillsOnlyTheBoundedQueueAndNeverBlocksTheHealthThread() throws Exception {
    try (AlertReceiver r = new AlertReceiver()) {
      r.hold = new CountDownLatch(1);
      Alerts a = alerts(sink(r, AlertSink.Format.WEBHOOK, Duration.ZERO, 5), services(200));
      try {
        long worst = 0;
        for (int round = 0; round < 20; round++) { // a long outage: 200 services flapping 20 times
          for (int s = 0; s < 200; s++) {
            long t0 = System.nanoTime();
            fire(a, "svc" + s, ServiceStatus.HEALTHY, round % 2 == 0 ? ServiceStatus.UNAVAILABLE : ServiceStatus.HEALTHY,
                "down");
            worst = Math.max(worst, System.nanoTime() - t0);
          }
        }
        assertThat(counter(a, Alerts.SinkCounters::queued)).isLessThanOrEqualTo(5);
        // 4 000 transitions: one in delivery (held), at most 5 queued, every other one dropped and counted
        assertThat(counter(a, Alerts.SinkCounters::dropped)).isGreaterThanOrEqualTo(4_000 - 6);
        assertThat(Duration.ofNanos(worst)).isLessThan(Duration.ofMillis(200));
      } finally {
        r.hold.countDown();
        a.close();
      }
    }
  }

  @Test
  void slackPayloadEscapesNamesAndCarriesNoSecret() throws Exception {
    try (AlertReceiver r = new AlertReceiver(); Alerts a = alerts(sink(r, AlertSink.Format.SLACK, Duration.ZERO, 10), "<@here>&x")) {
      fire(a, "<@here>&x", ServiceStatus.HEALTHY, ServiceStatus.UNAVAILABLE, "password=" + CANARY + " <b>");
      await().atMost(Duration.ofSeconds(10)).until(() -> r.bodies.size() == 1);
      String text = JSON.readTree(r.bodies.get(0)).get("text").asText();
      assertThat(text).contains("&lt;@here&gt;&amp;x").contains("UNAVAILABLE").contains("was HEALTHY")
          .contains("&lt;b&gt;").doesNotContain("<@here>").doesNotContain(CANARY);
    }
  }

  @Test
  void theSinkUrlIsNeverShown() throws Exception {
    try (AlertReceiver r = new AlertReceiver()) {
      AlertSink s = sink(r, AlertSink.Format.WEBHOOK, Duration.ZERO, 1);
      assertThat(s.toString()).doesNotContain("SECRET-PATH-TOKEN").contains("127.0.0.1");
      assertThat(s.shownUrl()).doesNotContain("SECRET-PATH-TOKEN");
    }
  }

  static String[] services(int n) {
    String[] s = new String[n];
    for (int i = 0; i < n; i++) {
      s[i] = "svc" + i;
    }
    return s;
  }
}
