package io.lifeline.redis;

import static io.lifeline.redis.RedisTestSupport.awaitFallback;
import static io.lifeline.redis.RedisTestSupport.awaitOnline;
import static io.lifeline.redis.RedisTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.testkit.RedisServerExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Under WRITE_BACK a key written during the outage holds its value in the fallback until the switch
 * and in Redis after it (written back). Readers hammering it across the switch must never see it
 * missing: the switch back to Redis is atomic for readers.
 */
class SwitchBackRaceTest {
  static final int CYCLES = 20;
  static final int READERS = 4;

  @Test
  void readersNeverSeeAFalseMissingWhileTrafficSwitchesBackToRedis() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.builder().build().start();
        RedisConnectionManager m = RedisConnectionManager.create(config(redis.url())
            .reconciliation(ReconciliationPolicy.WRITE_BACK).build())) {
      AtomicBoolean armed = new AtomicBoolean();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong armedReads = new AtomicLong();
      ConcurrentLinkedQueue<String> misses = new ConcurrentLinkedQueue<>();
      List<Thread> readers = new ArrayList<>();
      java.util.concurrent.atomic.AtomicLongArray done = new java.util.concurrent.atomic.AtomicLongArray(READERS);
      for (int i = 0; i < READERS; i++) {
        boolean async = i % 2 == 1;
        int id = i;
        Thread t = new Thread(() -> {
          while (!stop.get()) {
            boolean wasArmed = armed.get(); // armed before the read started: the key must be there
            String v;
            try {
              v = async ? m.async().get("k").get(5, TimeUnit.SECONDS) : m.get("k");
            } catch (Exception e) {
              misses.add("error: " + e);
              continue;
            }
            done.incrementAndGet(id);
            if (wasArmed) {
              armedReads.incrementAndGet();
              if (v == null) {
                misses.add((async ? "async" : "sync") + " read null, fallback=" + m.isUsingFallback()
                    + ", outages=" + m.metrics().outages() + ", reconciliations=" + m.metrics().reconciliations()
                    + ", size=" + m.metrics().fallbackSize());
              }
            }
          }
        }, "reader-" + i);
        t.setDaemon(true);
        readers.add(t);
        t.start();
      }
      try {
        for (int c = 0; c < CYCLES && misses.isEmpty(); c++) {
          armed.set(false);
          long[] before = new long[READERS];
          for (int i = 0; i < READERS; i++) {
            before[i] = done.get(i);
          }
          // a read that saw "armed" before this point must finish before Redis goes (and the
          // fallback starts empty again)
          org.awaitility.Awaitility.await().pollInterval(java.time.Duration.ofMillis(5)).until(() -> {
            for (int i = 0; i < READERS; i++) {
              if (done.get(i) < before[i] + 2) {
                return false;
              }
            }
            return true;
          });
          redis.stop();
          awaitFallback(m);
          m.set("k", "v" + c); // now in the fallback; written back to Redis on recovery
          armed.set(true);
          redis.start();
          awaitOnline(m);
          long seen = armedReads.get();
          org.awaitility.Awaitility.await().pollInterval(java.time.Duration.ofMillis(5)).until(() -> armedReads.get() > seen + READERS);
        }
      } finally {
        stop.set(true);
        for (Thread t : readers) {
          t.join(10_000);
        }
      }
      assertThat(misses).as("reads that found a key missing that both sides held").isEmpty();
      assertThat(m.metrics().reconciliations()).isGreaterThanOrEqualTo(CYCLES);
    }
  }
}
