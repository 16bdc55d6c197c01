package io.lifeline.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scale scenario on real threads, shortened for {@code verify} (16 rounds; the 60 s
 * version is {@code HealthManagerScaleBenchmark stuck}): 1 000 services at 1 s, 40 whose checks never
 * return and ignore interrupts, 20 whose checks take longer than their timeout. The other 940 keep
 * their schedule (every one checked every round, lateness p99 ≤ 50 ms) and the 40 are HEALTHY within
 * two rounds of being released.
 *
 * <p>{@code maxConcurrentChecks} is 32, not the default 16: the 20 slow checks each hold a thread for
 * their whole timeout every round (they are only abandoned once they overrun it), so with 16
 * threads they alone would fill the pool for 200 ms of every second. Stuck checks take no thread
 * after their first timeout, whatever the pool size.
 */
class StuckChecksAtScaleTest {
  private static final int SERVICES = 1_000;
  private static final int STUCK = 40;
  private static final int SLOW = 20;
  private static final long INTERVAL = Duration.ofSeconds(1).toNanos();
  private static final Duration TIMEOUT = Duration.ofMillis(200);
  private static final int ROUNDS = 16;
  private static final int WARMUP_ROUNDS = 3;

  private final CountDownLatch release = new CountDownLatch(1);
  private ConnectionHealthManager health;

  @AfterEach
  void tearDown() {
    release.countDown();
    if (health != null) {
      health.close();
    }
  }

  private static boolean isStuck(int i) {
    return i % 25 == 7; // 40 of 1 000, spread over the schedule
  }

  private static boolean isSlow(int i) {
    return i % 50 == 13; // 20 of 1 000
  }

  @Test
  void nineHundredFortyKeepTheirScheduleWhileFortyAreStuckAndTwentyOverrun() {
    health = ConnectionHealthManager.builder().checkInterval(Duration.ofNanos(INTERVAL)).checkTimeout(TIMEOUT)
        .maxConcurrentChecks(32).build();
    long[][] starts = new long[SERVICES][ROUNDS + 8];
    AtomicInteger[] runs = new AtomicInteger[SERVICES];
    for (int i = 0; i < SERVICES; i++) {
      int id = i;
      runs[i] = new AtomicInteger();
      HealthCheck check;
      if (isStuck(i)) {
        check = () -> {
          for (;;) {
            try {
              release.await();
              return CheckResult.up();
            } catch (InterruptedException swallowed) {
              // ignores interruption
            }
          }
        };
      } else if (isSlow(i)) {
        check = () -> {
          long until = System.nanoTime() + TIMEOUT.toNanos() * 3 / 2;
          while (System.nanoTime() < until) {
            Thread.interrupted(); // ignores interruption
            LockSupport.parkNanos(until - System.nanoTime());
          }
          return CheckResult.up();
        };
      } else {
        check = () -> {
          int k = runs[id].getAndIncrement();
          if (k < starts[id].length) {
            starts[id][k] = System.nanoTime();
          }
          return CheckResult.up();
        };
      }
      health.register("svc-" + i, ServiceType.CUSTOM, check, Set.of("feature-" + (i % 50)));
    }
    Map<String, Long> recoveredAt = new ConcurrentHashMap<>();
    health.onRecovered((s, from, to, st) -> recoveredAt.put(s, System.nanoTime()));
    long t0 = System.nanoTime();
    health.start();
    int maxAbandoned = 0;
    while (System.nanoTime() - t0 < ROUNDS * INTERVAL) {
      maxAbandoned = Math.max(maxAbandoned, health.abandonedChecks());
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // sampling the gauge, not waiting for a state
    }
    for (int i = 0; i < SERVICES; i++) {
      if (isStuck(i)) {
        assertThat(health.status("svc-" + i).status()).isEqualTo(ServiceStatus.UNAVAILABLE);
        assertThat(health.status("svc-" + i).checkStuck()).isTrue();
      }
    }
    assertThat(maxAbandoned).isBetween(STUCK, STUCK + SLOW);

    // every one of the 940 was checked in every measured round, close to its schedule
    long[] lateness = new long[SERVICES * ROUNDS];
    int n = 0;
    int missed = 0;
    for (int i = 0; i < SERVICES; i++) {
      if (isStuck(i) || isSlow(i)) {
        continue;
      }
      boolean[] seen = new boolean[ROUNDS + 8];
      for (int k = 0; k < Math.min(runs[i].get(), starts[i].length); k++) {
        long rel = starts[i][k] - t0;
        int round = (int) (rel / INTERVAL);
        seen[round] = true;
        if (round >= WARMUP_ROUNDS && round < ROUNDS - 1) {
          lateness[n++] = rel - round * INTERVAL;
        }
      }
      for (int r = WARMUP_ROUNDS; r < ROUNDS - 1; r++) {
        missed += seen[r] ? 0 : 1;
      }
      assertThat(health.status("svc-" + i).status()).isEqualTo(ServiceStatus.HEALTHY);
    }
    StringBuilder perRound = new StringBuilder("first/median/last start after each round's due time (ms):");
    for (int r = 0; r < ROUNDS - 1; r++) {
      long[] per = new long[SERVICES];
      int m = 0;
      for (int i = 0; i < SERVICES; i++) {
        for (int k = 0; !isStuck(i) && !isSlow(i) && k < Math.min(runs[i].get(), starts[i].length); k++) {
          long rel = starts[i][k] - t0;
          if (rel / INTERVAL == r) {
            per[m++] = rel - r * INTERVAL;
          }
        }
      }
      Arrays.sort(per, 0, m);
      perRound.append(String.format(java.util.Locale.ROOT, " [%d] %.0f/%.0f/%.0f", r, per[0] / 1e6, per[m / 2] / 1e6,
          per[m - 1] / 1e6));
    }
    System.out.println(perRound);
    long[] sorted = Arrays.copyOf(lateness, n);
    Arrays.sort(sorted);
    long p99 = sorted[(int) (n * 0.99)];
    System.out.printf("940 services: %d checks measured, %d rounds missed, lateness p50 %.1f ms, p99 %.1f ms, max %.1f ms;"
            + " abandoned threads max %d; not started %d%n", n, missed, sorted[n / 2] / 1e6, p99 / 1e6,
        sorted[n - 1] / 1e6, maxAbandoned, health.checksNotStarted());
    assertThat(missed).isZero();
    assertThat(n).isEqualTo((SERVICES - STUCK - SLOW) * (ROUNDS - 1 - WARMUP_ROUNDS));
    assertThat(Duration.ofNanos(p99)).isLessThanOrEqualTo(Duration.ofMillis(50));

    // released: the 40 stuck checks return; each service is HEALTHY within two rounds
    long releasedAt = System.nanoTime();
    release.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      for (int i = 0; i < SERVICES; i++) {
        if (isStuck(i) && !recoveredAt.containsKey("svc-" + i)) {
          return false;
        }
      }
      return true;
    });
    long slowest = 0;
    for (int i = 0; i < SERVICES; i++) {
      if (isStuck(i)) {
        slowest = Math.max(slowest, recoveredAt.get("svc-" + i) - releasedAt);
      }
    }
    System.out.printf("40 stuck services: HEALTHY at most %.0f ms after release%n", slowest / 1e6);
    assertThat(Duration.ofNanos(slowest)).isLessThanOrEqualTo(Duration.ofNanos(2 * INTERVAL + INTERVAL / 4));
    await().atMost(Duration.ofSeconds(5)).until(() -> health.abandonedChecks() <= SLOW);
  }
}
