package io.lifeline.core;

/**
 * Root of every exception Lifeline throws. Unchecked, so that guarded calls read like plain calls.
 *
 * <p>Messages are short, say what happened and what to do, and never contain secrets: every URL or
 * connection string that reaches a message has been through {@link Urls#sanitize(String)}.
 */
public class LifelineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LifelineException(String message) {
    super(message);
  }

  public LifelineException(String message, Throwable cause) {
    super(message, cause);
  }

  /** For rejections that are expected under load: no stack trace, no suppression. */
  protected LifelineException(String message, Throwable cause, boolean writableStackTrace) {
    super(message, cause, false, writableStackTrace);
  }
}
