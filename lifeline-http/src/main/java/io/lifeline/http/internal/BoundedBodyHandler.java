package io.lifeline.http.internal;

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
import java.util.concurrent.TimeUnit;

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
    this.max = max;
    this.timeoutNanos = timeoutNanos;
    this.deadlineNanos = timeoutNanos > 0 ? startNanos + timeoutNanos : 0;
  }

  /** Bodies whose deadline is being watched right now (finished ones leave within one sweep). */
  public static int watchedBodies() {
    return Deadlines.watched();
  }

  @Override
  public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
    long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1L);
    Subscriber s = new Subscriber(max, declared > max ? declared : -1);
    if (deadlineNanos != 0) {
      s.watch(deadlineNanos, timeoutNanos);
    }
    return s;
  }

  /**
   * Reads the body of {@code response} (from {@link HttpResponse.BodyHandlers#ofPublisher()}) on
   * the calling thread, with the same bounds: at most {@code max} bytes, complete by {@code
   * deadlineNanos} ({@link System#nanoTime()}; the wait is timed, no sweeper is involved). Always
   * subscribes, so the exchange is released (cancelled on failure).
   *
   * <p>Why: the JDK client (17) runs a body subscriber of its own ({@code ofByteArray}, {@code
   * ofPublisher}) inline, but hands every other subscriber's {@code getBody()} to its executor, one
   * extra thread hand-off per exchange. {@code ofPublisher} plus this read keeps the bounds without it.
   *
   * @throws ResponseTooLargeException when the body exceeds {@code max}
   * @throws HttpTimeoutException when the body is not complete by the deadline
   * @throws IOException when the exchange failed while the body was read
   * @throws InterruptedException when the thread was interrupted (the body is cancelled)
   */
  public static byte[] read(HttpResponse<Flow.Publisher<List<ByteBuffer>>> response, int max,
      long deadlineNanos, long timeoutNanos) throws IOException, InterruptedException {
    long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1L);
    Subscriber s = new Subscriber(max, declared > max ? declared : -1);
    response.body().subscribe(s);
    CompletableFuture<byte[]> body = s.result;
    try {
      if (body.isDone()) {
        return body.get();
      }
      long wait = deadlineNanos - System.nanoTime();
      try {
        return body.get(Math.max(wait, 0), TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        s.timeOut(timeoutNanos);
        return body.get(); // completed now: by the time-out, or by the body if it just won
      }
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException) {
        throw (IOException) c;
      }
      throw new IOException("response body failed: " + c, c);
    } catch (InterruptedException e) {
      s.cancel();
      throw e;
    }
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

  /**
   * One daemon thread that fails bodies past their deadline, sweeping every {@value #SWEEP_MILLIS}
   * ms. Registering is one lock-free enqueue and there is no per-request timer: a timer per request
   * wakes a timer thread twice per exchange, which costs ~10% of a loopback exchange on a busy
   * 2-core machine. Finished bodies are dropped on the next sweep, so the queue holds at most the
   * bodies started in the last sweep period plus those still in flight.
   */
  static final class Deadlines {
    static final long SWEEP_MILLIS = 20;
    private static final java.util.concurrent.ConcurrentLinkedQueue<Subscriber> ACTIVE =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    private static final java.util.concurrent.atomic.AtomicBoolean STARTED =
        new java.util.concurrent.atomic.AtomicBoolean();

    private Deadlines() {}

    static void watch(Subscriber s) {
      ACTIVE.add(s);
      if (!STARTED.get() && STARTED.compareAndSet(false, true)) {
        java.util.concurrent.ScheduledExecutorService sweeper =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
              Thread t = new Thread(r, "lifeline-http-deadlines");
              t.setDaemon(true);
              return t;
            });
        sweeper.scheduleWithFixedDelay(Deadlines::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
      }
    }

    static void sweep() {
      long now = System.nanoTime();
      for (java.util.Iterator<Subscriber> it = ACTIVE.iterator(); it.hasNext(); ) {
        Subscriber s = it.next();
        try {
          if (s.isDone()) {
            it.remove();
          } else if (now - s.deadline() >= 0) {
            it.remove();
            s.timeOut();
          }
        } catch (RuntimeException e) {
          it.remove(); // never let one body stop the sweeper
        }
      }
    }

    /** Bodies currently watched (for tests). */
    static int watched() {
      return ACTIVE.size();
    }
  }

  static final class Subscriber implements HttpResponse.BodySubscriber<byte[]> {
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

    /** Fails the body with a timeout unless it completes by {@code deadline} (see {@link Deadlines}). */
    void watch(long deadline, long timeoutNanos) {
      this.deadline = deadline;
      this.timeoutNanos = timeoutNanos;
      Deadlines.watch(this);
    }

    boolean isDone() {
      return result.isDone();
    }

    long deadline() {
      return deadline;
    }

    void timeOut() {
      timeOut(timeoutNanos);
    }

    void timeOut(long timeoutNanos) {
      if (result.completeExceptionally(new HttpTimeoutException("response body not complete within "
          + Text.format(Duration.ofNanos(timeoutNanos))))) {
        Flow.Subscription sub = subscription;
        if (sub != null) {
          sub.cancel();
        }
      }
    }

    /** Abandons the body: cancels the subscription (now, or as soon as it arrives). */
    void cancel() {
      if (result.completeExceptionally(new java.util.concurrent.CancellationException("body read abandoned"))) {
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
