package io.lifeline.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lifeline.redis.RedisConfig;
import io.lifeline.redis.RedisConnectionManager;
import io.lifeline.testkit.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Outage harness (plain main): 1 000 ops/s of mixed GET/SET (50/50) from 2 threads for 25 s; Redis
 * is SIGKILLed at 5 s and restarted (same port, empty) at 15 s. Runs once through {@link
 * RedisConnectionManager} (defaults) and once through plain Lettuce (default {@code RedisClient}
 * options), each against its own embedded Redis.
 *
 * <p>Each thread keeps a fixed schedule (one op every 2 ms); the latency of an op is measured from
 * its <em>scheduled</em> start, so time a thread spent blocked in an earlier call counts against the
 * calls that had to wait for it (no coordinated omission).
 *
 * <ul>
 *   <li>{@code errors}: calls that threw.
 *   <li>{@code p50Ms}, {@code p99Ms}, {@code maxMs}: latency of the calls scheduled during the
 *       outage (kill to restart).
 *   <li>{@code detectionMs}: kill → first call answered without Redis (for Lifeline: by the
 *       fallback; for Lettuce: the first error, its only signal); null if that never happened.
 *   <li>{@code recoveryMs}: restart → first call answered by Redis again; null if never.
 * </ul>
 *
 * <pre>java -cp lifeline-bench/target/benchmarks.jar io.lifeline.bench.RedisOutageBenchmark [out.json]</pre>
 *
 * Writes the JSON (default {@code bench/results/redis-outage.json}) and a per-second CSV beside it.
 */
public final class RedisOutageBenchmark {
  static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(25);
  static final long KILL_AT = TimeUnit.SECONDS.toNanos(5);
  static final long RESTART_AT = TimeUnit.SECONDS.toNanos(15);
  static final int THREADS = 2;
  static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(2); // 500 ops/s per thread
  static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(90);

  private RedisOutageBenchmark() {}

  /** What a client under test looks like to the harness. */
  interface Client extends AutoCloseable {
    String get(String key);

    void set(String key, String value);

    /** True if the last answer came from somewhere other than Redis (the fallback). */
    boolean servedWithoutRedis();

    @Override
    void close();
  }

  /** One completed call. */
  record Sample(long scheduledNanos, long endNanos, boolean error, boolean withoutRedis) {}

  record Result(String name, List<Sample> samples, long killAt, long restartAt, long start) {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "bench/results/redis-outage.json");
    Result lifeline = run("lifeline", redisUrl -> {
      RedisConnectionManager m = RedisConnectionManager.create(RedisConfig.builder().url(redisUrl).build());
      return new Client() {
        @Override
        public String get(String key) {
          return m.get(key);
        }

        @Override
        public void set(String key, String value) {
          m.set(key, value);
        }

        @Override
        public boolean servedWithoutRedis() {
          return m.isUsingFallback();
        }

        @Override
        public void close() {
          m.close();
        }
      };
    });
    Result lettuce = run("lettuce", redisUrl -> {
      RedisClient client = RedisClient.create(redisUrl);
      StatefulRedisConnection<String, String> c = client.connect();
      RedisCommands<String, String> sync = c.sync();
      return new Client() {
        @Override
        public String get(String key) {
          return sync.get(key);
        }

        @Override
        public void set(String key, String value) {
          sync.set(key, value);
        }

        @Override
        public boolean servedWithoutRedis() {
          return false;
        }

        @Override
        public void close() {
          c.close();
          client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
      };
    });
    String json = "{\"lifeline\": " + summary(lifeline) + ", \"lettuce\": " + summary(lettuce) + "}\n";
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, json);
    Path csv = out.resolveSibling(out.getFileName().toString().replaceFirst("\\.json$", "") + ".csv");
    StringBuilder sb = new StringBuilder("client,second,ops,errors,without_redis,p50_ms,p99_ms,max_ms\n");
    perSecond(lifeline, sb);
    perSecond(lettuce, sb);
    Files.writeString(csv, sb.toString());
    System.out.print(json);
    System.out.println("wrote " + out + " and " + csv);
    System.exit(0); // Lettuce's default client may still hold blocked commands' threads
  }

  interface Factory {
    Client create(String redisUrl) throws Exception;
  }

  static Result run(String name, Factory factory) throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.builder().build().start()) {
      Client client = factory.create(redis.url());
      for (int i = 0; i < 1000; i++) {
        client.set("o:" + i, "v" + i); // warm: keys exist, JIT warmed a little
        client.get("o:" + i);
      }
      ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
      AtomicLong seq = new AtomicLong();
      Thread[] threads = new Thread[THREADS];
      for (int t = 0; t < THREADS; t++) {
        long offset = t * INTERVAL_NANOS / THREADS;
        threads[t] = new Thread(() -> {
          for (long i = 0; ; i++) {
            long scheduled = start + offset + i * INTERVAL_NANOS;
            if (scheduled - start >= RUN_NANOS) {
              return;
            }
            long now;
            while ((now = System.nanoTime()) < scheduled) {
              LockSupport.parkNanos(scheduled - now);
            }
            long n = seq.incrementAndGet();
            String key = "o:" + (n % 1000);
            boolean error = false;
            try {
              if ((n & 1) == 0) {
                client.get(key);
              } else {
                client.set(key, "v" + n);
              }
            } catch (RuntimeException e) {
              error = true;
            }
            long end = System.nanoTime();
            samples.add(new Sample(scheduled, end, error, !error && client.servedWithoutRedis()));
          }
        }, name + "-load-" + t);
        threads[t].setDaemon(true);
        threads[t].start();
      }
      long killAt = start + KILL_AT;
      long restartAt = start + RESTART_AT;
      parkUntil(killAt);
      long killed = System.nanoTime();
      redis.kill();
      parkUntil(restartAt);
      long restarted = System.nanoTime();
      redis.start();
      for (Thread t : threads) {
        t.join(TimeUnit.NANOSECONDS.toMillis(RUN_NANOS + DRAIN_NANOS));
      }
      boolean hung = Arrays.stream(threads).anyMatch(Thread::isAlive);
      if (hung) {
        System.err.println(name + ": load threads still blocked after the drain period");
      } else {
        client.close();
      }
      return new Result(name, new ArrayList<>(samples), killed, restarted, start);
    }
  }

  static void parkUntil(long deadline) {
    long now;
    while ((now = System.nanoTime()) < deadline) {
      LockSupport.parkNanos(deadline - now);
    }
  }

  static String summary(Result r) {
    long errors = r.samples.stream().filter(Sample::error).count();
    double[] outage = r.samples.stream()
        .filter(s -> s.scheduledNanos >= r.killAt && s.scheduledNanos < r.restartAt)
        .mapToDouble(s -> (s.endNanos - s.scheduledNanos) / 1e6).sorted().toArray();
    Long detection = r.samples.stream()
        .filter(s -> s.endNanos >= r.killAt && (s.error || s.withoutRedis))
        .mapToLong(s -> s.endNanos - r.killAt).min().stream().boxed().findFirst().orElse(null);
    Long recovery = r.samples.stream()
        .filter(s -> s.endNanos >= r.restartAt && !s.error && !s.withoutRedis && s.scheduledNanos >= r.restartAt)
        .mapToLong(s -> s.endNanos - r.restartAt).min().stream().boxed().findFirst().orElse(null);
    return String.format(Locale.ROOT,
        "{\"errors\": %d, \"p50Ms\": %s, \"p99Ms\": %s, \"maxMs\": %s, \"detectionMs\": %s, \"recoveryMs\": %s}",
        errors, num(percentile(outage, 0.50)), num(percentile(outage, 0.99)),
        num(outage.length == 0 ? Double.NaN : outage[outage.length - 1]),
        detection == null ? "null" : num(detection / 1e6), recovery == null ? "null" : num(recovery / 1e6));
  }

  static void perSecond(Result r, StringBuilder sb) {
    int seconds = (int) TimeUnit.NANOSECONDS.toSeconds(RUN_NANOS);
    for (int sec = 0; sec < seconds; sec++) {
      long from = r.start + TimeUnit.SECONDS.toNanos(sec);
      long to = from + TimeUnit.SECONDS.toNanos(1);
      List<Sample> in = r.samples.stream().filter(s -> s.scheduledNanos >= from && s.scheduledNanos < to).toList();
      double[] lat = in.stream().mapToDouble(s -> (s.endNanos - s.scheduledNanos) / 1e6).sorted().toArray();
      sb.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%s,%s,%s%n", r.name, sec, in.size(),
          in.stream().filter(Sample::error).count(), in.stream().filter(Sample::withoutRedis).count(),
          num(percentile(lat, 0.5)), num(percentile(lat, 0.99)),
          num(lat.length == 0 ? Double.NaN : lat[lat.length - 1])));
    }
  }

  static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  static String num(double v) {
    return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.2f", v);
  }
}
