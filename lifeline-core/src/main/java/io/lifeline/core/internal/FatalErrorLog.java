package io.lifeline.core.internal;

import io.lifeline.core.Secrets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports an {@link Error} that came out of a dependency's client (e.g. a {@code NoSuchMethodError}
 * from mismatched library versions) once at ERROR, with the stack trace, per guard and error type:
 * such an error repeats on every call and would otherwise flood the log, or, worse, be hidden as an
 * outage. Later occurrences of the same type go to DEBUG.
 *
 * <p>Bounded: at most {@value #MAX_TYPES} distinct types are remembered per guard; past that every
 * further type is still reported at ERROR once more, then all at DEBUG. Thread-safe, lock-free; used
 * only on the failure path.
 */
public final class FatalErrorLog {
  private static final Logger LOG = LoggerFactory.getLogger("io.lifeline.core.Guard");
  static final int MAX_TYPES = 32;

  private final String name;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  public FatalErrorLog(String name) {
    this.name = name;
  }

  /**
   * Logs {@code error} (found in {@code surfaced}'s cause chain) at ERROR if its type was not reported
   * for this guard yet; returns whether it did.
   */
  public boolean report(Error error, Throwable surfaced) {
    String type = error.getClass().getName();
    boolean first = seen.size() <= MAX_TYPES && seen.add(type);
    if (first) {
      // Secrets.describe: a driver's message may carry a URL with credentials.
      LOG.error("'{}': {} inside the client: not an outage, so neither retried nor answered from a"
          + " fallback; calls fail with it until the application is fixed (mismatched library versions?"
          + " check that lifeline-bom is imported). Surfaced as: {}", name, Secrets.describe(error),
          Secrets.describe(surfaced), Trace.of(error, 0));
    } else if (LOG.isDebugEnabled()) {
      LOG.debug("'{}': {} again", name, Secrets.describe(error));
    }
    return first;
  }

  /**
   * The stack trace of an error and its causes, with each message redacted ({@link Secrets#describe}):
   * the log gets where it happened without what a driver may have put in a message.
   */
  static final class Trace extends Throwable {
    private static final long serialVersionUID = 1L;

    private Trace(String message, Throwable cause) {
      super(message, cause, false, true);
    }

    static Trace of(Throwable t, int depth) {
      Throwable cause = t.getCause();
      Trace copy = new Trace(Secrets.describe(t),
          cause != null && cause != t && depth < 8 ? of(cause, depth + 1) : null);
      copy.setStackTrace(t.getStackTrace());
      return copy;
    }
  }
}
