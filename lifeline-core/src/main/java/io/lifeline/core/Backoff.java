package io.lifeline.core;

import io.lifeline.core.internal.Durations;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with a cap and <b>full jitter</b>.
 *
 * <p>The ceiling before retry {@code n} (1-based) is {@code c(n) = min(maxDelay, baseDelay *
 * exponentialBase^(n-1))}. With jitter on, the delay is drawn uniformly from {@code [0, c(n)]}; with
 * jitter off it is exactly {@code c(n)}.
 *
 * <p><b>Why full jitter, not decorrelated or "equal" jitter.</b> When many clients lose the same
 * dependency at the same moment, what matters is how evenly their retries spread. Full jitter spreads
 * each round over the whole interval {@code [0, c(n)]}, which in the well-known AWS analysis of
 * competing clients ("Exponential Backoff And Jitter", 2015) gave the least total work and the fewest
 * collisions among the schemes compared, with decorrelated jitter close behind and equal jitter
 * clearly worse. Full jitter is also <em>stateless</em>: the delay depends only on the retry number
 * and a random draw, so the {@link Guard} needs no per-call state, and the bound of every delay is
 * known exactly (decorrelated jitter's bound depends on the previous draw), which is what lets tests
 * prove each delay lies in {@code [0, c(n)]}. The cost is that an individual retry may come early;
 * the retry budget and the circuit breaker, not the delay, are what protect a down dependency.
 *
 * <p>Immutable and thread-safe; allocation-free ({@link ThreadLocalRandom}).
 */
public final class Backoff {
  private final long baseNanos;
  private final long maxNanos;
  private final double exponentialBase;
  private final boolean jitter;

  private Backoff(long baseNanos, long maxNanos, double exponentialBase, boolean jitter) {
    this.baseNanos = baseNanos;
    this.maxNanos = maxNanos;
    this.exponentialBase = exponentialBase;
    this.jitter = jitter;
  }

  /** The backoff described by {@code config}. */
  public static Backoff of(RetryConfig config) {
    return new Backoff(saturatedNanos(config.baseDelay()), saturatedNanos(config.maxDelay()),
        config.exponentialBase(), config.jitter());
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** The ceiling {@code c(n)} in nanoseconds for retry {@code n >= 1}. */
  public long ceilingNanos(int retry) {
    if (retry < 1) {
      throw new IllegalArgumentException("retry must be >= 1, was " + retry);
    }
    double ceiling = baseNanos * Math.pow(exponentialBase, retry - 1);
    return ceiling >= maxNanos ? maxNanos : (long) ceiling;
  }

  /** The delay in nanoseconds before retry {@code n >= 1}: uniform in {@code [0, c(n)]} with jitter. */
  public long delayNanos(int retry) {
    long ceiling = ceilingNanos(retry);
    if (!jitter || ceiling == 0) {
      return ceiling;
    }
    return ceiling == Long.MAX_VALUE
        ? ThreadLocalRandom.current().nextLong(ceiling)
        : ThreadLocalRandom.current().nextLong(ceiling + 1);
  }

  /** {@link #delayNanos(int)} as a {@link Duration}. */
  public Duration delay(int retry) {
    return Duration.ofNanos(delayNanos(retry));
  }

  /** Whether delays are jittered. */
  public boolean jitter() {
    return jitter;
  }

  @Override
  public String toString() {
    return "Backoff[base=" + Durations.format(Duration.ofNanos(baseNanos)) + ", max="
        + Durations.format(Duration.ofNanos(maxNanos)) + ", exponentialBase=" + exponentialBase
        + ", jitter=" + (jitter ? "full" : "none") + "]";
  }
}
