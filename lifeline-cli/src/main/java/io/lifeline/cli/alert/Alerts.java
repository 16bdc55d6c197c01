package io.lifeline.cli.alert;

import io.lifeline.core.Secrets;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthStatus;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.core.health.StatusListener;
import io.lifeline.core.internal.LifelineThreads;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Turns the health manager's status transitions into alerts for the configured sinks.
 *
 * <ul>
 *   <li><b>Transitions only, deduplicated.</b> Per sink and service, an alert is sent when the
 *       service enters a status of the sink's {@link AlertSink#on()} set that differs from the last
 *       status alerted (HEALTHY before any). With the default {@code on: [UNAVAILABLE, HEALTHY]} an
 *       outage is one alert (HEALTHY → DEGRADED → UNAVAILABLE: only UNAVAILABLE is alerted) and its
 *       end one more; a degraded blip that heals is none.
 *   <li><b>Rate-limited per service.</b> At most one alert per {@link AlertSink#minInterval()};
 *       transitions inside the window are coalesced and, if the status then differs from the last
 *       alert, one alert with the latest status (and how many it stands for) is sent when the window
 *       ends, so the receiver is never left believing a stale status.
 *   <li><b>Never in the checks' way.</b> The listener runs on the health manager's event thread
 *       and only queues ({@link AlertDelivery}: bounded, drops and counts when full).
 *   <li><b>No secret.</b> The error is redacted ({@link Secrets#redact}) and every configured secret
 *       value is masked in it; sink URLs are never logged.
 * </ul>
 *
 * <p>Hot reload: {@link #routes(Map)} replaces which services alert where without losing the
 * per-service state of those that stay; {@link #reconfigure(Collection)} replaces the sinks
 * (unchanged ones keep their queue, counters and state; a changed or removed one drains its queue
 * for up to 2 s on a thread of its own, then stops). {@link #bindTo} keeps the sinks' meters in step.
 */
public final class Alerts implements AutoCloseable {
  private volatile Map<String, AlertDelivery> deliveries;
  private final ReentrantLock sinksLock = new ReentrantLock(); // reconfigure and bindTo, never a call path
  private MeterRegistry registry; // under sinksLock
  /** Per sink: its counters (held here: registries keep only weak references) and meters. */
  private final Map<String, SinkMeters> meters = new LinkedHashMap<>(); // under sinksLock
  private volatile List<String> order; // sink names as configured
  private final ScheduledExecutorService timer;
  private final Clock clock;
  private final Map<StateKey, State> states = new ConcurrentHashMap<>();

  /** Whose dedupe and rate-limit state: one per sink and service. */
  private record StateKey(String sink, String service) {}
  private volatile Map<String, Route> routes = Map.of();
  private volatile List<String> secrets = List.of();
  private final StatusListener listener = this::onStatusChange;

  /**
   * What one service alerts: its kind as written ({@code redis}), the features it backs, and the
   * sinks it alerts (by name).
   */
  public record Route(String type, Set<String> features, List<String> sinks) {
    public Route {
      features = Set.copyOf(features);
      sinks = List.copyOf(sinks);
    }
  }

  private Alerts(Collection<AlertSink> sinks, Clock clock) {
    Map<String, AlertDelivery> d = new LinkedHashMap<>();
    for (AlertSink s : sinks) {
      d.put(s.name(), new AlertDelivery(s));
    }
    this.deliveries = Map.copyOf(d);
    this.order = List.copyOf(d.keySet());
    this.clock = clock;
    this.timer = Executors.newSingleThreadScheduledExecutor(LifelineThreads.factory("lifeline-alert-timer-"));
  }

  /** Starts one delivery worker per sink. */
  public static Alerts start(Collection<AlertSink> sinks) {
    return new Alerts(sinks, Clock.systemUTC());
  }

  /** Listens to {@code health}'s transitions. */
  public Alerts attach(ConnectionHealthManager health) {
    health.addStatusListener(listener);
    return this;
  }

  /** Which services alert where; services not in the map alert nowhere. */
  public void routes(Map<String, Route> routes) {
    this.routes = Map.copyOf(routes);
    states.keySet().removeIf(k -> !this.routes.containsKey(k.service()));
  }

  /** Secret values masked in every error text (the configuration's passwords and tokens). */
  public void secrets(Collection<String> values) {
    List<String> s = new ArrayList<>();
    for (String v : values) {
      if (v != null && v.length() >= 3) {
        s.add(v);
      }
    }
    s.sort((a, b) -> Integer.compare(b.length(), a.length())); // longest first: no partial masks
    this.secrets = List.copyOf(s);
  }

  /** Calls {@code c} with each sink's counters, read live. */
  public void forEachSink(Consumer<SinkCounters> c) {
    Map<String, AlertDelivery> d = deliveries;
    for (String name : order) {
      c.accept(new SinkCounters(d.get(name)));
    }
  }

  /**
   * {@code lifeline_alerts_total{sink, outcome=sent|failed|dropped}} and {@code
   * lifeline_alerts_queued{sink}} in {@code registry}, for the sinks of now and of every later
   * {@link #reconfigure}: a removed sink's series go, a new one's come.
   */
  public Alerts bindTo(MeterRegistry registry) {
    sinksLock.lock();
    try {
      this.registry = Objects.requireNonNull(registry, "registry");
      Map<String, AlertDelivery> d = deliveries;
      for (String name : order) {
        register(d.get(name));
      }
    } finally {
      sinksLock.unlock();
    }
    return this;
  }

  private void register(AlertDelivery d) {
    if (registry == null) {
      return;
    }
    SinkCounters c = new SinkCounters(d);
    String sink = c.sink();
    List<Meter> m = List.of(
        FunctionCounter.builder("lifeline.alerts", c, SinkCounters::sent).tag("sink", sink)
            .tag("outcome", "sent").description("Alerts delivered (2xx), failed after retries, or dropped (queue full)")
            .register(registry),
        FunctionCounter.builder("lifeline.alerts", c, SinkCounters::failed).tag("sink", sink)
            .tag("outcome", "failed").register(registry),
        FunctionCounter.builder("lifeline.alerts", c, SinkCounters::dropped).tag("sink", sink)
            .tag("outcome", "dropped").register(registry),
        Gauge.builder("lifeline.alerts.queued", c, SinkCounters::queued).tag("sink", sink)
            .description("Alerts waiting for delivery").register(registry));
    meters.put(sink, new SinkMeters(c, m));
  }

  private void unregister(String sink) {
    SinkMeters m = meters.remove(sink);
    if (m != null && registry != null) {
      m.meters().forEach(registry::remove);
    }
  }

  private record SinkMeters(SinkCounters counters, List<Meter> meters) {}

  /**
   * Replaces the sinks (hot reload). A sink whose configuration is unchanged keeps its queue,
   * counters and per-service state; a changed one starts afresh (its old queue drains for up to
   * 2 s, then stops); a removed one drains and stops; a new one starts. Returns the names of the
   * sinks added, changed or removed, in that order.
   */
  public List<String> reconfigure(Collection<AlertSink> sinks) {
    sinksLock.lock();
    try {
      Map<String, AlertDelivery> before = deliveries;
      Map<String, AlertDelivery> next = new LinkedHashMap<>();
      List<String> changed = new ArrayList<>();
      List<AlertDelivery> retired = new ArrayList<>();
      for (AlertSink s : sinks) {
        AlertDelivery was = before.get(s.name());
        if (was != null && was.sink().equals(s)) {
          next.put(s.name(), was);
          continue;
        }
        AlertDelivery fresh = new AlertDelivery(s);
        next.put(s.name(), fresh);
        changed.add(s.name());
        if (was != null) {
          retired.add(was);
        }
      }
      for (Map.Entry<String, AlertDelivery> e : before.entrySet()) {
        if (!next.containsKey(e.getKey())) {
          retired.add(e.getValue());
          changed.add(e.getKey());
        }
      }
      deliveries = Map.copyOf(next);
      order = List.copyOf(next.keySet());
      for (String name : changed) {
        states.keySet().removeIf(k -> k.sink().equals(name));
        unregister(name);
        AlertDelivery d = next.get(name);
        if (d != null) {
          register(d);
        }
      }
      for (AlertDelivery old : retired) {
        LifelineThreads.factory("lifeline-alert-retire-").newThread(() -> old.close(Duration.ofSeconds(2))).start();
      }
      return List.copyOf(changed);
    } finally {
      sinksLock.unlock();
    }
  }

  /** A sink's delivery counters, read live. */
  public static final class SinkCounters {
    private final AlertDelivery d;

    SinkCounters(AlertDelivery d) {
      this.d = d;
    }

    public String sink() {
      return d.sink().name();
    }

    public long sent() {
      return d.sent();
    }

    public long failed() {
      return d.failed();
    }

    public long dropped() {
      return d.dropped();
    }

    public int queued() {
      return d.queued();
    }
  }

  // package-private: the tests feed transitions directly
  void onStatusChange(String service, ServiceStatus oldStatus, ServiceStatus newStatus, HealthStatus status) {
    Route r = routes.get(service);
    if (r == null) {
      return;
    }
    for (String sinkName : r.sinks()) {
      AlertDelivery d = deliveries.get(sinkName);
      if (d != null && d.sink().on().contains(newStatus)) {
        states.computeIfAbsent(new StateKey(sinkName, service), k -> new State(sinkName, service)).transition(newStatus, status, r);
      }
    }
  }

  /** Per sink and service; transitions arrive in order from one event thread, flushes from the timer. */
  private final class State {
    private final ReentrantLock lock = new ReentrantLock(); // not synchronized: callers may be virtual threads
    private final String sinkName;
    private final String service;
    private ServiceStatus lastSent = ServiceStatus.HEALTHY;
    private long lastSentNanos;
    private boolean everSent;
    private ServiceStatus pending;
    private HealthStatus pendingStatus;
    private Route pendingRoute;
    private int coalesced;
    private boolean flushScheduled;

    State(String sinkName, String service) {
      this.sinkName = sinkName;
      this.service = service;
    }

    void transition(ServiceStatus status, HealthStatus health, Route route) {
      AlertDelivery delivery = deliveries.get(sinkName);
      if (delivery == null) {
        return; // the sink was removed by a reload
      }
      lock.lock();
      try {
        long now = System.nanoTime();
        long window = delivery.sink().minInterval().toNanos();
        if (everSent && now - lastSentNanos < window) {
          coalesced++;
          pending = status == lastSent ? null : status;
          pendingStatus = health;
          pendingRoute = route;
          if (!flushScheduled) {
            flushScheduled = true;
            timer.schedule(this::flush, lastSentNanos + window - now, TimeUnit.NANOSECONDS);
          }
          return;
        }
        if (status != lastSent) {
          send(status, health, route, 0, now);
        }
      } finally {
        lock.unlock();
      }
    }

    private void flush() {
      lock.lock();
      try {
        flushScheduled = false;
        if (pending != null && pending != lastSent) {
          send(pending, pendingStatus, pendingRoute, Math.max(0, coalesced - 1), System.nanoTime());
        }
        pending = null;
        coalesced = 0;
      } finally {
        lock.unlock();
      }
    }

    private void send(ServiceStatus status, HealthStatus health, Route route, int folded, long now) {
      AlertDelivery delivery = deliveries.get(sinkName);
      if (delivery == null) {
        return; // removed by a reload meanwhile
      }
      AlertSink sink = delivery.sink();
      delivery.offer(new Alert(service, route.type(), lastSent, status, route.features(),
          clean(health == null ? null : health.lastError()), clock.instant(), sink.instance(), folded));
      lastSent = status;
      lastSentNanos = now;
      everSent = true;
    }
  }

  private String clean(String error) {
    if (error == null) {
      return null;
    }
    String s = Secrets.redact(error);
    for (String secret : secrets) {
      s = s.replace(secret, Secrets.MASK);
    }
    return s;
  }

  /** Stops listening is the health manager's business; this stops the timer and drains each queue briefly. */
  @Override
  public void close() {
    timer.shutdownNow();
    for (AlertDelivery d : deliveries.values()) {
      d.close(Duration.ofSeconds(2));
    }
  }

  /** Detaches from {@code health} and closes. */
  public void close(ConnectionHealthManager health) {
    Objects.requireNonNull(health, "health").removeStatusListener(listener);
    close();
  }
}
