package io.lifeline.cli.alert;

import io.lifeline.core.Secrets;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthStatus;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.core.health.StatusListener;
import io.lifeline.core.internal.LifelineThreads;
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
 * <p>{@link #routes(Map)} replaces which services alert where (hot reload) without losing the
 * per-service state of those that stay.
 */
public final class Alerts implements AutoCloseable {
  private final Map<String, AlertDelivery> deliveries;
  /** Held here: meter registries keep only weak references to what their functions read. */
  private final List<SinkCounters> counters;
  private final ScheduledExecutorService timer;
  private final Clock clock;
  private final Map<String, State> states = new ConcurrentHashMap<>();
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
    this.deliveries = d;
    List<SinkCounters> c = new ArrayList<>();
    d.values().forEach(x -> c.add(new SinkCounters(x)));
    this.counters = List.copyOf(c);
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
    states.keySet().removeIf(k -> !this.routes.containsKey(k.substring(k.indexOf('\n') + 1)));
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

  /** Calls {@code c} with each sink's counters (for metrics). */
  public void forEachSink(Consumer<SinkCounters> c) {
    counters.forEach(c);
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
        states.computeIfAbsent(sinkName + "\n" + service, k -> new State(d, service)).transition(newStatus, status, r);
      }
    }
  }

  /** Per sink and service; transitions arrive in order from one event thread, flushes from the timer. */
  private final class State {
    private final ReentrantLock lock = new ReentrantLock(); // not synchronized: callers may be virtual threads
    private final AlertDelivery delivery;
    private final String service;
    private ServiceStatus lastSent = ServiceStatus.HEALTHY;
    private long lastSentNanos;
    private boolean everSent;
    private ServiceStatus pending;
    private HealthStatus pendingStatus;
    private Route pendingRoute;
    private int coalesced;
    private boolean flushScheduled;

    State(AlertDelivery delivery, String service) {
      this.delivery = delivery;
      this.service = service;
    }

    void transition(ServiceStatus status, HealthStatus health, Route route) {
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
