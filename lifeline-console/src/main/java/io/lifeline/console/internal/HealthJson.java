package io.lifeline.console.internal;

import io.lifeline.core.Secrets;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthReport;
import io.lifeline.core.health.HealthStatus;
import io.lifeline.core.health.ServiceStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The JSON trees the console answers with (maps and lists of plain values, written by Jackson). Every
 * text that can carry a driver's words (last errors, details) passes {@link Secrets#redact} once
 * more here: the health manager sanitizes what it keeps, and this is the last point before it leaves
 * the process. Not API.
 */
public final class HealthJson {
  private HealthJson() {}

  /** {@code GET /health}: the whole report. */
  public static Map<String, Object> report(HealthReport r, Set<String> critical) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status", r.overall().name());
    out.put("generatedAt", r.generatedAt().toString());
    Map<String, Object> services = new TreeMap<>();
    r.services().forEach((name, s) -> services.put(name, service(s)));
    out.put("services", services);
    Map<String, Object> features = new TreeMap<>();
    r.availableFeatures().forEach(f -> features.put(f, feature(true, critical.contains(f))));
    r.degradedFeatures().forEach(f -> features.put(f, feature(false, critical.contains(f))));
    out.put("features", features);
    HealthReport.CheckThreads t = r.checkThreads();
    Map<String, Object> threads = new LinkedHashMap<>();
    threads.put("threads", t.threads());
    threads.put("abandoned", t.abandoned());
    threads.put("maxAbandoned", t.maxAbandoned());
    threads.put("checksNotStarted", t.checksNotStarted());
    out.put("checkThreads", threads);
    return out;
  }

  private static Map<String, Object> feature(boolean available, boolean critical) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("available", available);
    f.put("critical", critical);
    return f;
  }

  private static Map<String, Object> service(HealthStatus s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", s.status().name());
    m.put("type", s.type().name());
    m.put("responseTimeMs", millis(s.responseTime()));
    m.put("consecutiveFailures", s.consecutiveFailures());
    m.put("totalChecks", s.totalChecks());
    m.put("successRate", s.successRate());
    m.put("lastError", s.lastError() == null ? null : Secrets.redact(s.lastError()));
    m.put("lastCheck", instant(s.lastCheck()));
    m.put("lastSuccess", instant(s.lastSuccess()));
    m.put("nextCheckAt", instant(s.nextCheckAt()));
    m.put("checksNotStarted", s.checksNotStarted());
    m.put("checkStuck", s.checkStuck());
    Map<String, Object> details = new TreeMap<>();
    s.details().forEach((k, v) -> details.put(k, plain(k, v)));
    m.put("details", details);
    return m;
  }

  /**
   * {@code GET /health/ready}: ready when every critical feature is backed by at least one service
   * and available; otherwise the unavailable ones, each with its services' statuses and errors.
   */
  public static Readiness readiness(ConnectionHealthManager health, Set<String> critical) {
    Map<String, Object> notReady = new TreeMap<>();
    for (String feature : critical) {
      Set<String> backing = health.servicesBacking(feature);
      if (backing.isEmpty()) {
        notReady.put(feature, List.of("no registered service backs this feature"));
      } else if (!health.isFeatureAvailable(feature)) {
        List<String> reasons = new ArrayList<>();
        for (String service : backing) {
          HealthStatus s = health.status(service);
          if (s != null && s.status() != ServiceStatus.HEALTHY) {
            reasons.add(service + ": " + s.status()
                + (s.lastError() == null ? "" : ": " + Secrets.redact(s.lastError())));
          }
        }
        notReady.put(feature, reasons);
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", notReady.isEmpty() ? "UP" : "DOWN");
    if (!notReady.isEmpty()) {
      body.put("unavailableCriticalFeatures", notReady);
    }
    return new Readiness(notReady.isEmpty(), body);
  }

  /** The readiness verdict and its body. */
  public record Readiness(boolean ready, Map<String, Object> body) {}

  private static Object plain(String key, Object v) {
    if (v == null || v instanceof Number || v instanceof Boolean) {
      return v;
    }
    if (Secrets.isSecretKey(key)) {
      return Secrets.MASK;
    }
    if (v instanceof Duration) {
      return millis((Duration) v);
    }
    if (v instanceof Instant) {
      return v.toString();
    }
    return Secrets.redact(String.valueOf(v));
  }

  private static Object millis(Duration d) {
    return d == null ? null : d.toNanos() / 1e6;
  }

  private static String instant(Instant i) {
    return i == null ? null : i.toString();
  }
}
