package io.lifeline.core;

/**
 * Every attempt the {@link Guard} was allowed to make failed with a retriable error. {@link
 * #attempts()} says how many were made; the last failure is the cause. Also thrown, with {@link
 * #budgetExhausted()} true, when the retry budget refused a further retry before {@code
 * maxRetries} was reached.
 */
public final class RetriesExhaustedException extends ServiceUnavailableException {
  private static final long serialVersionUID = 1L;

  private final int attempts;
  private final boolean budgetExhausted;

  public RetriesExhaustedException(String service, int attempts, boolean budgetExhausted, Throwable lastFailure) {
    super(service, reason(attempts, budgetExhausted), lastFailure);
    this.attempts = attempts;
    this.budgetExhausted = budgetExhausted;
  }

  private static String reason(int attempts, boolean budgetExhausted) {
    String tries = attempts == 1 ? "1 attempt" : attempts + " attempts";
    return budgetExhausted
        ? tries + " failed and the retry budget allows no more retries now"
        : tries + " failed";
  }

  /** Attempts made, including the first one. */
  public int attempts() {
    return attempts;
  }

  /** True when the retry budget, not {@code maxRetries}, stopped further attempts. */
  public boolean budgetExhausted() {
    return budgetExhausted;
  }
}
