package io.lifeline.bench;

import com.sun.net.httpserver.HttpServer;
import io.lifeline.core.RetryConfig;
import io.lifeline.http.HttpCall;
import io.lifeline.http.HttpResult;
import io.lifeline.http.HttpServiceConfig;
import io.lifeline.http.HttpServiceConnectionManager;
import io.lifeline.http.internal.BoundedBodyHandler;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One GET of a small JSON document from a loopback JDK {@link HttpServer}, through {@link
 * HttpServiceConnectionManager#request(HttpCall)} ({@code lifeline}) and through a bare JDK {@link
 * HttpClient} configured the same way ({@code raw}: HTTP/1.1, same timeouts, the request built per
 * call, the body read into a {@code byte[]}). Both keep their connections alive, so this measures
 * the per-request cost of the manager (guard, request building, result) against the HTTP exchange
 * it wraps. Target: lifeline ≥ 0.95× raw throughput. The forks run with {@code
 * -Dsun.net.httpserver.nodelay=true}: without it the JDK server's separate header and body writes meet
 * Nagle and delayed ACKs, and every exchange takes ~40 ms whatever the client does.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Dsun.net.httpserver.nodelay=true"})
@State(Scope.Benchmark)
public class HttpThroughputBenchmark {
  private static final byte[] BODY = "{\"status\":\"healthy\",\"facts\":[1,2,3]}".getBytes(StandardCharsets.UTF_8);

  private HttpServer server;
  private ExecutorService serverPool;
  private HttpServiceConnectionManager manager;
  private HttpCall call;
  private HttpClient client;
  private HttpClient clientOwnExecutor;
  private java.util.concurrent.ThreadPoolExecutor ownExecutor;
  private URI uri;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
    serverPool = Executors.newFixedThreadPool(4);
    server.setExecutor(serverPool);
    server.createContext("/healthcheck", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, BODY.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(BODY);
      }
    });
    server.start();
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    manager = new HttpServiceConnectionManager(HttpServiceConfig.builder("bench").baseUrl(base)
        .requestTimeout(Duration.ofSeconds(10)).connectTimeout(Duration.ofSeconds(5))
        .retryConfig(RetryConfig.defaults()).build());
    call = HttpCall.get("/healthcheck");
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
    uri = URI.create(base + "/healthcheck");
    // the same executor shape as the manager's: 0..32 threads, SynchronousQueue hand-off
    ownExecutor = new java.util.concurrent.ThreadPoolExecutor(0, 32, 30, TimeUnit.SECONDS,
        new java.util.concurrent.SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, "bench-http-own");
          t.setDaemon(true);
          return t;
        }, new java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy());
    clientOwnExecutor = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER)
        .executor(ownExecutor).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    manager.close();
    server.stop(0);
    serverPool.shutdownNow();
    ownExecutor.shutdownNow();
  }

  @Benchmark
  public int lifeline() {
    HttpResult r = manager.request(call);
    return r.statusCode() + r.bodyLength();
  }

  @Benchmark
  public int raw() throws Exception {
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
    HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
    return r.statusCode() + r.body().length;
  }

  /**
   * Isolates the executor: {@code raw} on a client with an executor shaped like the manager's
   * (0..32 threads, {@code SynchronousQueue}) instead of the client's default cached pool.
   */
  @Benchmark
  public int rawOwnExecutor() throws Exception {
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
    HttpResponse<byte[]> r = clientOwnExecutor.send(req, HttpResponse.BodyHandlers.ofByteArray());
    return r.statusCode() + r.body().length;
  }

  /**
   * Isolates the body subscriber: {@code raw} with a {@code BodySubscriber} of our own (the
   * manager's size- and deadline-bounded one, which the manager used for every body before and now
   * uses for chunked, HTTP/2 and {@code requestAsync} bodies) in place of {@code ofByteArray()}. JDK
   * 17 hands a foreign subscriber's {@code getBody()} to the executor: one more thread hand-off per
   * exchange.
   */
  @Benchmark
  public int rawOwnSubscriber() throws Exception {
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
    HttpResponse<byte[]> r = client.send(req,
        new BoundedBodyHandler(1 << 20, System.nanoTime(), 10_000_000_000L));
    return r.statusCode() + r.body().length;
  }

  /**
   * Paired measurement for a shared, loaded machine, where JMH's sequential forks (all of {@code
   * lifeline}, then all of {@code raw}) see different background load: {@code rounds} rounds, each
   * running {@code lifeline} and {@code raw} for {@code sliceMillis} back to back (order alternating
   * per round), on {@code threads} threads calling the same side at once, after a warm-up. Prints
   * each round's ratio (lifeline ops ÷ raw ops) and the median and quartiles; writes them as JSON
   * when an output path is given.
   *
   * <p>{@code java -Dsun.net.httpserver.nodelay=true -cp lifeline-bench/target/benchmarks.jar
   * io.lifeline.bench.HttpThroughputBenchmark [out.json] [rounds] [sliceMillis] [threads]}
   */
  public static void main(String[] args) throws Exception {
    String out = args.length > 0 ? args[0] : null;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    long slice = args.length > 2 ? Long.parseLong(args[2]) : 1000;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.err.println("warning: run with -Dsun.net.httpserver.nodelay=true (see the class doc)");
    }
    HttpThroughputBenchmark b = new HttpThroughputBenchmark();
    b.setup();
    try {
      long warm = System.nanoTime() + 5_000_000_000L;
      while (System.nanoTime() < warm) {
        b.lifeline();
        b.raw();
      }
      double[] ratios = new double[rounds];
      for (int i = 0; i < rounds; i++) {
        double l;
        double r;
        if (i % 2 == 0) {
          l = opsPerSecond(b, true, slice, threads);
          r = opsPerSecond(b, false, slice, threads);
        } else {
          r = opsPerSecond(b, false, slice, threads);
          l = opsPerSecond(b, true, slice, threads);
        }
        ratios[i] = l / r;
        System.out.printf("round %2d: lifeline %8.0f ops/s, raw %8.0f ops/s, ratio %.3f%n", i + 1, l, r, ratios[i]);
      }
      double[] sorted = ratios.clone();
      java.util.Arrays.sort(sorted);
      double median = sorted[rounds / 2];
      double q1 = sorted[rounds / 4];
      double q3 = sorted[(3 * rounds) / 4];
      System.out.printf("median ratio %.3f (quartiles %.3f-%.3f) over %d rounds of %d ms, %d thread(s)%n",
          median, q1, q3, rounds, slice, threads);
      if (out != null) {
        StringBuilder json = new StringBuilder("{\"rounds\":").append(rounds).append(",\"sliceMillis\":")
            .append(slice).append(",\"threads\":").append(threads).append(",\"median\":").append(median).append(",\"q1\":").append(q1)
            .append(",\"q3\":").append(q3).append(",\"ratios\":[");
        for (int i = 0; i < rounds; i++) {
          json.append(i == 0 ? "" : ",").append(String.format(java.util.Locale.ROOT, "%.4f", ratios[i]));
        }
        json.append("]}\n");
        java.nio.file.Files.writeString(java.nio.file.Path.of(out), json);
      }
    } finally {
      b.tearDown();
    }
  }

  private static double opsPerSecond(HttpThroughputBenchmark b, boolean lifeline, long sliceMillis,
      int threads) throws Exception {
    if (threads == 1) {
      return opsPerSecond(b, lifeline, sliceMillis);
    }
    java.util.concurrent.ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      java.util.List<java.util.concurrent.Future<Double>> parts = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        parts.add(pool.submit(() -> opsPerSecond(b, lifeline, sliceMillis)));
      }
      double sum = 0;
      for (java.util.concurrent.Future<Double> f : parts) {
        sum += f.get();
      }
      return sum;
    } finally {
      pool.shutdown();
    }
  }

  private static double opsPerSecond(HttpThroughputBenchmark b, boolean lifeline, long sliceMillis)
      throws Exception {
    long start = System.nanoTime();
    long end = start + sliceMillis * 1_000_000L;
    long n = 0;
    long now;
    do {
      if (lifeline) {
        b.lifeline();
      } else {
        b.raw();
      }
      n++;
      now = System.nanoTime();
    } while (now < end);
    return n * 1e9 / (now - start);
  }
}
