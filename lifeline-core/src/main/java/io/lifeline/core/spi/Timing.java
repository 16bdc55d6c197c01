package io.lifeline.core.spi;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * Durations of one kind of event a component times (a pool acquire, a health check), fanned out
 * to the listeners a binder adds. Each event may carry values for the timing's own tag keys
 * ({@link #tagKeys()}, at most two, e.g. {@code outcome}); values must be bounded.
 *
 * <p>With no listener, {@link #isObserved()} is false and a component skips reading the clock: one
 * volatile read per event, no allocation. With listeners, {@code record} iterates an array
 * (copy-on-write on add/remove, lock-free). Thread-safe.
 */
public final class Timing {

  /** Receives the events of a {@link Timing}. Must be fast and must not throw. */
  @FunctionalInterface
  public interface Listener {
    /** {@code v1}, {@code v2}: values of the first and second tag key, or null if there is none. */
    void record(long nanos, String v1, String v2);
  }

  private static final Listener[] NONE = new Listener[0];

  private final String[] tagKeys;
  private volatile Listener[] listeners = NONE;

  private Timing(String[] tagKeys) {
    this.tagKeys = tagKeys;
  }

  /** A timing whose events carry values for {@code tagKeys} (zero, one or two keys). */
  public static Timing of(String... tagKeys) {
    if (tagKeys.length > 2) {
      throw new IllegalArgumentException("at most two tag keys: " + Arrays.toString(tagKeys));
    }
    for (String k : tagKeys) {
      Objects.requireNonNull(k, "tag key");
    }
    return new Timing(tagKeys.clone());
  }

  /** The tag keys each event gives values for. */
  public String[] tagKeys() {
    return tagKeys.clone();
  }

  /** True when someone listens: only then does a component need to read the clock. */
  public boolean isObserved() {
    return listeners.length != 0;
  }

  public void record(long nanos) {
    record(nanos, null, null);
  }

  public void record(long nanos, String v1) {
    record(nanos, v1, null);
  }

  public void record(long nanos, String v1, String v2) {
    for (Listener l : listeners) {
      l.record(nanos, v1, v2);
    }
  }

  /** Adds {@code listener}; the returned handle removes it (idempotent). */
  public AutoCloseable addListener(Listener listener) {
    Objects.requireNonNull(listener, "listener");
    for (;;) { // copy-on-write with CAS: no monitor (virtual threads), add/remove at bind time only
      Listener[] cur = listeners;
      Listener[] next = Arrays.copyOf(cur, cur.length + 1);
      next[cur.length] = listener;
      if (LISTENERS.compareAndSet(this, cur, next)) {
        return () -> remove(listener);
      }
    }
  }

  private void remove(Listener listener) {
    for (;;) {
      Listener[] cur = listeners;
      int i = 0;
      while (i < cur.length && cur[i] != listener) {
        i++;
      }
      if (i == cur.length) {
        return;
      }
      Listener[] next = new Listener[cur.length - 1];
      System.arraycopy(cur, 0, next, 0, i);
      System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
      if (LISTENERS.compareAndSet(this, cur, next)) {
        return;
      }
    }
  }

  private static final AtomicReferenceFieldUpdater<Timing, Listener[]> LISTENERS =
      AtomicReferenceFieldUpdater.newUpdater(Timing.class, Listener[].class, "listeners");
}
