package io.lifeline.core;

/**
 * Connection states of a manager (design document: CONNECTING, CONNECTED, FAILED callbacks).
 *
 * <p>Typical path: DISCONNECTED → CONNECTING → CONNECTED; on loss CONNECTED → FAILED (or
 * DISCONNECTED) → CONNECTING → …; CLOSED is terminal.
 */
public enum ConnectionState {
  /** Not connected and not trying (initial state). */
  DISCONNECTED,
  /** A connection attempt is in progress. */
  CONNECTING,
  /** Connected and serving. */
  CONNECTED,
  /** The last connection attempt failed or the connection was lost; reconnection may follow. */
  FAILED,
  /** Closed by the owner; terminal, no further transitions. */
  CLOSED
}
