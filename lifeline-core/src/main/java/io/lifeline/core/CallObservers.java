package io.lifeline.core;

import io.lifeline.core.spi.CallObserver;
import io.lifeline.core.spi.CallOutcome;
import java.util.Arrays;

/**
 * Combines a Guard's observers: one observer is used as it is (no indirection); two or more go
 * through a composite whose token is an array of the parts' tokens (allocated per call only then).
 */
final class CallObservers {
  private CallObservers() {}

  static CallObserver with(CallObserver current, CallObserver added) {
    if (current == null) {
      return added;
    }
    CallObserver[] parts = current instanceof Composite ? ((Composite) current).parts
        : new CallObserver[] {current};
    CallObserver[] next = Arrays.copyOf(parts, parts.length + 1);
    next[parts.length] = added;
    return new Composite(next);
  }

  static CallObserver without(CallObserver current, CallObserver removed) {
    if (current == removed) {
      return null;
    }
    if (!(current instanceof Composite)) {
      return current;
    }
    CallObserver[] parts = ((Composite) current).parts;
    int i = Arrays.asList(parts).indexOf(removed);
    if (i < 0) {
      return current;
    }
    CallObserver[] next = new CallObserver[parts.length - 1];
    System.arraycopy(parts, 0, next, 0, i);
    System.arraycopy(parts, i + 1, next, i, parts.length - i - 1);
    return next.length == 1 ? next[0] : new Composite(next);
  }

  private static final class Composite implements CallObserver {
    final CallObserver[] parts;

    Composite(CallObserver[] parts) {
      this.parts = parts;
    }

    @Override
    public Object callStarted(String guard) {
      Object[] tokens = new Object[parts.length];
      for (int i = 0; i < parts.length; i++) {
        tokens[i] = parts[i].callStarted(guard);
      }
      return tokens;
    }

    @Override
    public void attemptStarted(Object token, int attempt) {
      Object[] tokens = (Object[]) token;
      for (int i = 0; i < parts.length; i++) {
        parts[i].attemptStarted(tokens[i], attempt);
      }
    }

    @Override
    public void attemptEnded(Object token, int attempt, Throwable error) {
      Object[] tokens = (Object[]) token;
      for (int i = 0; i < parts.length; i++) {
        parts[i].attemptEnded(tokens[i], attempt, error);
      }
    }

    @Override
    public void callEnded(Object token, long nanos, CallOutcome outcome, Throwable error) {
      Object[] tokens = (Object[]) token;
      for (int i = 0; i < parts.length; i++) {
        parts[i].callEnded(tokens[i], nanos, outcome, error);
      }
    }
  }
}
