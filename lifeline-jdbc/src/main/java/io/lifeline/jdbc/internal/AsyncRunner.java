package io.lifeline.jdbc.internal;

import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.internal.LifelineThreads;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs blocking JDBC work for the async API: a virtual thread per task when the JDK has them
 * (detected reflectively: the code is compiled for Java 17), else a fixed pool of platform threads.
 * Either way at most {@code maxPending} tasks are queued or running; more are rejected at once with
 * a {@link ServiceUnavailableException}. Not API.
 */
public final class AsyncRunner implements AutoCloseable {
  private final String service;
  private final ExecutorService executor;
  private final Semaphore permits;
  private final int maxPending;
  private final boolean virtual;

  public AsyncRunner(String service, int platformThreads, int maxPending) {
    this.service = service;
    this.maxPending = maxPending;
    this.permits = new Semaphore(maxPending);
    ExecutorService v = virtualThreadExecutor();
    this.virtual = v != null;
    this.executor = v != null ? v
        : Executors.newFixedThreadPool(platformThreads, LifelineThreads.factory("lifeline-db-" + service + "-"));
  }

  private static ExecutorService virtualThreadExecutor() {
    try {
      Method m = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
      return (ExecutorService) m.invoke(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** True when tasks run on virtual threads. */
  public boolean virtualThreads() {
    return virtual;
  }

  /** Tasks queued or running now. */
  public int pending() {
    return maxPending - permits.availablePermits();
  }

  public <T> CompletableFuture<T> submit(Supplier<T> work) {
    if (!permits.tryAcquire()) {
      return CompletableFuture.failedFuture(new ServiceUnavailableException(service,
          "async queue full (" + maxPending + " calls queued or running; DATABASE_ASYNC_MAX_PENDING)", null));
    }
    CompletableFuture<T> f = new CompletableFuture<>();
    try {
      executor.execute(() -> {
        try {
          f.complete(work.get());
        } catch (Throwable t) {
          f.completeExceptionally(t);
        } finally {
          permits.release();
        }
      });
    } catch (RuntimeException e) {
      permits.release();
      f.completeExceptionally(new ServiceUnavailableException(service, "async executor rejected the call", e));
    }
    return f;
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
