package io.lifeline.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lifeline.redis.RedisConfig;
import io.lifeline.redis.RedisConnectionManager;
import io.lifeline.testkit.RedisSentinelGroup;
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

/**
 * Sentinel failover harness (plain main): a master, two replicas and three Sentinels (embedded
 * Redis 6.2, {@code down-after-milliseconds} 500, failover timeout 2 s); 1 000 ops/s from 8 threads
 * (80 % GET of 1 000 keys written before, 20 % SET of new keys). The master is SIGKILLed 3 s into
 * the load; the load goes on until 8 s after Sentinel has promoted a replica. Runs once through
 * {@link RedisConnectionManager} in Sentinel mode (defaults otherwise) and once through plain
 * Lettuce with the same Sentinel {@code RedisURI} and default client options, each against its own
 * fresh group.
 *
 * <p>Latency is measured from each call's <em>scheduled</em> start (no coordinated omission).
 * <ul>
 *   <li>{@code callerErrors}: calls that threw.
 *   <li>{@code wrongReads}: GETs of a key written before the kill not answered with its value.
 *   <li>{@code promotionMs}: kill → a Sentinel names the new master and it reports role master.
 *   <li>{@code p99DuringFailoverMs}, {@code maxDuringFailoverMs}: calls scheduled from the kill to
 *       the promotion plus 1 s.
 *   <li>{@code backOnNewMasterMs}: promotion → the first SET (scheduled after it) that reached the
 *       new master (Lifeline: not answered by the fallback; Lettuce: did not throw); null if never.
 * </ul>
 *
 * <pre>java -cp lifeline-bench/target/benchmarks.jar io.lifeline.bench.RedisFailoverBenchmark [out.json]</pre>
 *
 * Writes the JSON (default {@code bench/results/redis-failover.json}).
 */
public final class RedisFailoverBenchmark {
  static final int THREADS = 8;
  static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(8); // 125 ops/s per thread
  static final long KILL_AFTER = TimeUnit.SECONDS.toNanos(3);
  static final long AFTER_PROMOTION = TimeUnit.SECONDS.toNanos(8);
  static final int KEYS = 1_000;

  private RedisFailoverBenchmark() {}

  interface Client extends AutoCloseable {
    String get(String key);

    void set(String key, String value);

    /** True if the last answer did not come from the master (Lifeline's fallback or a replica). */
    boolean servedWithoutMaster();

    @Override
    void close();
  }

  interface Factory {
    Client create(RedisSentinelGroup group);
  }

  record Sample(long scheduledNanos, long endNanos, boolean write, boolean error, boolean wrong,
      boolean withoutMaster) {}

  record Result(List<Sample> samples, long killedAt, long promotedAt) {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "bench/results/redis-failover.json");
    Result lifeline = run("lifeline", g -> {
      RedisConnectionManager m = RedisConnectionManager.create(RedisConfig.builder()
          .sentinels(g.sentinelAddresses().split(",")).masterName(g.masterName()).build());
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
        public boolean servedWithoutMaster() {
          return m.isUsingFallback();
        }

        @Override
        public void close() {
          m.close();
        }
      };
    });
    Result lettuce = run("lettuce", g -> {
      RedisURI.Builder b = null;
      for (int p : g.sentinelPorts()) {
        b = b == null ? RedisURI.Builder.sentinel("127.0.0.1", p, g.masterName()) : b.withSentinel("127.0.0.1", p);
      }
      RedisClient client = RedisClient.create(b.build());
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
        public boolean servedWithoutMaster() {
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
    System.out.print(json);
    System.out.println("wrote " + out);
    System.exit(0);
  }

  static Result run(String name, Factory factory) throws Exception {
    try (RedisSentinelGroup group = RedisSentinelGroup.builder().replicas(2).sentinels(3).build().start()) {
      Client client = factory.create(group);
      for (int i = 0; i < KEYS; i++) {
        client.set("k:" + i, "v" + i);
      }
      int old = group.currentMasterPort();
      // every replica has the keys before the kill
      RedisOutageBenchmark.parkUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500));
      ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE);
      AtomicLong seq = new AtomicLong();
      Thread[] threads = new Thread[THREADS];
      for (int t = 0; t < THREADS; t++) {
        long offset = t * INTERVAL_NANOS / THREADS;
        threads[t] = new Thread(() -> {
          for (long i = 0; ; i++) {
            long scheduled = start + offset + i * INTERVAL_NANOS;
            if (scheduled >= stopAt.get()) {
              return;
            }
            RedisOutageBenchmark.parkUntil(scheduled);
            long n = seq.incrementAndGet();
            boolean write = n % 5 == 0;
            boolean error = false;
            boolean wrong = false;
            try {
              if (write) {
                client.set("w:" + n, "x");
              } else {
                int k = (int) (n % KEYS);
                wrong = !("v" + k).equals(client.get("k:" + k));
              }
            } catch (RuntimeException e) {
              error = true;
            }
            samples.add(new Sample(scheduled, System.nanoTime(), write, error, wrong,
                !error && client.servedWithoutMaster()));
          }
        }, name + "-load-" + t);
        threads[t].setDaemon(true);
        threads[t].start();
      }
      RedisOutageBenchmark.parkUntil(start + KILL_AFTER);
      long killed = System.nanoTime();
      group.kill(old);
      group.awaitNewMaster(old, Duration.ofSeconds(60));
      long promoted = System.nanoTime();
      stopAt.set(promoted + AFTER_PROMOTION);
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(120));
      }
      if (Arrays.stream(threads).anyMatch(Thread::isAlive)) {
        System.err.println(name + ": load threads still blocked after the drain period");
      } else {
        client.close();
      }
      return new Result(new ArrayList<>(samples), killed, promoted);
    }
  }

  static String summary(Result r) {
    long errors = r.samples.stream().filter(Sample::error).count();
    long wrong = r.samples.stream().filter(Sample::wrong).count();
    long windowEnd = r.promotedAt + TimeUnit.SECONDS.toNanos(1);
    double[] during = r.samples.stream()
        .filter(s -> s.scheduledNanos >= r.killedAt && s.scheduledNanos < windowEnd)
        .mapToDouble(s -> (s.endNanos - s.scheduledNanos) / 1e6).sorted().toArray();
    Long back = r.samples.stream()
        .filter(s -> s.write && s.scheduledNanos >= r.promotedAt && !s.error && !s.withoutMaster)
        .mapToLong(s -> s.endNanos - r.promotedAt).min().stream().boxed().findFirst().orElse(null);
    return String.format(Locale.ROOT,
        "{\"calls\": %d, \"callerErrors\": %d, \"wrongReads\": %d, \"promotionMs\": %s, "
            + "\"p99DuringFailoverMs\": %s, \"maxDuringFailoverMs\": %s, \"backOnNewMasterMs\": %s}",
        r.samples.size(), errors, wrong, RedisOutageBenchmark.num((r.promotedAt - r.killedAt) / 1e6),
        RedisOutageBenchmark.num(RedisOutageBenchmark.percentile(during, 0.99)),
        RedisOutageBenchmark.num(during.length == 0 ? Double.NaN : during[during.length - 1]),
        back == null ? "null" : RedisOutageBenchmark.num(back / 1e6));
  }
}
