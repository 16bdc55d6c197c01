package io.lifeline.http;

import io.lifeline.core.ErrorClassifier;
import io.lifeline.core.spi.ConnectionMeters;
import io.lifeline.core.spi.Instrumentation;
import io.lifeline.core.spi.Instrumented;
import io.lifeline.core.spi.MeterSink;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one {@link HttpServiceConnectionManager}: its Guard's calls, connection state, and
 * {@code lifeline.http.requests} by endpoint name (the typed operation, {@link HttpCall#endpoint()},
 * never the URL) and status class ({@code 2xx} … {@code 5xx}, {@code none} when no response came).
 * At most {@value #MAX_ENDPOINTS} endpoints are told apart, the rest count as {@code other}. A
 * request costs a map lookup and a {@link LongAdder} increment; a pair seen for the first time
 * asks the binders to describe this manager again.
 */
final class HttpMeters implements Instrumented {
  static final int MAX_ENDPOINTS = 64;
  private static final String[] CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

  private final HttpServiceConnectionManager manager;
  private final String backend;
  private final ConcurrentHashMap<String, Endpoint> endpoints = new ConcurrentHashMap<>();
  private final Endpoint other = new Endpoint();
  private final Instrumentation.Registration registration;

  /** Counters of one endpoint by status class, and which classes were seen (a bit each). */
  private static final class Endpoint {
    final LongAdder[] counts = new LongAdder[CLASSES.length];
    final AtomicInteger seen = new AtomicInteger();

    Endpoint() {
      for (int i = 0; i < counts.length; i++) {
        counts[i] = new LongAdder();
      }
    }
  }

  HttpMeters(HttpServiceConnectionManager manager, String backend) {
    this.manager = manager;
    this.backend = backend;
    this.registration = Instrumentation.register(this);
  }

  void close() {
    registration.close();
  }

  /** A request to {@code endpoint} ended with {@code status} (0: no response). */
  void record(String endpoint, int status) {
    Endpoint e = endpoints.get(endpoint);
    if (e == null) {
      e = endpoints.size() >= MAX_ENDPOINTS ? other : endpoints.computeIfAbsent(endpoint, k -> new Endpoint());
    }
    int c = status >= 100 && status < 600 ? status / 100 : 0;
    e.counts[c].increment();
    int bit = 1 << c;
    if ((e.seen.get() & bit) == 0 && (e.seen.getAndAccumulate(bit, (a, b) -> a | b) & bit) == 0) {
      registration.refresh(); // first request of this pair: its counter becomes a meter
    }
  }

  /** {@link #record} for a request that failed with {@code error}. */
  void recordFailure(String endpoint, Throwable error) {
    Throwable t = ErrorClassifier.unwrap(error);
    int status = 0;
    for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
      if (t instanceof HttpStatusException) {
        status = ((HttpStatusException) t).statusCode();
        break;
      }
    }
    record(endpoint, status);
  }

  @Override
  public void describeMeters(MeterSink sink) {
    String service = manager.name();
    sink.calls(manager.guard(), "service", service, "backend", backend);
    ConnectionMeters.describeState(sink, manager, HttpServiceConnectionManager::state,
        "service", service, "backend", backend);
    for (Map.Entry<String, Endpoint> e : endpoints.entrySet()) {
      describe(sink, service, e.getKey(), e.getValue());
    }
    describe(sink, service, "other", other);
  }

  private void describe(MeterSink sink, String service, String endpoint, Endpoint e) {
    int seen = e.seen.get();
    for (int c = 0; c < CLASSES.length; c++) {
      if ((seen & (1 << c)) != 0) {
        sink.counter("lifeline.http.requests", "HTTP requests by endpoint and status class", null,
            e.counts[c], LongAdder::sum, "service", service, "backend", backend,
            "endpoint", endpoint, "status", CLASSES[c]);
      }
    }
  }
}
