package io.lifeline.bench;

import io.lifeline.cli.ConfigLoader;
import io.lifeline.cli.LifelineConfig;
import io.lifeline.cli.LifelineServer;
import io.lifeline.console.ConsoleOptions;
import io.lifeline.micrometer.LifelineMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What {@code lifeline serve} costs with 100 services: heap after GC and resident memory once every
 * service has been checked for a while, and the latency of {@code /health}, {@code /health/ready}
 * and {@code /metrics} over real HTTP (sequential, then 4 concurrent clients). The services are
 * {@code tcp} checks of one loopback listener (so the figure is the monitor's own, not a driver's),
 * checked every second.
 *
 * <pre>java -cp lifeline-bench/target/benchmarks.jar io.lifeline.bench.ServeFootprintBenchmark [out.json]</pre>
 */
public final class ServeFootprintBenchmark {
  static final int SERVICES = 100;
  static final int REQUESTS = 1_000;

  private ServeFootprintBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "bench/results/cli/serve-100.json");
    try (ServerSocket listener = new ServerSocket(0, 512, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        while (!listener.isClosed()) {
          try (Socket s = listener.accept()) {
            // accepted: that is all a tcp check asks
          } catch (java.io.IOException closed) {
            return;
          }
        }
      }, "acceptor");
      acceptor.setDaemon(true);
      acceptor.start();
      StringBuilder yaml = new StringBuilder("health: {interval: 1s, timeout: 1s}\nfeatures:\n");
      for (int f = 0; f < 10; f++) {
        yaml.append("  f").append(f).append(": {critical: ").append(f == 0).append("}\n");
      }
      yaml.append("services:\n");
      for (int i = 0; i < SERVICES; i++) {
        yaml.append("  svc-").append(i).append(": {type: tcp, address: '127.0.0.1:").append(listener.getLocalPort())
            .append("', timeout: 500ms, features: [f").append(i % 10).append("]}\n");
      }
      LifelineConfig config = new ConfigLoader(Map.of()).parse(yaml.toString(), "bench.yml");
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      LifelineMetrics.bindTo(registry);
      try (LifelineServer server = LifelineServer.start(config, ConsoleOptions.builder().port(0), registry::scrape)) {
        URI base = server.uri();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Thread.sleep(10_000); // ten rounds of checks
        System.gc();
        Thread.sleep(500);
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long rss = rssBytes();
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        StringBuilder json = new StringBuilder("{\n");
        json.append(String.format(Locale.ROOT, "  \"services\": %d, \"heapAfterGcMiB\": %.1f, \"rssMiB\": %.1f, "
            + "\"threads\": %d, \"maxHeapMiB\": %.0f,%n", SERVICES, heap / 1048576.0, rss / 1048576.0, threads,
            Runtime.getRuntime().maxMemory() / 1048576.0));
        String[] paths = {"/health", "/health/ready", "/metrics"};
        for (int p = 0; p < paths.length; p++) {
          URI u = base.resolve(paths[p]);
          for (int i = 0; i < 200; i++) {
            get(http, u);
          }
          List<Long> seq = new ArrayList<>();
          int bytes = 0;
          for (int i = 0; i < REQUESTS; i++) {
            long t0 = System.nanoTime();
            bytes = get(http, u);
            seq.add(System.nanoTime() - t0);
          }
          List<Long> conc = concurrent(http, u, 4, REQUESTS / 4);
          json.append(String.format(Locale.ROOT,
              "  \"%s\": {\"bytes\": %d, \"sequential\": %s, \"concurrent4\": %s}%s%n", paths[p], bytes,
              stats(seq), stats(conc), p < paths.length - 1 ? "," : ""));
        }
        json.append("}\n");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json.toString(), StandardCharsets.UTF_8);
        System.out.print(json);
      }
    }
    System.exit(0);
  }

  static int get(HttpClient http, URI u) throws Exception {
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(u + " answered " + r.statusCode());
    }
    return r.body().length;
  }

  static List<Long> concurrent(HttpClient http, URI u, int clients, int each) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<List<Long>>> fs = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        fs.add(pool.submit(() -> {
          List<Long> l = new ArrayList<>();
          for (int i = 0; i < each; i++) {
            long t0 = System.nanoTime();
            get(http, u);
            l.add(System.nanoTime() - t0);
          }
          return l;
        }));
      }
      List<Long> all = new ArrayList<>();
      for (Future<List<Long>> f : fs) {
        all.addAll(f.get());
      }
      return all;
    } finally {
      pool.shutdownNow();
    }
  }

  static String stats(List<Long> nanos) {
    nanos.sort(null);
    return String.format(Locale.ROOT, "{\"p50Ms\": %.3f, \"p99Ms\": %.3f, \"maxMs\": %.3f}", pct(nanos, 0.5),
        pct(nanos, 0.99), nanos.get(nanos.size() - 1) / 1e6);
  }

  static double pct(List<Long> sorted, double p) {
    int i = (int) Math.min(sorted.size() - 1, Math.max(0, Math.ceil(sorted.size() * p) - 1));
    return sorted.get(i) / 1e6;
  }

  static long rssBytes() throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    return -1;
  }
}
