package io.lifeline.jdbc;

/** What {@link DatabaseConnectionManager#submit(WriteCommand)} did with a command. */
public enum WriteOutcome {
  /** Committed in the database now. */
  APPLIED,
  /** Its idempotency key was already in the ledger: applied earlier, not applied again. */
  ALREADY_APPLIED,
  /** The database is down: the command is durably journaled (fsynced) and will be applied once. */
  JOURNALED
}
