package io.lifeline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.redis.internal.FallbackCache;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import org.junit.jupiter.api.Test;

/**
 * The fallback's entry and byte bounds hold at every moment, not eventually: 8 writers put distinct
 * keys while the writers themselves and a sampler read the size and weight continuously.
 */
class FallbackBoundTest {
  static final int WRITERS = 8;
  static final int KEYS_PER_WRITER = 50_000;

  @Test
  void entryBoundHoldsAtEveryMomentUnderEightWriters() throws Exception {
    FallbackCache c = new FallbackCache(1_000, 64L << 20, System::nanoTime);
    Result r = hammer(c, "v");
    assertThat(r.maxSize).as("largest size seen").isLessThanOrEqualTo(1_000);
    assertThat(c.size()).isEqualTo(1_000);
  }

  @Test
  void byteBoundHoldsAtEveryMomentUnderEightWriters() throws Exception {
    long maxBytes = 100_000;
    FallbackCache c = new FallbackCache(1_000_000, maxBytes, System::nanoTime);
    Result r = hammer(c, "x".repeat(500)); // ~1 KB each: about 100 fit
    assertThat(r.maxWeight).as("largest weight seen").isLessThanOrEqualTo(maxBytes);
    assertThat(c.size()).isBetween(50L, 100L);
  }

  /** The same through the manager, Redis down from the start, its own metrics as the sampler. */
  @Test
  void managerFallbackStaysWithinItsBoundsUnderEightWriters() throws Exception {
    String url = "redis://127.0.0.1:" + io.lifeline.testkit.RedisServerExtension.freePort() + "/0"; // nothing listens
    try (RedisConnectionManager m = RedisConnectionManager.create(RedisTestSupport.config(url)
        .fallbackMaxEntries(1_000).maxTouchedKeys(500_000).build())) {
      assertThat(m.isUsingFallback()).isTrue();
      LongAccumulator maxSize = new LongAccumulator(Math::max, 0);
      AtomicBoolean done = new AtomicBoolean();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int id = w;
        threads.add(new Thread(() -> {
          await(go);
          for (int i = 0; i < 20_000; i++) {
            m.set("w" + id + ":" + i, "v");
          }
        }));
      }
      Thread sampler = new Thread(() -> {
        await(go);
        while (!done.get()) {
          maxSize.accumulate(m.metrics().fallbackSize());
        }
      });
      sampler.start();
      threads.forEach(Thread::start);
      go.countDown();
      for (Thread t : threads) {
        t.join();
      }
      done.set(true);
      sampler.join();
      assertThat(m.metrics().fallbackWrites()).isEqualTo(WRITERS * 20_000L);
      assertThat(maxSize.get()).as("largest fallback size seen").isLessThanOrEqualTo(1_000);
      assertThat(m.metrics().fallbackSize()).isEqualTo(1_000);
    }
  }

  record Result(long maxSize, long maxWeight, long writes) {}

  static Result hammer(FallbackCache c, String value) throws Exception {
    LongAccumulator maxSize = new LongAccumulator(Math::max, 0);
    LongAccumulator maxWeight = new LongAccumulator(Math::max, 0);
    AtomicLong writes = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      int id = w;
      threads.add(new Thread(() -> {
        await(go);
        for (int i = 0; i < KEYS_PER_WRITER; i++) {
          c.set("w" + id + ":" + i, value);
          writes.incrementAndGet();
          if ((i & 7) == 0) { // right after its own write
            maxSize.accumulate(c.size());
            maxWeight.accumulate(c.weight());
          }
        }
      }));
    }
    Thread sampler = new Thread(() -> {
      await(go);
      while (!done.get()) {
        maxSize.accumulate(c.size());
        maxWeight.accumulate(c.weight());
      }
    });
    sampler.start();
    threads.forEach(Thread::start);
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    done.set(true);
    sampler.join();
    assertThat(writes.get()).isEqualTo((long) WRITERS * KEYS_PER_WRITER);
    return new Result(maxSize.get(), maxWeight.get(), writes.get());
  }

  static void await(CountDownLatch l) {
    try {
      l.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
