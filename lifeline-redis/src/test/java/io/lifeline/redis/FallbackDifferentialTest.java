package io.lifeline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.core.Ticker;
import io.lifeline.redis.internal.FallbackCache;
import io.lifeline.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The same randomized sequence of operations runs against a real Redis (through the manager) and
 * against the fallback cache; every result, and every error, must be equal. The seed is printed
 * (and can be fixed with -Dlifeline.seed=N) so a failure reproduces.
 */
class FallbackDifferentialTest {

  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.builder().build();

  static RedisConnectionManager manager;

  @BeforeAll
  static void connect() {
    manager = RedisConnectionManager.create(RedisTestSupport.config(REDIS.url())
        .commandTimeout(Duration.ofSeconds(5)).build());
    RedisTestSupport.awaitOnline(manager);
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /** One operation, applied to either side; returns a comparable rendering of the outcome. */
  record Step(String text, Function<RedisOperations, Object> op) {}

  static List<Step> sequence(long seed, int length) {
    Random r = new Random(seed);
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < length; i++) {
      String k = "k" + r.nextInt(6);
      String f = "f" + r.nextInt(4);
      String v = "v" + r.nextInt(1000) + (r.nextInt(10) == 0 ? "-ü€" : "");
      long ttlMs = 100_000 + 1000L * r.nextInt(100); // whole seconds: TTL rounding never at .5
      switch (r.nextInt(14)) {
        case 0: steps.add(new Step("GET " + k, o -> o.get(k))); break;
        case 1: steps.add(new Step("SET " + k + " " + v, o -> { o.set(k, v); return "OK"; })); break;
        case 2: steps.add(new Step("SET " + k + " " + v + " PX " + ttlMs,
            o -> { o.set(k, v, Duration.ofMillis(ttlMs)); return "OK"; })); break;
        case 3: steps.add(new Step("DEL " + k, o -> o.delete(k))); break;
        case 4: steps.add(new Step("EXISTS " + k, o -> o.exists(k))); break;
        case 5: steps.add(new Step("PEXPIRE " + k + " " + ttlMs, o -> o.expire(k, Duration.ofMillis(ttlMs)))); break;
        case 6: {
          long nonPositive = -r.nextInt(2) * 1000L; // 0 or -1s: Redis deletes the key
          steps.add(new Step("PEXPIRE " + k + " " + nonPositive, o -> o.expire(k, Duration.ofMillis(nonPositive))));
          break;
        }
        case 7: steps.add(new Step("TTL " + k, o -> o.ttl(k))); break;
        case 8: steps.add(new Step("HGET " + k + " " + f, o -> o.hget(k, f))); break;
        case 9:
        case 10: steps.add(new Step("HSET " + k + " " + f + " " + v, o -> o.hset(k, f, v))); break;
        case 11: steps.add(new Step("HGETALL " + k, o -> new TreeMap<>(o.hgetAll(k)))); break;
        case 12: {
          String f2 = "f" + r.nextInt(4);
          steps.add(new Step("HDEL " + k + " " + f + " " + f2, o -> o.hdel(k, f, f2)));
          break;
        }
        default: steps.add(new Step("HDEL " + k + " " + f, o -> o.hdel(k, f))); break;
      }
    }
    return steps;
  }

  static Object outcome(Step s, RedisOperations target) {
    try {
      Object r = s.op().apply(target);
      return r instanceof Map ? new TreeMap<>((Map<?, ?>) r) : r;
    } catch (RuntimeException e) {
      return "error " + e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  void runAgainstBoth(long seed, int length) {
    System.out.println("FallbackDifferentialTest seed=" + seed + " (rerun with -Dlifeline.seed=" + seed + ")");
    try (RedisTestSupport.Raw raw = new RedisTestSupport.Raw(REDIS.url())) {
      raw.redis.flushall();
    }
    FallbackCache fallback = new FallbackCache(10_000, 1 << 20, Ticker.system());
    List<Step> steps = sequence(seed, length);
    int wrongType = 0;
    int withTtl = 0;
    for (int i = 0; i < steps.size(); i++) {
      Step s = steps.get(i);
      Object real = outcome(s, manager);
      Object fake = outcome(s, fallback);
      assertThat(fake).as("seed %d, step %d: %s", seed, i, s.text()).isEqualTo(real);
      wrongType += String.valueOf(real).contains("WRONGTYPE") ? 1 : 0;
      withTtl += s.text().startsWith("TTL") && real instanceof Long && (Long) real > 0 ? 1 : 0;
    }
    // the sequence is worth something only if it reaches the interesting cases
    assertThat(wrongType).as("WRONGTYPE outcomes").isPositive();
    assertThat(withTtl).as("positive TTL outcomes").isPositive();
    assertThat(manager.isUsingFallback()).as("the whole run was served by Redis").isFalse();
  }

  @Test
  void randomSequencesGiveIdenticalResults() {
    long base = Long.getLong("lifeline.seed", System.nanoTime());
    for (int run = 0; run < 5; run++) {
      runAgainstBoth(base + run, 600);
    }
  }

  @Test
  void fixedSeedSequence() {
    runAgainstBoth(42, 600);
  }

  @Test
  void edgeCasesMatchRedis() {
    List<Step> steps = List.of(
        new Step("TTL missing", o -> o.ttl("e:missing")),
        new Step("PEXPIRE missing", o -> o.expire("e:missing", Duration.ofSeconds(10))),
        new Step("SET s v", o -> { o.set("e:s", "v"); return "OK"; }),
        new Step("TTL s", o -> o.ttl("e:s")),
        new Step("HSET s f v", o -> o.hset("e:s", "f", "v")),
        new Step("HGETALL s", o -> o.hgetAll("e:s")),
        new Step("SET s v PX 100000", o -> { o.set("e:s", "v", Duration.ofSeconds(100)); return "OK"; }),
        new Step("TTL s", o -> o.ttl("e:s")),
        new Step("SET s v (drops TTL)", o -> { o.set("e:s", "v"); return "OK"; }),
        new Step("TTL s", o -> o.ttl("e:s")),
        new Step("HSET h f v", o -> o.hset("e:h", "f", "v")),
        new Step("HSET h f v2", o -> o.hset("e:h", "f", "v2")),
        new Step("GET h", o -> o.get("e:h")),
        new Step("PEXPIRE h 50000", o -> o.expire("e:h", Duration.ofSeconds(50))),
        new Step("HSET h g v (keeps TTL)", o -> o.hset("e:h", "g", "v")),
        new Step("TTL h", o -> o.ttl("e:h")),
        new Step("HDEL h f g x", o -> o.hdel("e:h", "f", "g", "x")),
        new Step("EXISTS h (emptied hash is gone)", o -> o.exists("e:h")),
        new Step("SET h over hash", o -> { o.set("e:x", "1"); return "OK"; }),
        new Step("PEXPIRE x 0 deletes", o -> o.expire("e:x", Duration.ZERO)),
        new Step("GET x", o -> o.get("e:x")),
        new Step("DEL x again", o -> o.delete("e:x")),
        new Step("HDEL missing", o -> o.hdel("e:nohash", "f")),
        new Step("HGET missing", o -> o.hget("e:nohash", "f")));
    try (RedisTestSupport.Raw raw = new RedisTestSupport.Raw(REDIS.url())) {
      raw.redis.flushall();
    }
    FallbackCache fallback = new FallbackCache(100, 1 << 20, Ticker.system());
    for (Step s : steps) {
      assertThat(outcome(s, fallback)).as(s.text()).isEqualTo(outcome(s, manager));
    }
  }
}
