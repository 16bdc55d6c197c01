package io.lifeline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.core.Ticker;
import io.lifeline.redis.internal.FallbackCache;
import io.lifeline.redis.internal.TouchedKeys;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Bounds and expiry of the fallback cache and the touched-key set (pure logic, fake clock). */
class FallbackCacheTest {
  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final Ticker ticker = now::get;

  /** Issue 12: expire with a huge TTL overflowed (toMillis() * 1_000_000); huge negatives too. */
  @Test
  void hugeTtlsAreRejectedClearlyAndHugeNegativeExpireDeletes() {
    FallbackCache c = new FallbackCache(100, 1 << 20, ticker);
    c.set("k", "v");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.expire("k", Duration.ofDays(36_501)))
        .isExactlyInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.set("k", "v", Duration.ofSeconds(Long.MAX_VALUE)))
        .isExactlyInstanceOf(IllegalArgumentException.class);
    assertThat(c.expire("k", FallbackCache.MAX_TTL)).isTrue();
    assertThat(c.ttl("k")).isGreaterThan(3_000_000_000L);
    assertThat(c.expire("k", Duration.ofSeconds(Long.MIN_VALUE))).isTrue();
    assertThat(c.exists("k")).isFalse();
  }

  @Test
  void boundedByEntries() {
    FallbackCache c = new FallbackCache(100, 1 << 20, ticker);
    for (int i = 0; i < 10_000; i++) {
      c.set("k" + i, "v");
      assertThat(c.size()).isLessThanOrEqualTo(100);
    }
    assertThat(c.size()).isGreaterThan(50);
  }

  @Test
  void boundedByBytesWithLargeValues() {
    long maxBytes = 100_000;
    FallbackCache c = new FallbackCache(10_000, maxBytes, ticker);
    String big = "x".repeat(5_000); // ~10 KB each
    for (int i = 0; i < 1_000; i++) {
      c.set("k" + i, big);
      assertThat(c.weight()).isLessThanOrEqualTo(maxBytes);
    }
    assertThat(c.size()).isLessThanOrEqualTo(10);
    c.hset("h", "f", big);
    assertThat(c.weight()).isLessThanOrEqualTo(maxBytes);
  }

  @Test
  void anEntryLargerThanTheByteBoundIsDroppedWithoutEvictingTheRest() {
    FallbackCache c = new FallbackCache(100, 10_000, ticker);
    c.set("small", "v");
    c.set("huge", "x".repeat(10_000));
    assertThat(c.get("huge")).isNull();
    assertThat(c.get("small")).isEqualTo("v");
    assertThat(c.weight()).isLessThanOrEqualTo(10_000);
  }

  @Test
  void expiresOnTheClock() {
    FallbackCache c = new FallbackCache(100, 1 << 20, ticker);
    c.set("k", "v", Duration.ofSeconds(10));
    c.hset("h", "f", "v");
    c.expire("h", Duration.ofMillis(1500));
    assertThat(c.ttl("k")).isEqualTo(10);
    assertThat(c.ttl("h")).isEqualTo(2); // Redis rounds 1.5 s up
    now.addAndGet(Duration.ofMillis(1500).toNanos());
    assertThat(c.hgetAll("h")).isEmpty();
    assertThat(c.ttl("h")).isEqualTo(-2);
    assertThat(c.get("k")).isEqualTo("v");
    now.addAndGet(Duration.ofSeconds(9).toNanos());
    assertThat(c.get("k")).isNull();
    assertThat(c.exists("k")).isFalse();
    assertThat(c.delete("k")).isFalse();
    assertThat(c.expire("k", Duration.ofSeconds(5))).isFalse();
    assertThat(c.size()).isZero();
  }

  @Test
  void touchedKeysAreBoundedAndKeepConcurrentRewrites() {
    TouchedKeys t = new TouchedKeys(3);
    assertThat(t.add("a")).isTrue();
    assertThat(t.add("b")).isTrue();
    assertThat(t.add("c")).isTrue();
    assertThat(t.add("d")).as("full").isFalse();
    assertThat(t.add("a")).as("known key").isTrue();
    assertThat(t.size()).isEqualTo(3);
    long seqA = t.snapshot().get("a");
    t.add("a"); // written again after the snapshot
    assertThat(t.remove("a", seqA)).as("a newer write must be reconciled too").isFalse();
    assertThat(t.remove("b", t.snapshot().get("b"))).isTrue();
    assertThat(t.size()).isEqualTo(2);
    assertThat(t.add("d")).isTrue();
  }
}
