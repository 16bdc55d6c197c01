package io.lifeline.jdbc;

/** What {@link DatabaseConnectionManager#submit(WriteCommand)} does while the database is down. */
public enum DegradedMode {
  /** Fail at once with a {@link io.lifeline.core.ServiceUnavailableException} (the default). */
  FAIL_FAST,
  /**
   * Append the command to a durable local journal (fsync before acknowledging {@link
   * WriteOutcome#JOURNALED}) and apply it, exactly once, when the database returns.
   */
  JOURNAL
}
