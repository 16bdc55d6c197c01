package io.lifeline.core;

import io.lifeline.core.internal.Durations;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Makes a dependency that keeps failing visible at the default log level, without flooding it.
 * Managers call {@link #failure} for every failed connect or call that says the dependency is down,
 * and {@link #success} when it answers again:
 *
 * <ul>
 *   <li>the first {@code quietFailures - 1} consecutive failures go to DEBUG only (one blip is no news);
 *   <li>the {@code quietFailures}-th is a WARN naming the dependency and the error, and while the
 *       failures go on, at most one WARN per {@code interval} says how many failed since the last one;
 *   <li>after a WARN, the next success is an INFO saying how many calls failed in all.
 * </ul>
 *
 * <p>Every message is sanitized ({@link Secrets#describe}): never a password from a URL in a driver's
 * message. Defaults: {@value #DEFAULT_QUIET_FAILURES} quiet failures, one WARN per {@link
 * #DEFAULT_INTERVAL}. Thread-safe and lock-free (atomic counters and a CAS on the time of the last
 * WARN); a success while nothing failed costs one volatile read.
 */
public final class FailureLog {
  public static final int DEFAULT_QUIET_FAILURES = 3;
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);

  private final Logger log;
  private final String what;
  private final int quietFailures;
  private final long intervalNanos;
  private final Ticker ticker;
  private final AtomicLong consecutive = new AtomicLong();
  private final AtomicLong sinceWarn = new AtomicLong();
  /** Ticker time of the last WARN; {@link Long#MIN_VALUE} while none was logged in this outage. */
  private final AtomicLong lastWarn = new AtomicLong(Long.MIN_VALUE);

  /** {@code what} names the dependency in messages, e.g. {@code "Neo4j 'graph'"}. */
  public FailureLog(Logger log, String what) {
    this(log, what, DEFAULT_QUIET_FAILURES, DEFAULT_INTERVAL, Ticker.system());
  }

  /**
   * @throws ConfigurationException if {@code quietFailures} is below 1 or {@code interval} is not
   *     positive
   */
  public FailureLog(Logger log, String what, int quietFailures, Duration interval, Ticker ticker) {
    this.log = Objects.requireNonNull(log, "log");
    this.what = Objects.requireNonNull(what, "what");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    if (quietFailures < 1) {
      throw new ConfigurationException("quietFailures", quietFailures, "must be at least 1");
    }
    if (interval == null || interval.isNegative() || interval.isZero()) {
      throw new ConfigurationException("interval", interval, "must be a positive duration");
    }
    this.quietFailures = quietFailures;
    this.intervalNanos = interval.toNanos();
  }

  /** One more failure of the dependency; returns whether it was logged at WARN. */
  public boolean failure(Throwable error) {
    long n = consecutive.incrementAndGet();
    long pending = sinceWarn.incrementAndGet();
    if (n < quietFailures) {
      if (log.isDebugEnabled()) {
        log.debug("{}: failure {} ({})", what, n, Secrets.describe(error));
      }
      return false;
    }
    long now = ticker.read();
    long last = lastWarn.get();
    if (last != Long.MIN_VALUE && now - last < intervalNanos) {
      return false;
    }
    if (!lastWarn.compareAndSet(last, now)) {
      return false; // another thread logs this one
    }
    sinceWarn.addAndGet(-pending);
    if (last == Long.MIN_VALUE) {
      log.warn("{} is failing: {} consecutive failures, last: {}", what, n, Secrets.describe(error));
    } else {
      log.warn("{} is still failing: {} failures in the last {} ({} in a row), last: {}", what, pending,
          Durations.format(Duration.ofNanos(now - last)), n, Secrets.describe(error));
    }
    return true;
  }

  /** The dependency answered; after a WARN, says so at INFO. */
  public void success() {
    if (consecutive.get() == 0) {
      return;
    }
    long n = consecutive.getAndSet(0);
    sinceWarn.set(0);
    if (lastWarn.getAndSet(Long.MIN_VALUE) != Long.MIN_VALUE) {
      log.info("{} answers again after {} consecutive failures", what, n);
    }
  }

  /** Consecutive failures so far (0 after a success). */
  public long consecutiveFailures() {
    return consecutive.get();
  }
}
