package io.lifeline.jdbc;

import io.lifeline.core.LifelineException;
import io.lifeline.core.Secrets;
import io.lifeline.core.Urls;

/**
 * The connection was lost while the transaction was committing (or while an auto-commit write was
 * running): the database may or may not have committed it. It is never retried blindly. Check the
 * data, or use {@link DatabaseConnectionManager#submit(WriteCommand)} with an idempotency key, which
 * resolves exactly this case.
 *
 * <p>Deliberately not a {@link io.lifeline.core.ServiceUnavailableException}: code that retries on
 * "unavailable" must not retry this.
 */
public final class TransactionOutcomeUnknownException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final String service;

  public TransactionOutcomeUnknownException(String service, Throwable cause) {
    super("'" + Urls.sanitize(service) + "': connection lost during COMMIT; the transaction may or may not"
        + " have been committed (cause: " + Secrets.describe(cause) + ")", cause);
    this.service = service;
  }

  public String service() {
    return service;
  }
}
