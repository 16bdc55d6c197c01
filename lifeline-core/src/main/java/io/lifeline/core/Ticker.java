package io.lifeline.core;

/**
 * A source of monotonic nanoseconds. Everything timed in Lifeline reads time through a {@code Ticker}
 * so tests can drive time by hand instead of sleeping.
 */
@FunctionalInterface
public interface Ticker {
  /** Monotonic time in nanoseconds; only differences are meaningful. */
  long read();

  /** {@link System#nanoTime()}. */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }
}
