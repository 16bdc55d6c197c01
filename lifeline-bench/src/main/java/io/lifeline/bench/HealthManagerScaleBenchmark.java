package io.lifeline.bench;

import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceType;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * Scale harness (a plain main, not JMH): 1 000 services with cheap checks every second, for 60 s by
 * default, on this machine. Reports the process's CPU use (percent of one core), the p50/p99 lateness
 * of checks against their schedule and the allocation rate, and writes them as JSON.
 *
 * <p>Usage: {@code java -cp lifeline-bench/target/benchmarks.jar
 * io.lifeline.bench.HealthManagerScaleBenchmark [out.json] [seconds]}; default output {@code
 * bench/results/health-scale.json}. Lateness of the k-th check of a service = its start time minus
 * (monitoring start + k × interval). A 5 s warm-up before the measured window is not counted.
 */
public final class HealthManagerScaleBenchmark {
  private static final int SERVICES = 1_000;
  private static final long INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();

  private HealthManagerScaleBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "bench/results/health-scale.json");
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    int warmup = 5;
    int perService = seconds + warmup + 5;
    long[][] lateness = new long[SERVICES][perService];
    int[] runs = new int[SERVICES];
    long[] measureFrom = {Long.MAX_VALUE};

    ConnectionHealthManager health = ConnectionHealthManager.builder()
        .checkInterval(Duration.ofSeconds(1))
        .checkTimeout(Duration.ofMillis(500))
        .build();
    long[] startedAt = new long[1];
    for (int i = 0; i < SERVICES; i++) {
      int id = i;
      health.register("svc-" + i, ServiceType.CUSTOM, () -> {
        long now = System.nanoTime();
        int k = runs[id]++; // one check of a service at a time: no race
        if (k < perService) {
          lateness[id][k] = now >= measureFrom[0] ? now - (startedAt[0] + k * INTERVAL_NANOS) : Long.MIN_VALUE;
        }
        return CheckResult.up();
      }, Set.of("feature-" + (i % 50)));
    }
    startedAt[0] = System.nanoTime();
    health.start();
    Thread.sleep(warmup * 1000L);

    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long cpu0 = os.getProcessCpuTime();
    long alloc0 = allocated(threads);
    long t0 = System.nanoTime();
    measureFrom[0] = t0;
    Thread.sleep(seconds * 1000L);
    long t1 = System.nanoTime();
    measureFrom[0] = Long.MAX_VALUE;
    long cpu1 = os.getProcessCpuTime();
    long alloc1 = allocated(threads);
    health.close();

    long[] all = new long[SERVICES * perService];
    int n = 0;
    for (int i = 0; i < SERVICES; i++) {
      for (int k = 0; k < Math.min(runs[i], perService); k++) {
        if (lateness[i][k] != Long.MIN_VALUE && lateness[i][k] != 0) {
          all[n++] = lateness[i][k];
        }
      }
    }
    long[] sample = Arrays.copyOf(all, n);
    Arrays.sort(sample);
    double wall = (t1 - t0) / 1e9;
    double cpuPercent = (cpu1 - cpu0) / 1e9 / wall * 100;
    double p50 = n == 0 ? Double.NaN : sample[(int) (n * 0.50)] / 1e6;
    double p99 = n == 0 ? Double.NaN : sample[Math.min(n - 1, (int) (n * 0.99))] / 1e6;
    double allocMb = (alloc1 - alloc0) / 1e6 / wall;
    String json = String.format(Locale.ROOT,
        "{\"services\": %d, \"seconds\": %d, \"cpuPercent\": %.2f, \"p50LatenessMs\": %.3f, "
            + "\"p99LatenessMs\": %.3f, \"allocMBPerSec\": %.3f}%n",
        SERVICES, seconds, cpuPercent, p50, p99, allocMb);
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.write(out, json.getBytes(StandardCharsets.UTF_8));
    System.out.print(json);
    System.out.printf(Locale.ROOT, "checks measured: %d (expected ~%d); cpu is percent of one core (%d cores)%n",
        n, (long) SERVICES * seconds, Runtime.getRuntime().availableProcessors());
  }

  private static long allocated(com.sun.management.ThreadMXBean threads) {
    long[] ids = threads.getAllThreadIds();
    long sum = 0;
    for (long b : threads.getThreadAllocatedBytes(ids)) {
      if (b > 0) {
        sum += b;
      }
    }
    return sum;
  }
}
