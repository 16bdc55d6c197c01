package io.lifeline.spring;

import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code /actuator/health/lifeline}: one indicator per service the health manager watches (also
 * those registered after start-up), at {@code /actuator/health/lifeline/<service>}. HEALTHY and
 * DEGRADED map to UP (detail {@code status} tells which), UNAVAILABLE and RECOVERING to DOWN, a
 * service not checked yet to UNKNOWN. Details are sanitized: type, status, failures, the sanitized
 * last error, latency and features; never a URL with credentials or a password.
 */
public class LifelineHealthContributor implements CompositeHealthContributor {
  private final ConnectionHealthManager health;

  public LifelineHealthContributor(ConnectionHealthManager health) {
    this.health = health;
  }

  @Override
  public HealthContributor getContributor(String name) {
    return health.services().contains(name) ? indicator(name) : null;
  }

  @Override
  public Stream<Entry> stream() {
    return health.services().stream().sorted().map(name -> new Entry(name, indicator(name)));
  }

  private HealthIndicator indicator(String name) {
    return () -> toHealth(health.status(name));
  }

  static Health toHealth(HealthStatus s) {
    if (s == null) {
      return Health.unknown().build();
    }
    Health.Builder b;
    if (s.lastCheck() == null) {
      b = Health.unknown();
    } else if (s.status().isUsable()) {
      b = Health.up();
    } else {
      b = Health.down();
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("type", s.type().name());
    details.put("status", s.status().name());
    details.put("consecutiveFailures", s.consecutiveFailures());
    if (s.responseTime() != null) {
      details.put("responseTimeMs", s.responseTime().toMillis());
    }
    if (s.lastError() != null) {
      details.put("lastError", io.lifeline.core.Urls.sanitize(s.lastError())); // already sanitized; twice is harmless
    }
    if (s.lastSuccess() != null) {
      details.put("lastSuccess", s.lastSuccess().toString());
    }
    return b.withDetails(details).build();
  }
}
