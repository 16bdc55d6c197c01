package io.lifeline.jdbc;

import java.time.Duration;

/**
 * What a {@link DatabaseReplicaSet} last measured of one server.
 *
 * @param address {@code host:port} as in the URL
 * @param role PRIMARY (accepts writes), STANDBY (in recovery) or DOWN (the measurement failed)
 * @param lag for a standby: how far its replay is behind (zero when it has replayed all it
 *     received), or how long it has been cut off from its primary if that is longer; null otherwise
 * @param servesReads true for a standby whose lag is within {@code maxReplicationLag}
 * @param error why it is DOWN (sanitized), else null
 */
public record InstanceStatus(String address, Role role, Duration lag, boolean servesReads, String error) {

  /** The role of a server as measured ({@code pg_is_in_recovery()}). */
  public enum Role {
    PRIMARY, STANDBY, DOWN
  }

  /** One line for health details: {@code standby, lag 12 ms}, {@code standby, excluded: lag 6 s}, ... */
  public String describe() {
    switch (role) {
      case PRIMARY: return "primary";
      case STANDBY: return "standby, " + (servesReads ? "" : "excluded: ") + "lag " + io.lifeline.core.internal.Durations.format(lag);
      default: return "down: " + error;
    }
  }
}
