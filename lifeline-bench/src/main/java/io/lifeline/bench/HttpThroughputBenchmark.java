package io.lifeline.bench;

import com.sun.net.httpserver.HttpServer;
import io.lifeline.core.RetryConfig;
import io.lifeline.http.HttpCall;
import io.lifeline.http.HttpResult;
import io.lifeline.http.HttpServiceConfig;
import io.lifeline.http.HttpServiceConnectionManager;
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
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    manager.close();
    server.stop(0);
    serverPool.shutdownNow();
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
}
