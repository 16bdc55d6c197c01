package io.lifeline.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.health.ConnectionHealthManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The console's bounds under hostile clients: at most {@code maxConcurrentRequests} served and as
 * many waiting, the rest turned away at once; a client that sends half a request is disconnected
 * within the request timeout while others are served. (Each test class runs in its own JVM: the JDK
 * server reads its time limits once per process, from the first console started.)
 */
class ConsoleBoundsTest {

  @Test
  void requestsBeyondTheBoundAreTurnedAwayAtOnceAndTheRestAreServed() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger inScrape = new AtomicInteger();
    MetricsSource stuck = () -> {
      inScrape.incrementAndGet();
      try {
        release.await(30, TimeUnit.SECONDS); // a scrape that hangs: holds a console thread
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "x 1\n";
    };
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try (ConnectionHealthManager health = ConnectionHealthManager.builder().build();
         LifelineConsole console = LifelineConsole.start(health, ConsoleOptions.builder().port(0)
             .maxConcurrentRequests(2).requestTimeout(Duration.ofSeconds(5)).metrics(stuck).build())) {
      ConsoleClient c = new ConsoleClient(console);
      List<CompletableFuture<Integer>> held = new ArrayList<>();
      for (int i = 0; i < 4; i++) { // 2 served (stuck), 2 waiting
        held.add(CompletableFuture.supplyAsync(() -> status(c, "/metrics"), callers));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> inScrape.get() == 2);
      long t0 = System.nanoTime();
      int turnedAway = 0;
      for (int i = 0; i < 5; i++) {
        if (status(c, "/health/live") < 0) {
          turnedAway++;
        }
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(turnedAway).as("no thread and no queue slot left").isEqualTo(5);
      assertThat(ms).as("turned away at once, not after a wait").isLessThan(3_000);
      assertThat(inScrape.get()).isEqualTo(2);
      release.countDown();
      for (CompletableFuture<Integer> f : held) {
        assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(200);
      }
      assertThat(status(c, "/health/live")).as("served again once threads are free").isEqualTo(200);
    } finally {
      release.countDown();
      callers.shutdownNow();
    }
  }

  @Test
  void aClientThatSendsHalfARequestIsDisconnectedWithinTheTimeoutWhileOthersAreServed() throws Exception {
    try (ConnectionHealthManager health = ConnectionHealthManager.builder().build();
         LifelineConsole console = LifelineConsole.start(health, ConsoleOptions.builder().port(0)
             .maxConcurrentRequests(2).requestTimeout(Duration.ofSeconds(5)).build());
         Socket slow = new Socket("127.0.0.1", console.port())) {
      OutputStream out = slow.getOutputStream();
      out.write("GET /health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII)); // and never the end
      out.flush();
      long t0 = System.nanoTime();
      assertThat(status(new ConsoleClient(console), "/health/live")).isEqualTo(200);
      slow.setSoTimeout(30_000);
      InputStream in = slow.getInputStream();
      int read;
      try {
        read = in.read();
        while (read >= 0) {
          read = in.read(); // an error answer, if any, then the close
        }
      } catch (IOException reset) {
        read = -1;
      }
      double waited = (System.nanoTime() - t0) / 1e9;
      assertThat(read).isEqualTo(-1);
      assertThat(waited).as("cut at the 5 s request timeout (the JDK server's timer ticks each second)")
          .isBetween(3.0, 12.0);
    }
  }

  /** The status, or -1 when the server closed the connection without an answer. */
  private static int status(ConsoleClient c, String path) {
    try {
      HttpResponse<String> r = c.get(path);
      return r.statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
