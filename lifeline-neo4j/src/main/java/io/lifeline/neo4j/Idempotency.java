package io.lifeline.neo4j;

/**
 * Whether a write may safely run twice. Decides what happens when the connection fails while the
 * transaction commits (the outcome is then unknown): a {@link #NOT_IDEMPOTENT} write fails with
 * {@link TransactionOutcomeUnknownException}; an {@link #IDEMPOTENT} one (e.g. {@code MERGE}, or a
 * {@code SET} of absolute values) is retried like a read. Failures before the commit are always
 * retried (the server rolls back a transaction whose connection closed).
 */
public enum Idempotency {
  /** Running it again has the same effect as running it once: retried after a commit-time failure. */
  IDEMPOTENT,
  /** The default for writes: a commit-time connection failure surfaces as outcome unknown. */
  NOT_IDEMPOTENT
}
