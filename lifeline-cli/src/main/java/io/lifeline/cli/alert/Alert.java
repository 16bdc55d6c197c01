package io.lifeline.cli.alert;

import io.lifeline.core.health.ServiceStatus;
import java.time.Instant;
import java.util.Set;

/**
 * One alert: a service's status changed from what was last alerted to {@code newStatus}.
 *
 * @param oldStatus the status of the previous alert for this service on this sink (HEALTHY before any)
 * @param features the features the service backs (what the transition affects)
 * @param error the service's last error, sanitized (redaction patterns, then every configured secret
 *     masked), or null
 * @param coalesced how many transitions this alert stands for beyond itself (rate limiting)
 */
public record Alert(String service, String type, ServiceStatus oldStatus, ServiceStatus newStatus,
    Set<String> features, String error, Instant timestamp, String instance, int coalesced) {
  public Alert {
    features = Set.copyOf(features);
  }
}
