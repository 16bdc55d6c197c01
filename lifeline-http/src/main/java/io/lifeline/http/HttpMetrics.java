package io.lifeline.http;

import java.util.concurrent.atomic.LongAdder;

/**
 * What an {@link HttpServiceConnectionManager} counts beyond its Guard's {@link
 * io.lifeline.core.ConnectionMetrics}: calls that failed at once because the server's {@code
 * Retry-After} exceeded {@code maxDelay}, and 3xx answers (redirects are not followed). Counters
 * only grow; updates are a {@link LongAdder} increment on those answers only (nothing on the success
 * path). Thread-safe.
 */
public final class HttpMetrics {
  private final LongAdder retryAfterBeyondMaxDelay = new LongAdder();
  private final LongAdder redirects = new LongAdder();

  HttpMetrics() {}

  void recordRetryAfterBeyondMaxDelay() {
    retryAfterBeyondMaxDelay.increment();
  }

  void recordRedirect() {
    redirects.increment();
  }

  /**
   * Calls that would have been retried but failed at once because the server's {@code Retry-After}
   * (429, 503) asked for longer than {@link io.lifeline.core.RetryConfig#maxDelay() maxDelay}.
   */
  public long retryAfterBeyondMaxDelay() {
    return retryAfterBeyondMaxDelay.sum();
  }

  /**
   * 3xx answers to requests (redirects are not followed; each is returned, or reported as such by
   * {@code requireSuccess}); health probes are not counted.
   */
  public long redirects() {
    return redirects.sum();
  }

  @Override
  public String toString() {
    return "HttpMetrics[retryAfterBeyondMaxDelay=" + retryAfterBeyondMaxDelay()
        + ", redirects=" + redirects() + "]";
  }
}
