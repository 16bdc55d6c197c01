package io.lifeline.core.health;

/** Receives status transitions of services; see {@link ConnectionHealthManager#addStatusListener}. */
@FunctionalInterface
public interface StatusListener {
  void onStatusChange(String service, ServiceStatus oldStatus, ServiceStatus newStatus, HealthStatus status);
}
