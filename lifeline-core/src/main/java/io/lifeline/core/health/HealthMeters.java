package io.lifeline.core.health;

import io.lifeline.core.spi.Instrumentation;
import io.lifeline.core.spi.Instrumented;
import io.lifeline.core.spi.MeterSink;
import io.lifeline.core.spi.Timing;
import java.util.Locale;

/**
 * The meters of one {@link ConnectionHealthManager}: per service a status switch (one series per
 * {@link ServiceStatus}, 1 for the current one, 0 for the others), per feature its availability,
 * check durations by outcome, checks not started and abandoned check threads. Described again
 * whenever a service is registered or unregistered, so the series follow the services.
 */
final class HealthMeters implements Instrumented {
  private static final ServiceStatus[] STATUSES = ServiceStatus.values();

  private final ConnectionHealthManager manager;
  private final String name;
  final Timing checkTiming = Timing.of("outcome");
  private final Instrumentation.Registration registration;

  HealthMeters(ConnectionHealthManager manager, String name) {
    this.manager = manager;
    this.name = name;
    this.registration = Instrumentation.register(this);
  }

  void servicesChanged() {
    registration.refresh();
  }

  void close() {
    registration.close();
  }

  @Override
  public void describeMeters(MeterSink sink) {
    for (String service : manager.services()) {
      for (ServiceStatus st : STATUSES) {
        sink.gauge("lifeline.health.status",
            "1 when the service has this status, else 0 (one series per status)", null, manager,
            m -> m.currentStatus(service) == st ? 1 : 0,
            "manager", name, "service", service, "status", st.name().toLowerCase(Locale.ROOT));
      }
    }
    for (String feature : manager.features()) {
      sink.gauge("lifeline.health.feature.available", "1 when the feature is available, else 0",
          null, manager, m -> m.isFeatureAvailable(feature) ? 1 : 0,
          "manager", name, "feature", feature);
    }
    sink.timer("lifeline.health.check.duration", "Duration of health checks by outcome",
        checkTiming, "manager", name);
    sink.counter("lifeline.health.checks.not.started",
        "Checks that could not start in time because every check thread was busy", null, manager,
        ConnectionHealthManager::checksNotStarted, "manager", name);
    sink.gauge("lifeline.health.checks.abandoned",
        "Check threads abandoned to checks that overran their timeout and have not returned", null,
        manager, ConnectionHealthManager::abandonedChecks, "manager", name);
  }
}
