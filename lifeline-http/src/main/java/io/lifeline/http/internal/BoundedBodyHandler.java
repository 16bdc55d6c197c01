package io.lifeline.http.internal;

import io.lifeline.core.internal.Durations;
import io.lifeline.core.internal.Watchdog;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Reads a whole body into a {@code byte[]}, bounded in size and in time.
 *
 * <p>Size: more than {@code max} bytes are refused: a declared {@code Content-Length} above the
 * bound fails at once, a longer streamed body fails as soon as the bound is crossed (the
 * subscription is cancelled, nothing more is buffered). Failure is a {@link
 * ResponseTooLargeException}.
 *
 * <p>Time: the JDK client's request timeout stops once the response headers arrive, so a body that
 * trickles (or stalls) would hold the exchange forever. When built with a deadline, the body must be
 * complete by then, else the subscription is cancelled and the body fails with {@link
 * HttpTimeoutException}. One handler per attempt (the deadline is the attempt's).
 *
 * <p>Cost: JDK 17 runs its own body subscribers inline but hands a foreign subscriber's {@code
 * getBody()} to the client's executor, one more thread hand-off per exchange (~10% of a loopback
 * exchange). So when the response is HTTP/1.1 and declares a {@code Content-Length} within the
 * bound, this handler returns the JDK's own {@link HttpResponse.BodySubscribers#ofByteArray()}: the
 * JDK reads exactly the declared length, so the size bound holds; the deadline then needs core's {@code
 * io.lifeline.core.internal.Watchdog} on the thread blocked in {@code send} (the JDK subscriber cannot be cancelled from
 * outside). Chunked, HTTP/2 and over-long bodies get the bounded subscriber.
 */
public final class BoundedBodyHandler implements HttpResponse.BodyHandler<byte[]> {
  private static final byte[] EMPTY = new byte[0];
  private final int max;
  private final long deadlineNanos;
  private final long timeoutNanos;

  /** Size bound only. */
  public BoundedBodyHandler(int max) {
    this(max, 0, 0);
  }

  /**
   * Size bound, and the body must be complete {@code timeoutNanos} after {@code startNanos} ({@link
   * System#nanoTime()}).
   */
  public BoundedBodyHandler(int max, long startNanos, long timeoutNanos) {
    this(max, startNanos, timeoutNanos, false);
  }

  /** Bodies and sync calls whose deadline is being watched right now (finished ones leave within one sweep). */
  public static int watchedBodies() {
    return Watchdog.watched();
  }

  /**
   * As {@link #BoundedBodyHandler(int, long, long)}, for a sync {@code send} watched by a {@link
   * io.lifeline.core.internal.Watchdog} with the same deadline: may return the JDK's own subscriber (see the class doc).
   */
  public static BoundedBodyHandler forWatchedSend(int max, long startNanos, long timeoutNanos) {
    return new BoundedBodyHandler(max, startNanos, timeoutNanos, true);
  }

  private final boolean jdkSubscriberAllowed;

  private BoundedBodyHandler(int max, long startNanos, long timeoutNanos, boolean jdkSubscriberAllowed) {
    this.max = max;
    this.timeoutNanos = timeoutNanos;
    this.deadlineNanos = timeoutNanos > 0 ? startNanos + timeoutNanos : 0;
    this.jdkSubscriberAllowed = jdkSubscriberAllowed;
  }

  @Override
  public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
    long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1L);
    if (jdkSubscriberAllowed && declared >= 0 && declared <= max
        && info.version() == java.net.http.HttpClient.Version.HTTP_1_1) {
      return HttpResponse.BodySubscribers.ofByteArray(); // HTTP/1.1 reads exactly `declared` bytes
    }
    Subscriber s = new Subscriber(max, declared > max ? declared : -1);
    if (deadlineNanos != 0) {
      s.watch(deadlineNanos, timeoutNanos);
    }
    return s;
  }

  /** The body was larger than allowed. */
  public static final class ResponseTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int max;

    ResponseTooLargeException(int max, long seen, boolean declared) {
      super("response body " + (declared ? "declares " + seen + " bytes" : "exceeds " + max + " bytes")
          + ", more than maxResponseBytes=" + max);
      this.max = max;
    }

    public int max() {
      return max;
    }
  }

  private static final class Subscriber implements HttpResponse.BodySubscriber<byte[]>, Watchdog.Expiring {
    private final int max;
    private final long tooLargeDeclared;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final List<ByteBuffer> buffers = new ArrayList<>(4);
    private volatile Flow.Subscription subscription;
    private long size;
    private volatile long deadline;
    private volatile long timeoutNanos;

    Subscriber(int max, long tooLargeDeclared) {
      this.max = max;
      this.tooLargeDeclared = tooLargeDeclared;
    }

    /** Fails the body with a timeout unless it completes by {@code deadline} (see {@link Watchdog}). */
    void watch(long deadline, long timeoutNanos) {
      this.deadline = deadline;
      this.timeoutNanos = timeoutNanos;
      Watchdog.watch(this);
    }

    @Override
    public boolean isDone() {
      return result.isDone();
    }

    @Override
    public long deadline() {
      return deadline;
    }

    @Override
    public void expire() {
      if (result.completeExceptionally(new HttpTimeoutException("response body not complete within "
          + Durations.format(Duration.ofNanos(timeoutNanos))))) {
        Flow.Subscription sub = subscription;
        if (sub != null) {
          sub.cancel();
        }
      }
    }

    private void finish() {
      // nothing to cancel: the sweeper drops finished bodies on its next pass
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (tooLargeDeclared >= 0) {
        s.cancel();
        result.completeExceptionally(new ResponseTooLargeException(max, tooLargeDeclared, true));
        finish();
        return;
      }
      if (result.isDone()) {
        s.cancel(); // timed out before the body started
        return;
      }
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        size += b.remaining();
        if (size > max) {
          buffers.clear();
          subscription.cancel();
          result.completeExceptionally(new ResponseTooLargeException(max, size, false));
          finish();
          return;
        }
        buffers.add(b);
      }
    }

    @Override
    public void onError(Throwable t) {
      buffers.clear();
      result.completeExceptionally(t);
      finish();
    }

    @Override
    public void onComplete() {
      finish();
      if (result.isDone()) {
        return;
      }
      if (size == 0) {
        result.complete(EMPTY);
        return;
      }
      byte[] out = new byte[(int) size];
      int at = 0;
      for (ByteBuffer b : buffers) {
        int n = b.remaining();
        b.get(out, at, n);
        at += n;
      }
      buffers.clear();
      result.complete(out);
    }
  }
}
