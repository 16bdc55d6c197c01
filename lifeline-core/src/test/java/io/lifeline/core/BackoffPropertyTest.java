package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Properties of {@link Backoff} over many random configurations (seeded, so failures reproduce). */
class BackoffPropertyTest {
  private static final long SEED = 20261123L;

  private static RetryConfig randomConfig(Random r, boolean jitter) {
    long base = r.nextInt(5) == 0 ? 0 : 1 + (long) (r.nextDouble() * 5_000_000_000L);
    long max = base + (long) (r.nextDouble() * 120_000_000_000L);
    return RetryConfig.builder()
        .baseDelay(Duration.ofNanos(base))
        .maxDelay(Duration.ofNanos(max))
        .exponentialBase(1.0 + r.nextDouble() * 9)
        .jitter(jitter)
        .build();
  }

  /** c(n) computed independently, in BigDecimal-free long arithmetic with saturation. */
  private static long expectedCeiling(RetryConfig c, int n) {
    double v = c.baseDelay().toNanos();
    for (int i = 1; i < n; i++) {
      v *= c.exponentialBase();
      if (v >= c.maxDelay().toNanos()) {
        return c.maxDelay().toNanos();
      }
    }
    return Math.min((long) v, c.maxDelay().toNanos());
  }

  @Test
  void everyJitteredDelayLiesWithinZeroAndTheCappedExponentialCeiling() {
    Random r = new Random(SEED);
    for (int i = 0; i < 2_000; i++) {
      RetryConfig c = randomConfig(r, true);
      Backoff b = Backoff.of(c);
      for (int n = 1; n <= 40; n++) {
        long ceiling = expectedCeiling(c, n);
        assertThat(Math.abs(b.ceilingNanos(n) - ceiling)).as("ceiling %s n=%d", c, n)
            .isLessThanOrEqualTo(Math.max(1, ceiling / 1_000_000_000L));
        for (int k = 0; k < 5; k++) {
          long d = b.delayNanos(n);
          assertThat(d).as("delay %s n=%d", c, n).isBetween(0L, b.ceilingNanos(n));
          assertThat(d).isLessThanOrEqualTo(c.maxDelay().toNanos());
        }
      }
    }
  }

  @Test
  void withoutJitterEveryDelayIsExactlyTheCeiling() {
    Random r = new Random(SEED + 1);
    for (int i = 0; i < 2_000; i++) {
      RetryConfig c = randomConfig(r, false);
      Backoff b = Backoff.of(c);
      for (int n = 1; n <= 40; n++) {
        assertThat(b.delayNanos(n)).isEqualTo(b.ceilingNanos(n));
      }
    }
  }

  @Test
  void ceilingIsMonotoneAndReachesTheCap() {
    Backoff b = Backoff.of(RetryConfig.defaults());
    long prev = 0;
    for (int n = 1; n <= 200; n++) {
      long c = b.ceilingNanos(n);
      assertThat(c).isGreaterThanOrEqualTo(prev);
      prev = c;
    }
    assertThat(b.ceilingNanos(1)).isEqualTo(Duration.ofSeconds(1).toNanos());
    assertThat(b.ceilingNanos(3)).isEqualTo(Duration.ofSeconds(4).toNanos());
    assertThat(b.ceilingNanos(7)).isEqualTo(Duration.ofSeconds(60).toNanos());
    assertThat(b.ceilingNanos(10_000)).isEqualTo(Duration.ofSeconds(60).toNanos());
  }

  /**
   * 1 000 clients lose a dependency at the same instant and retry for the third time. Without jitter
   * all of them come back in the same instant; with full jitter they spread evenly over [0, c(3)]:
   * no tenth of the interval receives more than 15 % of them (10 % expected), and nearly every client
   * gets a distinct millisecond.
   */
  @Test
  void jitterSpreadsTheRetriesOfManyClients() {
    RetryConfig cfg = RetryConfig.builder().baseDelay(Duration.ofSeconds(1)).build();
    Backoff jittered = Backoff.of(cfg);
    Backoff fixed = Backoff.of(cfg.toBuilder().jitter(false).build());
    int clients = 1_000;
    long ceiling = jittered.ceilingNanos(3);
    int[] buckets = new int[10];
    Set<Long> distinctMillis = new HashSet<>();
    Set<Long> fixedDistinct = new HashSet<>();
    for (int i = 0; i < clients; i++) {
      long d = jittered.delayNanos(3);
      buckets[(int) Math.min(9, d * 10 / (ceiling + 1))]++;
      distinctMillis.add(d / 1_000_000);
      fixedDistinct.add(fixed.delayNanos(3) / 1_000_000);
    }
    assertThat(fixedDistinct).hasSize(1);
    for (int count : buckets) {
      assertThat(count).isBetween(50, 150);
    }
    assertThat(distinctMillis.size()).isGreaterThan(800);
  }
}
