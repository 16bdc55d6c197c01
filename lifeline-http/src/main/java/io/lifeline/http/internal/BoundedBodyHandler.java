package io.lifeline.http.internal;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Reads a whole body into a {@code byte[]}, refusing more than {@code max} bytes: a declared {@code
 * Content-Length} above the bound fails at once, a longer streamed body fails as soon as the bound
 * is crossed (the subscription is cancelled, nothing more is buffered). Failure is a {@link
 * ResponseTooLargeException}.
 */
public final class BoundedBodyHandler implements HttpResponse.BodyHandler<byte[]> {
  private static final byte[] EMPTY = new byte[0];
  private final int max;

  public BoundedBodyHandler(int max) {
    this.max = max;
  }

  @Override
  public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
    long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1L);
    return new Subscriber(max, declared > max ? declared : -1);
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

  private static final class Subscriber implements HttpResponse.BodySubscriber<byte[]> {
    private final int max;
    private final long tooLargeDeclared;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final List<ByteBuffer> buffers = new ArrayList<>(4);
    private Flow.Subscription subscription;
    private long size;

    Subscriber(int max, long tooLargeDeclared) {
      this.max = max;
      this.tooLargeDeclared = tooLargeDeclared;
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
          return;
        }
        buffers.add(b);
      }
    }

    @Override
    public void onError(Throwable t) {
      buffers.clear();
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
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
