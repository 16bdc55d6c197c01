package io.lifeline.spring;

import io.lifeline.core.health.ConnectionHealthManager;
import java.util.Set;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.application.ReadinessStateHealthIndicator;

/**
 * Boot's {@code readinessState} indicator (the one in the {@code readiness} group that Kubernetes
 * probes at {@code /actuator/health/readiness}), which also refuses traffic while any of {@code
 * lifeline.health.critical-features} is unavailable and accepts it again by itself when the feature
 * is back. A feature that is not critical never affects readiness.
 */
public class LifelineReadinessIndicator extends ReadinessStateHealthIndicator {
  private final ConnectionHealthManager health;
  private final Set<String> criticalFeatures;

  public LifelineReadinessIndicator(ApplicationAvailability availability, ConnectionHealthManager health,
      Set<String> criticalFeatures) {
    super(availability);
    this.health = health;
    this.criticalFeatures = Set.copyOf(criticalFeatures);
  }

  @Override
  protected AvailabilityState getState(ApplicationAvailability availability) {
    for (String feature : criticalFeatures) {
      if (!health.isFeatureAvailable(feature)) {
        return ReadinessState.REFUSING_TRAFFIC;
      }
    }
    return super.getState(availability);
  }
}
