package io.lifeline.core;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one connection manager or {@link Guard}, as in the design documents: total, successful
 * and failed connection attempts, success rate, total retries, last error and connection duration.
 * Plus calls rejected by the circuit breaker and retries refused by the retry budget.
 *
 * <p>Writers use {@link LongAdder}s (no contention, no allocation after warm-up); readers take an
 * immutable {@link #snapshot()}. {@code lastError} is always sanitized ({@link Secrets#describe}).
 * Thread-safe.
 */
public final class ConnectionMetrics {
  private final LongAdder successful = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder budgetRefusals = new LongAdder();
  private volatile String lastError;
  private volatile long lastErrorAtMillis;
  private volatile long connectionDurationNanos = -1;

  /** An attempt (a call, a connect, a request) succeeded. */
  public void recordSuccess() {
    successful.increment();
  }

  /** An attempt failed; {@code error} becomes {@code lastError}, sanitized. */
  public void recordFailure(Throwable error) {
    failed.increment();
    if (error != null) {
      lastError = Secrets.describe(error);
      lastErrorAtMillis = System.currentTimeMillis();
    }
  }

  /** A retry is about to be made. */
  public void recordRetry() {
    retries.increment();
  }

  /** A call was rejected because the circuit breaker was open. */
  public void recordRejected() {
    rejected.increment();
  }

  /** The retry budget refused a retry. */
  public void recordBudgetRefusal() {
    budgetRefusals.increment();
  }

  /** How long establishing the current connection took (seed: {@code connection_duration}). */
  public void recordConnectionDuration(Duration duration) {
    connectionDurationNanos = duration.toNanos();
  }

  /** Zeroes every counter. */
  public void reset() {
    successful.reset();
    failed.reset();
    retries.reset();
    rejected.reset();
    budgetRefusals.reset();
    lastError = null;
    lastErrorAtMillis = 0;
    connectionDurationNanos = -1;
  }

  /** A consistent-enough, immutable copy (each counter is read once). */
  public Snapshot snapshot() {
    long ok = successful.sum();
    long bad = failed.sum();
    long d = connectionDurationNanos;
    String err = lastError;
    long errAt = lastErrorAtMillis;
    return new Snapshot(ok + bad, ok, bad, retries.sum(), rejected.sum(), budgetRefusals.sum(),
        err, err == null ? null : Instant.ofEpochMilli(errAt), d < 0 ? null : Duration.ofNanos(d));
  }

  public long totalConnections() {
    return successful.sum() + failed.sum();
  }

  public long successfulConnections() {
    return successful.sum();
  }

  public long failedConnections() {
    return failed.sum();
  }

  public long totalRetries() {
    return retries.sum();
  }

  /** Successful / total, or 0.0 before the first attempt. */
  public double successRate() {
    long ok = successful.sum();
    long total = ok + failed.sum();
    return total == 0 ? 0.0 : (double) ok / total;
  }

  public String lastError() {
    return lastError;
  }

  @Override
  public String toString() {
    return snapshot().toString();
  }

  /**
   * Immutable metrics. {@code successRate} is {@code successful / total}, or 0.0 when there was no
   * attempt yet. {@code lastError} and {@code lastErrorAt} are null when no attempt failed; {@code
   * connectionDuration} is null until a connection was timed.
   */
  public record Snapshot(
      long totalConnections,
      long successfulConnections,
      long failedConnections,
      long totalRetries,
      long rejectedCalls,
      long budgetRefusals,
      String lastError,
      Instant lastErrorAt,
      Duration connectionDuration) {

    public double successRate() {
      return totalConnections == 0 ? 0.0 : (double) successfulConnections / totalConnections;
    }
  }
}
