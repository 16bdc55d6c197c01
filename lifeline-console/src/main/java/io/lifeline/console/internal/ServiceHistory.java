package io.lifeline.console.internal;

import io.lifeline.core.Secrets;
import io.lifeline.core.health.HealthStatus;
import io.lifeline.core.health.ServiceStatus;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the dashboard draws over time, kept in the process and bounded: per service a ring of
 * {@code capacity} samples (check latency in ms, calls per second) and a timeline of the last
 * {@link #MAX_TRANSITIONS} status transitions. Services that disappear from the report are
 * forgotten at the next sample. Thread-safe (one lock, never held while calling out). Not API.
 */
public final class ServiceHistory {
  /** Transitions kept for the timeline. */
  public static final int MAX_TRANSITIONS = 50;

  private final int capacity;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Ring> rings = new HashMap<>();
  private final Map<String, Long> lastCalls = new HashMap<>();
  private final Map<String, Instant> since = new HashMap<>();
  private final ArrayDeque<Map<String, Object>> transitions = new ArrayDeque<>();
  private long lastSampleNanos;

  public ServiceHistory(int capacity) {
    this.capacity = capacity;
  }

  /** One sample of every service; {@code calls} holds monotonic call totals by service (may miss some). */
  public void sample(Map<String, HealthStatus> statuses, Map<String, Long> calls, long nowNanos) {
    lock.lock();
    try {
      double seconds = lastSampleNanos == 0 ? 0 : (nowNanos - lastSampleNanos) / 1e9;
      lastSampleNanos = nowNanos;
      rings.keySet().retainAll(statuses.keySet());
      lastCalls.keySet().retainAll(statuses.keySet());
      since.keySet().retainAll(statuses.keySet());
      statuses.forEach((name, s) -> {
        double latency = s.responseTime() == null ? Double.NaN : s.responseTime().toNanos() / 1e6;
        double cps = Double.NaN;
        Long total = calls.get(name);
        if (total != null) {
          Long before = lastCalls.put(name, total);
          if (before != null && seconds > 0) {
            cps = Math.max(0, total - before) / seconds;
          }
        }
        rings.computeIfAbsent(name, n -> new Ring(capacity)).add(latency, cps);
        since.putIfAbsent(name, Instant.now());
      });
    } finally {
      lock.unlock();
    }
  }

  /** Records a transition (the health manager's listener thread). */
  public void transition(String service, ServiceStatus from, ServiceStatus to, HealthStatus status) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("at", Instant.now().toString());
    t.put("service", service);
    t.put("from", from == null ? null : from.name());
    t.put("to", to.name());
    t.put("error", status == null || status.lastError() == null ? null : Secrets.redact(status.lastError()));
    lock.lock();
    try {
      transitions.addLast(t);
      while (transitions.size() > MAX_TRANSITIONS) {
        transitions.removeFirst();
      }
      since.put(service, Instant.now());
    } finally {
      lock.unlock();
    }
  }

  /** Samples per service: {@code {latencyMs: [...], callsPerSecond: [...], since: iso}}. */
  public Map<String, Object> series() {
    lock.lock();
    try {
      Map<String, Object> out = new TreeMap<>();
      rings.forEach((name, r) -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("latencyMs", r.latency());
        m.put("callsPerSecond", r.cps());
        Instant s = since.get(name);
        m.put("since", s == null ? null : s.toString());
        out.put(name, m);
      });
      return out;
    } finally {
      lock.unlock();
    }
  }

  /** The timeline, newest last. */
  public List<Map<String, Object>> timeline() {
    lock.lock();
    try {
      return new ArrayList<>(transitions);
    } finally {
      lock.unlock();
    }
  }

  /** Samples held for {@code service} (for tests of the bound). */
  public int size(String service) {
    lock.lock();
    try {
      Ring r = rings.get(service);
      return r == null ? 0 : r.size;
    } finally {
      lock.unlock();
    }
  }

  private static final class Ring {
    final double[] latency;
    final double[] cps;
    int next;
    int size;

    Ring(int capacity) {
      latency = new double[capacity];
      cps = new double[capacity];
    }

    void add(double l, double c) {
      latency[next] = l;
      cps[next] = c;
      next = (next + 1) % latency.length;
      size = Math.min(size + 1, latency.length);
    }

    List<Double> latency() {
      return ordered(latency);
    }

    List<Double> cps() {
      return ordered(cps);
    }

    private List<Double> ordered(double[] values) {
      List<Double> out = new ArrayList<>(size);
      int start = (next - size + values.length) % values.length;
      for (int i = 0; i < size; i++) {
        double v = values[(start + i) % values.length];
        out.add(Double.isNaN(v) ? null : Math.round(v * 100) / 100.0);
      }
      return out;
    }
  }
}
