package io.lifeline.neo4j;

import io.lifeline.core.ServiceUnavailableException;

/**
 * The connection failed while a write transaction was being committed: the server may or may not
 * have committed it, and no one can tell from here. Not retried, because running a non-idempotent
 * write twice may apply it twice. Check the data (or make the write idempotent, e.g. with {@code
 * MERGE}, and mark it {@link Idempotency#IDEMPOTENT}, which lets Lifeline retry it), then decide.
 * The driver's error is the cause.
 */
public final class TransactionOutcomeUnknownException extends ServiceUnavailableException {
  private static final long serialVersionUID = 1L;

  public TransactionOutcomeUnknownException(String service, Throwable cause) {
    super(service, "connection failed during commit: the write may or may not have been applied, "
        + "so it was not retried", cause);
  }
}
