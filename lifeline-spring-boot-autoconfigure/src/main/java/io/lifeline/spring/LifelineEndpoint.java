package io.lifeline.spring;

import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthReport;
import io.lifeline.core.health.HealthStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/lifeline}: the health manager's full report (every service, the available and
 * degraded features, the check threads), sanitized. Like every Actuator endpoint other than health
 * it is not exposed over HTTP unless the application lists it in {@code
 * management.endpoints.web.exposure.include}.
 */
@Endpoint(id = "lifeline")
public class LifelineEndpoint {
  private final ConnectionHealthManager health;

  public LifelineEndpoint(ConnectionHealthManager health) {
    this.health = health;
  }

  @ReadOperation
  public Map<String, Object> report() {
    HealthReport r = health.report();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("overall", r.overall().name());
    Map<String, Object> services = new LinkedHashMap<>();
    for (Map.Entry<String, HealthStatus> e : r.services().entrySet()) {
      Map<String, Object> s = new LinkedHashMap<>(LifelineHealthContributor.toHealth(e.getValue()).getDetails());
      s.put("totalChecks", e.getValue().totalChecks());
      s.put("successRate", e.getValue().successRate());
      s.put("features", health.features().stream().filter(f -> health.servicesBacking(f).contains(e.getKey())).sorted().toList());
      services.put(e.getKey(), s);
    }
    out.put("services", services);
    out.put("availableFeatures", r.availableFeatures());
    out.put("degradedFeatures", r.degradedFeatures());
    out.put("checkThreads", Map.of("threads", r.checkThreads().threads(), "abandoned", r.checkThreads().abandoned(),
        "checksNotStarted", r.checkThreads().checksNotStarted()));
    out.put("generatedAt", r.generatedAt().toString());
    return out;
  }
}
