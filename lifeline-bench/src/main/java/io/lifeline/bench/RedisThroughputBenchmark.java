package io.lifeline.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lifeline.redis.RedisConfig;
import io.lifeline.redis.RedisConnectionManager;
import io.lifeline.testkit.RedisServerExtension;
import java.time.Duration;
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
 * One GET of an existing key on an embedded Redis (same server, same JVM, same run):
 *
 * <ul>
 *   <li>{@code raw}: Lettuce's sync API on one connection with default options.
 *   <li>{@code lifeline}: {@code RedisConnectionManager.get} — mode check, Guard (breaker permit,
 *       retry budget, metrics), op counter, then the same Lettuce sync call (fail-fast options).
 * </ul>
 *
 * Target: lifeline throughput ≥ 0.95× raw, i.e. time/op ratio ≤ 1.053. Both are dominated by the
 * loopback round trip to Redis; the difference is the manager's per-call overhead.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class RedisThroughputBenchmark {
  private RedisServerExtension redis;
  private RedisConnectionManager manager;
  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;
  private RedisCommands<String, String> raw;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    redis = RedisServerExtension.builder().build().start();
    manager = RedisConnectionManager.create(RedisConfig.builder().url(redis.url()).build());
    client = RedisClient.create(redis.url());
    connection = client.connect();
    raw = connection.sync();
    raw.set("bench:key", "value-of-some-length-0123456789");
    if (manager.isUsingFallback() || !"value-of-some-length-0123456789".equals(manager.get("bench:key"))) {
      throw new IllegalStateException("manager not connected to the benchmark Redis");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (manager.isUsingFallback()) {
      throw new IllegalStateException("the manager fell back during the run: results are not Redis round trips");
    }
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    manager.close();
    redis.close();
  }

  @Benchmark
  public String lifeline() {
    return manager.get("bench:key");
  }

  @Benchmark
  public String raw() {
    return raw.get("bench:key");
  }
}
