package io.lifeline.core;

/** Receives connection state changes; see {@link ConnectionStateTracker}. */
@FunctionalInterface
public interface ConnectionStateListener {
  void onStateChange(ConnectionState previous, ConnectionState current);
}
