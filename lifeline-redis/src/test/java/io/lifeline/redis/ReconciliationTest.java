package io.lifeline.redis;

import static io.lifeline.redis.RedisTestSupport.awaitFallback;
import static io.lifeline.redis.RedisTestSupport.awaitOnline;
import static io.lifeline.redis.RedisTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A key written during an outage never reads back its pre-outage value after recovery. Redis runs
 * with an fsync-always append-only file, so the pre-outage values really survive the SIGKILL.
 */
class ReconciliationTest {

  @ParameterizedTest
  @EnumSource(ReconciliationPolicy.class)
  void keyWrittenDuringTheOutageNeverReadsItsPreOutageValue(ReconciliationPolicy policy) throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.builder().persistent().build().start();
        RedisConnectionManager m = RedisConnectionManager.create(config(redis.url()).reconciliation(policy).build())) {
      m.set("k", "v1");
      m.hset("h", "f", "old");
      m.set("gone", "x");
      m.set("untouched", "keep");
      m.set("ttl", "t1");
      redis.kill();
      awaitFallback(m);
      m.set("k", "v2");
      m.hset("h", "g", "new");
      m.delete("gone");
      m.set("ttl", "t2", Duration.ofSeconds(100));
      assertThat(m.get("k")).isEqualTo("v2");
      redis.start();
      awaitOnline(m);
      try (RedisTestSupport.Raw raw = new RedisTestSupport.Raw(redis.url())) {
        assertThat(raw.redis.get("untouched")).as("v1-era data survived the kill").isEqualTo("keep");
        assertThat(raw.redis.exists("gone")).isZero();
        if (policy == ReconciliationPolicy.WRITE_BACK) {
          assertThat(m.get("k")).isEqualTo("v2");
          assertThat(m.hgetAll("h")).isEqualTo(Map.of("g", "new"));
          assertThat(raw.redis.get("ttl")).isEqualTo("t2");
          assertThat(raw.redis.ttl("ttl")).isBetween(90L, 100L);
        } else {
          assertThat(m.get("k")).isNull();
          assertThat(m.hgetAll("h")).isEmpty();
          assertThat(raw.redis.exists("ttl")).isZero();
        }
        assertThat(raw.redis.get("k")).isNotEqualTo("v1");
      }
      assertThat(m.metrics().reconciledKeys()).isEqualTo(4);
      assertThat(m.metrics().touchedKeys()).isZero();
      assertThat(m.metrics().fallbackSize()).as("fallback emptied once Redis serves").isZero();
    }
  }

  @Test
  void overflowUnderFailPolicyRejectsNewKeysLoudly() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.builder().build().start();
        RedisConnectionManager m = RedisConnectionManager.create(config(redis.url())
            .maxTouchedKeys(5).overflowPolicy(OverflowPolicy.FAIL).build())) {
      redis.kill();
      awaitFallback(m);
      for (int i = 0; i < 5; i++) {
        m.set("k" + i, "v");
      }
      assertThatThrownBy(() -> m.set("k5", "v")).isInstanceOf(FallbackOverflowException.class)
          .hasMessageContaining("maxTouchedKeys");
      assertThat(m.exists("k5")).as("nothing written").isFalse();
      m.set("k0", "again"); // a tracked key can still be written
      assertThat(m.metrics().overflowRejections()).isEqualTo(1);
      redis.start();
      awaitOnline(m);
      m.set("k5", "v");
      assertThat(m.get("k5")).isEqualTo("v");
    }
  }

  /**
   * A long outage with many distinct keys: the fallback and the touched-key set stay within their
   * bounds the whole time, and the overflow flushes only the namespace on recovery. Runs 2 s in
   * {@code verify}; {@code -Psoak} runs it for 10 minutes.
   */
  @Test
  void longOutageStaysWithinBoundsAndFlushesOnlyTheNamespace() throws Exception {
    Duration length = Duration.ofSeconds(Long.getLong("lifeline.redis.soakSeconds", 2));
    int maxEntries = 200;
    int maxTouched = 100;
    long maxBytes = 64 * 1024;
    try (RedisServerExtension redis = RedisServerExtension.builder().persistent().build().start();
        RedisConnectionManager m = RedisConnectionManager.create(config(redis.url())
            .fallbackMaxEntries(maxEntries).fallbackMaxBytes(maxBytes).maxTouchedKeys(maxTouched)
            .namespace("ns:").build())) {
      m.set("ns:old", "pre-outage");
      m.set("other:keep", "kept");
      redis.kill();
      awaitFallback(m);
      AtomicLong written = new AtomicLong();
      LongAccumulator maxSize = new LongAccumulator(Math::max, 0);
      LongAccumulator maxTouchedSeen = new LongAccumulator(Math::max, 0);
      LongAccumulator maxWeight = new LongAccumulator(Math::max, 0);
      Thread[] writers = new Thread[2];
      long deadline = System.nanoTime() + length.toNanos();
      for (int t = 0; t < writers.length; t++) {
        int id = t;
        writers[t] = new Thread(() -> {
          while (System.nanoTime() < deadline) {
            long n = written.incrementAndGet();
            m.set("ns:" + id + ":" + n, "value-" + n + "-".repeat((int) (n % 200)));
            if (n % 3 == 0) {
              m.hset("ns:h" + (n % 1000), "f" + n, "v");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000); // pacing: leave CPU to others
          }
        });
        writers[t].start();
      }
      await().atMost(length.plusSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
        RedisMetrics.Snapshot s = m.metrics();
        maxSize.accumulate(s.fallbackSize());
        maxTouchedSeen.accumulate(s.touchedKeys());
        maxWeight.accumulate(s.fallbackWeight());
        return System.nanoTime() >= deadline && !writers[0].isAlive() && !writers[1].isAlive();
      });
      assertThat(written.get()).isGreaterThan(10L * maxEntries);
      assertThat(maxSize.get()).isLessThanOrEqualTo(maxEntries);
      assertThat(maxWeight.get()).isLessThanOrEqualTo(maxBytes);
      assertThat(maxTouchedSeen.get()).isLessThanOrEqualTo(maxTouched);
      redis.start();
      awaitOnline(m);
      assertThat(m.metrics().namespaceFlushes()).isEqualTo(1);
      try (RedisTestSupport.Raw raw = new RedisTestSupport.Raw(redis.url())) {
        assertThat(raw.redis.get("ns:old")).as("namespace flushed: no stale pre-outage value").isNull();
        assertThat(raw.redis.get("other:keep")).as("outside the namespace").isEqualTo("kept");
      }
    }
  }
}
