package io.lifeline.core;

import io.lifeline.core.internal.Durations;
import java.time.Duration;

/** The {@link Guard}'s overall deadline for a call passed before any attempt succeeded. */
public final class CallTimeoutException extends ServiceUnavailableException {
  private static final long serialVersionUID = 1L;

  private final int attempts;

  public CallTimeoutException(String service, Duration timeout, int attempts, Throwable lastFailure) {
    super(service, "no success within " + Durations.format(timeout) + " ("
        + (attempts == 1 ? "1 attempt" : attempts + " attempts") + ")", lastFailure);
    this.attempts = attempts;
  }

  /** Attempts started before the deadline. */
  public int attempts() {
    return attempts;
  }
}
