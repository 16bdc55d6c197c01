package io.lifeline.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.testkit.FaultProxy.Mode;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FaultProxyTest {
  private static final Duration SHORT_READ_TIMEOUT = Duration.ofMillis(300);

  private EchoServer echo;
  private FaultProxy proxy;
  private final List<Socket> clients = new ArrayList<>();

  @BeforeEach
  void startEchoAndProxy() throws IOException {
    echo = EchoServer.start();
    proxy = FaultProxy.start("127.0.0.1", echo.port());
  }

  /** Every test also proves that closing the proxy leaves none of its threads behind. */
  @AfterEach
  void closeEverything() throws Exception {
    for (Socket s : clients) {
      s.close();
    }
    proxy.close();
    echo.close();
    String prefix = proxy.threadNamePrefix();
    eventually().untilAsserted(() -> assertThat(threadsNamed(prefix)).isEmpty());
  }

  // ------------------------------------------------------------------ pass-through

  @Test
  void exposesItsAddresses() {
    assertThat(proxy.host()).isEqualTo("127.0.0.1");
    assertThat(proxy.port()).isPositive().isNotEqualTo(echo.port());
    assertThat(proxy.address()).isEqualTo(new InetSocketAddress("127.0.0.1", proxy.port()));
    assertThat(proxy.upstream().getHostString()).isEqualTo("127.0.0.1");
    assertThat(proxy.upstream().getPort()).isEqualTo(echo.port());
    assertThat(proxy.mode()).isEqualTo(Mode.PASS_THROUGH);
    assertThat(proxy.threadNamePrefix()).startsWith(FaultProxy.THREAD_NAME_PREFIX);
    assertThat(proxy.isClosed()).isFalse();
  }

  @Test
  void passThroughEchoesAndCounts() throws Exception {
    Socket client = connect();
    assertThat(roundTrip(client, "hello")).isEqualTo("hello");

    eventually()
        .untilAsserted(
            () -> {
              assertThat(proxy.bytesToUpstream()).isEqualTo(5);
              assertThat(proxy.bytesToClient()).isEqualTo(5);
            });
    assertThat(proxy.acceptedConnections()).isEqualTo(1);
    assertThat(proxy.upstreamConnections()).isEqualTo(1);
    assertThat(proxy.openConnections()).isEqualTo(1);
    assertThat(proxy.bytesDiscarded()).isZero();
    assertThat(echo.accepted()).isEqualTo(1);

    client.close();
    eventually().until(() -> proxy.openConnections() == 0 && echo.open() == 0);
  }

  @Test
  void passThroughCopiesLargePayloadsIntact() throws Exception {
    byte[] payload = new byte[2 * 1024 * 1024];
    new Random(7).nextBytes(payload);
    Socket client = connect();

    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> {
              try {
                client.getOutputStream().write(payload);
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });
    byte[] echoed = client.getInputStream().readNBytes(payload.length);
    writer.get(10, TimeUnit.SECONDS);

    assertThat(echoed).isEqualTo(payload);
    eventually().until(() -> proxy.bytesToClient() == payload.length);
    assertThat(proxy.bytesToUpstream()).isEqualTo(payload.length);
  }

  @Test
  void halfCloseIsPropagatedBothWays() throws Exception {
    Socket client = connect();
    client.getOutputStream().write("abc".getBytes(UTF_8));
    client.shutdownOutput();

    // The echo server sees end of stream only after our FIN went through the proxy; its echo
    // and its own FIN must still come back through the half-open connection.
    assertThat(new String(client.getInputStream().readAllBytes(), UTF_8)).isEqualTo("abc");
    eventually().until(() -> proxy.openConnections() == 0 && echo.open() == 0);
  }

  // ------------------------------------------------------------------ latency

  @Test
  void latencyDelaysEachDirection() throws Exception {
    Duration delay = Duration.ofMillis(150);
    Socket existing = connect();
    assertThat(roundTrip(existing, "warm-up")).isEqualTo("warm-up");

    assertThat(proxy.latency(delay)).isSameAs(proxy);
    assertThat(proxy.mode()).isEqualTo(Mode.LATENCY);
    assertThat(proxy.latency()).isEqualTo(delay);

    // A round trip crosses the proxy twice: at least one delay per direction.
    assertRoundTripTakes(existing, "slow", delay.multipliedBy(2));
    // Connections opened while in LATENCY mode are delayed too.
    assertRoundTripTakes(connect(), "slow-new", delay.multipliedBy(2));
  }

  @Test
  void passThroughReleasesHeldDataAndStopsAddingLatency() throws Exception {
    Socket client = connect();
    proxy.latency(Duration.ofSeconds(30));
    client.getOutputStream().write("held".getBytes(UTF_8));

    long start = System.nanoTime();
    proxy.passThrough();
    // With 30 s per direction still applied, this read would hit its 5 s socket timeout.
    assertThat(new String(client.getInputStream().readNBytes(4), UTF_8)).isEqualTo("held");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(proxy.latency()).isEqualTo(Duration.ofSeconds(30));
    assertThat(roundTrip(client, "fast")).isEqualTo("fast");
  }

  // ------------------------------------------------------------------ black hole

  @Test
  void blackHoleSwallowsDataButKeepsConnectionsOpen() throws Exception {
    Socket existing = connect();
    assertThat(roundTrip(existing, "before")).isEqualTo("before");

    proxy.blackHole();
    assertThat(proxy.mode()).isEqualTo(Mode.BLACK_HOLE);
    existing.setSoTimeout((int) SHORT_READ_TIMEOUT.toMillis());
    existing.getOutputStream().write("ping".getBytes(UTF_8));
    assertThatThrownBy(() -> existing.getInputStream().read())
        .isInstanceOf(SocketTimeoutException.class);
    eventually().until(() -> proxy.bytesDiscarded() == 4);
    assertThat(proxy.openConnections()).isEqualTo(1);
    assertThat(echo.open()).isEqualTo(1);
    assertThat(proxy.bytesToUpstream()).isEqualTo(6);

    // New connections are accepted (the TCP handshake succeeds) but never reach the server.
    Socket fresh = connect();
    fresh.setSoTimeout((int) SHORT_READ_TIMEOUT.toMillis());
    fresh.getOutputStream().write("hello?".getBytes(UTF_8));
    assertThatThrownBy(() -> fresh.getInputStream().read())
        .isInstanceOf(SocketTimeoutException.class);
    eventually().until(() -> proxy.bytesDiscarded() == 10);
    assertThat(proxy.acceptedConnections()).isEqualTo(2);
    assertThat(proxy.openConnections()).isEqualTo(2);
    assertThat(proxy.upstreamConnections()).isEqualTo(1);
    assertThat(echo.accepted()).isEqualTo(1);

    // Heal: the existing connection forwards again (the swallowed "ping" is lost for good) and
    // the connection that never had an upstream is reset.
    proxy.passThrough();
    existing.setSoTimeout(5_000);
    assertThat(roundTrip(existing, "after")).isEqualTo("after");
    fresh.setSoTimeout(5_000);
    assertThatThrownBy(() -> fresh.getInputStream().read())
        .isInstanceOf(SocketException.class)
        .hasMessageContaining("Connection reset");
    eventually().until(() -> proxy.openConnections() == 1);
  }

  @Test
  void upstreamClosingDuringBlackHoleIsHiddenThenResetWhenItEnds() throws Exception {
    Socket client = connect();
    assertThat(roundTrip(client, "x")).isEqualTo("x");
    proxy.blackHole();

    echo.close(); // the server goes away; in a partition the client would not notice
    // The proxy's upstream-to-client thread ends once it has seen (and hidden) the server's FIN.
    eventually()
        .untilAsserted(
            () ->
                assertThat(threadsNamed(proxy.threadNamePrefix()))
                    .noneMatch(name -> name.endsWith("-u2c")));
    client.setSoTimeout((int) SHORT_READ_TIMEOUT.toMillis());
    assertThatThrownBy(() -> client.getInputStream().read())
        .isInstanceOf(SocketTimeoutException.class);
    assertThat(proxy.openConnections()).isEqualTo(1);

    proxy.passThrough();
    client.setSoTimeout(5_000);
    assertThatThrownBy(() -> client.getInputStream().read())
        .isInstanceOf(SocketException.class)
        .hasMessageContaining("Connection reset");
    eventually().until(() -> proxy.openConnections() == 0);
  }

  @Test
  void clientLeavingDuringBlackHoleClosesTheProxiedConnection() throws Exception {
    Socket client = connect();
    assertThat(roundTrip(client, "x")).isEqualTo("x");
    proxy.blackHole();

    client.close();
    eventually().until(() -> proxy.openConnections() == 0 && echo.open() == 0);
  }

  // ------------------------------------------------------------------ reset

  @Test
  void resetResetsExistingAndNewConnections() throws Exception {
    Socket existing = connect();
    assertThat(roundTrip(existing, "hi")).isEqualTo("hi");

    proxy.reset();
    assertThat(proxy.mode()).isEqualTo(Mode.RESET);
    assertThatThrownBy(() -> existing.getInputStream().read())
        .isInstanceOf(SocketException.class)
        .hasMessageContaining("Connection reset");
    eventually().until(() -> echo.open() == 0); // the upstream side was reset as well
    assertThat(proxy.openConnections()).isZero();

    assertNewConnectionIsReset(proxy);
    assertThat(proxy.acceptedConnections()).isEqualTo(2);
    assertThat(proxy.upstreamConnections()).isEqualTo(1);
    assertThat(echo.accepted()).isEqualTo(1);

    proxy.passThrough();
    assertThat(roundTrip(connect(), "back")).isEqualTo("back");
  }

  @Test
  void unreachableUpstreamResetsTheClient() throws Exception {
    int deadPort = freePort();
    FaultProxy toNowhere = FaultProxy.start("127.0.0.1", deadPort);
    try {
      assertNewConnectionIsReset(toNowhere);
      assertThat(toNowhere.acceptedConnections()).isEqualTo(1);
      assertThat(toNowhere.upstreamConnections()).isZero();
      eventually().until(() -> toNowhere.openConnections() == 0);
    } finally {
      toNowhere.close();
    }
    eventually()
        .untilAsserted(() -> assertThat(threadsNamed(toNowhere.threadNamePrefix())).isEmpty());
  }

  // ------------------------------------------------------------------ refuse

  @Test
  void refuseRefusesNewConnectionsThenRebindsTheSamePort() throws Exception {
    Socket existing = connect();
    assertThat(roundTrip(existing, "one")).isEqualTo("one");
    int port = proxy.port();

    proxy.refuse();
    assertThat(proxy.mode()).isEqualTo(Mode.REFUSE);
    assertThatThrownBy(this::connect).isInstanceOf(ConnectException.class);
    assertThat(roundTrip(existing, "still-there")).isEqualTo("still-there");

    proxy.passThrough();
    assertThat(proxy.port()).isEqualTo(port);
    assertThat(roundTrip(connect(), "new")).isEqualTo("new");
    assertThat(roundTrip(existing, "two")).isEqualTo("two");
    assertThat(proxy.acceptedConnections()).isEqualTo(2);
    assertThat(echo.accepted()).isEqualTo(2);
  }

  @Test
  void builderChoosesListenPortAndInitialMode() throws Exception {
    int port = freePort();
    try (FaultProxy refusing =
        FaultProxy.builder("127.0.0.1", echo.port()).listenPort(port).mode(Mode.REFUSE).start()) {
      assertThat(refusing.port()).isEqualTo(port);
      assertThat(refusing.mode()).isEqualTo(Mode.REFUSE);
      assertThatThrownBy(() -> connect(refusing)).isInstanceOf(ConnectException.class);

      refusing.passThrough();
      assertThat(roundTrip(connect(refusing), "bound")).isEqualTo("bound");
    }
    try (FaultProxy slow =
        FaultProxy.builder("127.0.0.1", echo.port()).latency(Duration.ofMillis(50)).start()) {
      assertThat(slow.mode()).isEqualTo(Mode.LATENCY);
      assertThat(slow.latency()).isEqualTo(Duration.ofMillis(50));
      assertRoundTripTakes(connect(slow), "slow", Duration.ofMillis(100));
    }
  }

  // ------------------------------------------------------------------ cut

  @Test
  void cutAllClosesOpenConnectionsAndKeepsTheMode() throws Exception {
    Socket a = connect();
    Socket b = connect();
    assertThat(roundTrip(a, "a")).isEqualTo("a");
    assertThat(roundTrip(b, "b")).isEqualTo("b");
    assertThat(proxy.openConnections()).isEqualTo(2);

    assertThat(proxy.cutAll()).isEqualTo(2);
    assertEndOfStreamOrReset(a);
    assertEndOfStreamOrReset(b);
    eventually().until(() -> echo.open() == 0); // the upstream side was closed too
    assertThat(proxy.openConnections()).isZero();
    assertThat(proxy.mode()).isEqualTo(Mode.PASS_THROUGH);

    Socket c = connect();
    assertThat(roundTrip(c, "c")).isEqualTo("c");
    assertThat(proxy.cutConnections()).isEqualTo(1);
    assertEndOfStreamOrReset(c);
    assertThat(proxy.cutAll()).isZero();
  }

  // ------------------------------------------------------------------ close

  @Test
  void closeClosesEverythingStopsAllThreadsAndFreesThePort() throws Exception {
    Socket a = connect();
    assertThat(roundTrip(a, "a")).isEqualTo("a");
    proxy.latency(Duration.ofSeconds(30));
    a.getOutputStream().write("held back".getBytes(UTF_8));
    Socket b = connect();
    b.getOutputStream().write("also held".getBytes(UTF_8));
    // One acceptor plus one thread per direction of each connection.
    String prefix = proxy.threadNamePrefix();
    eventually().untilAsserted(() -> assertThat(threadsNamed(prefix)).hasSize(5));
    int port = proxy.port();

    proxy.close();
    proxy.close(); // idempotent

    eventually().untilAsserted(() -> assertThat(threadsNamed(prefix)).isEmpty());
    assertThat(proxy.isClosed()).isTrue();
    assertThat(proxy.openConnections()).isZero();
    assertEndOfStreamOrReset(a);
    assertEndOfStreamOrReset(b);
    eventually().until(() -> echo.open() == 0);
    assertThatThrownBy(this::connect).isInstanceOf(ConnectException.class);
    try (ServerSocket rebound = new ServerSocket()) {
      rebound.setReuseAddress(true);
      rebound.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
    }
    assertThatThrownBy(proxy::passThrough).isInstanceOf(IllegalStateException.class);
    assertThat(proxy.cutAll()).isZero();
  }

  // ------------------------------------------------------------------ validation

  @Test
  void rejectsInvalidArguments() {
    assertThatThrownBy(() -> proxy.latency(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> proxy.latency(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> proxy.mode(null)).isInstanceOf(NullPointerException.class);
    assertThat(proxy.mode()).isEqualTo(Mode.PASS_THROUGH);
    assertThatThrownBy(() -> FaultProxy.builder(null, 1)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> FaultProxy.builder("127.0.0.1", 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FaultProxy.builder("127.0.0.1", 1).listenPort(65536))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FaultProxy.builder("127.0.0.1", 1).connectTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------ robustness

  @Test
  void survivesConcurrentTrafficWhileModesFlip() throws Exception {
    int clientCount = 6;
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger sessions = new AtomicInteger();
    AtomicInteger successfulSessions = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            clientCount,
            r -> {
              Thread t = new Thread(r, "test-chaos-client");
              t.setDaemon(true);
              return t;
            });
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < clientCount; i++) {
      int id = i;
      futures.add(
          pool.submit(
              () -> {
                for (int n = 0; !stop.get(); n++) {
                  try (Socket s = new Socket()) {
                    s.setSoTimeout(100);
                    s.connect(proxy.address(), 1_000);
                    for (int k = 0; k < 5; k++) {
                      String message = "c" + id + "-" + n + "-" + k + ";";
                      // Each connection is abandoned at its first failure, so every answer
                      // that does arrive must be exactly the echo of what was sent.
                      assertThat(roundTrip(s, message)).isEqualTo(message);
                    }
                    successfulSessions.incrementAndGet();
                  } catch (IOException expectedUnderFaults) {
                    // refused, reset, cut (end of stream), timed out: try again
                  } finally {
                    sessions.incrementAndGet();
                  }
                }
                return null;
              }));
    }

    Random random = new Random(42);
    Mode[] modes = Mode.values();
    for (int i = 0; i < 30; i++) {
      Mode mode = modes[random.nextInt(modes.length)];
      if (mode == Mode.LATENCY) {
        proxy.latency(Duration.ofMillis(random.nextInt(20)));
      } else {
        proxy.mode(mode);
      }
      if (random.nextInt(4) == 0) {
        proxy.cutAll();
      }
      int seen = sessions.get();
      eventually()
          .until(() -> sessions.get() > seen || futures.stream().anyMatch(Future::isDone));
      for (Future<?> f : futures) {
        if (f.isDone()) {
          f.get(); // a client failed: surface why
        }
      }
    }

    proxy.passThrough();
    int before = successfulSessions.get();
    eventually().until(() -> successfulSessions.get() >= before + clientCount);
    stop.set(true);
    pool.shutdown();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    for (Future<?> f : futures) {
      f.get(); // surfaces a corrupted echo
    }

    // Every proxied connection was cleaned up once its client left; none leaked upstream.
    eventually().until(() -> proxy.openConnections() == 0 && echo.open() == 0);
  }

  @Test
  void concurrentModeSwitchesNeverFailToRebindThePort() throws Exception {
    int switchers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(switchers);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < switchers; i++) {
        Random random = new Random(i);
        futures.add(
            pool.submit(
                () -> {
                  for (int k = 0; k < 50; k++) {
                    // REFUSE closes the listening socket; every other mode binds it again.
                    proxy.mode(random.nextBoolean() ? Mode.REFUSE : Mode.PASS_THROUGH);
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    proxy.passThrough();
    assertThat(roundTrip(connect(), "still works")).isEqualTo("still works");
  }

  // ------------------------------------------------------------------ helpers

  private static ConditionFactory eventually() {
    return await()
        .atMost(Duration.ofSeconds(10))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10));
  }

  private Socket connect() throws IOException {
    return connect(proxy);
  }

  private Socket connect(FaultProxy target) throws IOException {
    Socket s = new Socket();
    clients.add(s);
    s.setSoTimeout(5_000);
    s.setTcpNoDelay(true);
    s.connect(target.address(), 2_000);
    return s;
  }

  /** Writes the message and reads as many bytes back; EOFException if the stream ends first. */
  private static String roundTrip(Socket s, String message) throws IOException {
    byte[] bytes = message.getBytes(UTF_8);
    s.getOutputStream().write(bytes);
    byte[] answer = s.getInputStream().readNBytes(bytes.length);
    if (answer.length < bytes.length) {
      throw new EOFException("end of stream after " + answer.length + " of " + bytes.length);
    }
    return new String(answer, UTF_8);
  }

  private static void assertRoundTripTakes(Socket s, String message, Duration atLeast)
      throws IOException {
    long start = System.nanoTime();
    assertThat(roundTrip(s, message)).isEqualTo(message);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertThat(elapsed).isGreaterThanOrEqualTo(atLeast).isLessThan(atLeast.plusSeconds(5));
  }

  /**
   * The reset can beat the client's connect() to the check of the socket's state after the
   * handshake (then connect() fails), or arrive later (then the first read fails).
   */
  private void assertNewConnectionIsReset(FaultProxy target) {
    assertThatThrownBy(
            () -> {
              Socket s = connect(target);
              s.getInputStream().read();
            })
        .isInstanceOf(SocketException.class)
        .hasMessageContaining("Connection reset");
  }

  private static void assertEndOfStreamOrReset(Socket s) {
    try {
      assertThat(s.getInputStream().read()).as("end of stream").isEqualTo(-1);
    } catch (SocketException e) {
      assertThat(e).hasMessageContaining("reset");
    } catch (IOException e) {
      throw new AssertionError("expected end of stream or reset", e);
    }
  }

  private static List<String> threadsNamed(String prefix) {
    List<String> names = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix) && t.isAlive()) {
        names.add(t.getName());
      }
    }
    return names;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      return s.getLocalPort();
    }
  }
}
