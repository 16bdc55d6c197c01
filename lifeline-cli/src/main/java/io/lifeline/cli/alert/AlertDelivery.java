package io.lifeline.cli.alert;

import io.lifeline.core.FailureLog;
import io.lifeline.core.Guard;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.internal.LifelineThreads;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one sink's alerts: a bounded queue ({@link AlertSink#queueCapacity()}; when full the new
 * alert is dropped and counted, so a dead or slow receiver costs the health checks nothing) and one
 * worker thread that POSTs each alert through a {@link Guard} (retry with jittered backoff, breaker,
 * retry budget, overall timeout). An alert that still fails is counted and logged (rate-limited,
 * without the URL: it may be a credential) and the next one is tried.
 */
final class AlertDelivery implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AlertDelivery.class);
  /** Retries per alert, backoff 0.5 s doubling to 5 s; the breaker opens after 5 failed alerts for 30 s. */
  static final RetryConfig RETRY = RetryConfig.builder().maxRetries(3).baseDelay(Duration.ofMillis(500))
      .maxDelay(Duration.ofSeconds(5)).circuitBreakerThreshold(5).circuitBreakerTimeout(Duration.ofSeconds(30))
      .build();

  private final AlertSink sink;
  private final ArrayBlockingQueue<Alert> queue;
  private final HttpClient http;
  private final Guard guard;
  private final FailureLog failures;
  private final Thread worker;
  private final LongAdder sent = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private volatile boolean closed;

  AlertDelivery(AlertSink sink) {
    this.sink = sink;
    this.queue = new ArrayBlockingQueue<>(sink.queueCapacity());
    this.http = HttpClient.newBuilder().connectTimeout(sink.timeout())
        .followRedirects(HttpClient.Redirect.NEVER).build();
    this.guard = Guard.builder("alert-" + sink.name()).retryConfig(RETRY).backend("alert")
        .retryOn(t -> t instanceof IOException || t instanceof Retriable)
        .timeout(sink.timeout().multipliedBy(4).plus(RETRY.maxDelay().multipliedBy(RETRY.maxRetries())))
        .build();
    this.failures = new FailureLog(LOG, "alert sink '" + sink.name() + "'", 1, Duration.ofMinutes(1),
        io.lifeline.core.Ticker.system());
    this.worker = LifelineThreads.factory("lifeline-alert-" + sink.name() + "-").newThread(this::run);
    worker.start();
  }

  /** Queues {@code alert}; false (and counted as dropped) when the queue is full or closed. */
  boolean offer(Alert alert) {
    if (closed || !queue.offer(alert)) {
      dropped.increment();
      return false;
    }
    return true;
  }

  AlertSink sink() {
    return sink;
  }

  long sent() {
    return sent.sum();
  }

  long failed() {
    return failed.sum();
  }

  long dropped() {
    return dropped.sum();
  }

  int queued() {
    return queue.size();
  }

  private void run() {
    while (!closed || !queue.isEmpty()) {
      Alert a;
      try {
        a = queue.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        break; // closing: what is still queued is counted as dropped below
      }
      if (a != null) {
        deliver(a);
      }
    }
    int left = queue.size();
    queue.clear();
    dropped.add(left);
  }

  private void deliver(Alert a) {
    byte[] body = (sink.format() == AlertSink.Format.SLACK ? AlertPayloads.slack(a) : AlertPayloads.webhook(a))
        .getBytes(StandardCharsets.UTF_8);
    HttpRequest request = HttpRequest.newBuilder(sink.url()).timeout(sink.timeout())
        .header("Content-Type", "application/json; charset=utf-8")
        .header("User-Agent", "lifeline-alerts")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    try {
      guard.call(() -> {
        HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
        int s = r.statusCode();
        if (s >= 200 && s < 300) {
          return null;
        }
        if (s == 408 || s == 429 || s >= 500) {
          throw new Retriable(s);
        }
        throw new Rejected(s);
      });
      sent.increment();
      failures.success();
    } catch (RuntimeException e) {
      failed.increment();
      failures.failure(e);
    }
  }

  /** Stops taking alerts, gives the queue up to {@code grace} to drain, then stops the worker. */
  @Override
  public void close() {
    close(Duration.ofSeconds(2));
  }

  void close(Duration grace) {
    closed = true;
    try {
      worker.join(grace.toMillis());
      if (worker.isAlive()) {
        worker.interrupt();
        worker.join(1_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The receiver answered a status worth retrying (408, 429, 5xx). */
  static final class Retriable extends IOException {
    Retriable(int status) {
      super("the receiver answered " + status);
    }
  }

  /** The receiver refused the alert (4xx but 408/429): retrying will not help. */
  static final class Rejected extends RuntimeException {
    Rejected(int status) {
      super("the receiver answered " + status + " (not retried)");
    }
  }
}
