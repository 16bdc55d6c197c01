package io.lifeline.core;

import io.lifeline.core.internal.LifelineThreads;
import io.lifeline.core.internal.OrderedDispatcher;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds a manager's {@link ConnectionState} and notifies listeners of every change: exactly one
 * notification per transition, in the order the transitions happened, delivered on Lifeline's event
 * threads (never the thread that made the change); a throwing listener is logged and does not affect
 * the others or later notifications.
 *
 * <p>The state and a transition sequence number share one atomic {@code long}, so the thread whose
 * CAS makes a transition is the only one that publishes it. {@link ConnectionState#CLOSED} is
 * terminal. Lock-free and thread-safe.
 */
public final class ConnectionStateTracker {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionStateTracker.class);
  private static final ConnectionState[] STATES = ConnectionState.values();
  private static final long SEQ_MASK = (1L << 56) - 1;

  private final String name;
  private final AtomicLong word;
  private final CopyOnWriteArrayList<ConnectionStateListener> listeners = new CopyOnWriteArrayList<>();
  private final OrderedDispatcher<Change> dispatcher;

  /** A tracker starting in {@link ConnectionState#DISCONNECTED}, notifying on Lifeline's event threads. */
  public ConnectionStateTracker(String name) {
    this(name, LifelineThreads.events());
  }

  public ConnectionStateTracker(String name, Executor events) {
    this.name = Objects.requireNonNull(name, "name");
    this.word = new AtomicLong(pack(0, ConnectionState.DISCONNECTED));
    this.dispatcher = new OrderedDispatcher<>("connection '" + name + "'", events, 1, SEQ_MASK, this::fanOut);
  }

  private static long pack(long seq, ConnectionState s) {
    return ((seq & SEQ_MASK) << 8) | s.ordinal();
  }

  public ConnectionState current() {
    return STATES[(int) (word.get() & 0xFF)];
  }

  /**
   * Moves to {@code next}. Returns false (and notifies nobody) when already in {@code next} or when
   * CLOSED.
   */
  public boolean transitionTo(ConnectionState next) {
    return transition(null, next);
  }

  /** Moves to {@code next} only from {@code expected}; returns whether it did. */
  public boolean compareAndTransition(ConnectionState expected, ConnectionState next) {
    return transition(Objects.requireNonNull(expected, "expected"), next);
  }

  /** Moves to {@code next}, from any state when {@code expected} is null; publishes if it moved. */
  private boolean transition(ConnectionState expected, ConnectionState next) {
    Objects.requireNonNull(next, "next");
    for (;;) {
      long w = word.get();
      ConnectionState cur = STATES[(int) (w & 0xFF)];
      if ((expected != null && cur != expected) || cur == next || cur == ConnectionState.CLOSED) {
        return false;
      }
      long seq = ((w >>> 8) + 1) & SEQ_MASK;
      if (word.compareAndSet(w, pack(seq, next))) {
        dispatcher.publish(seq, new Change(cur, next));
        return true;
      }
    }
  }

  /** Adds a listener of (previous, current). */
  public void addStateListener(ConnectionStateListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Adds a listener of the new state only (the design document's {@code add_state_callback}). */
  public ConnectionStateListener addStateListener(Consumer<ConnectionState> listener) {
    Objects.requireNonNull(listener, "listener");
    ConnectionStateListener l = (previous, current) -> listener.accept(current);
    listeners.add(l);
    return l;
  }

  public void removeStateListener(ConnectionStateListener listener) {
    listeners.remove(listener);
  }

  private void fanOut(Change c) {
    for (ConnectionStateListener l : listeners) {
      try {
        l.onStateChange(c.from, c.to);
      } catch (Throwable e) { // isolate every listener, whatever it throws
        LOG.warn("connection '{}': state listener threw on {} -> {}; other listeners unaffected", name,
            c.from, c.to, e);
      }
    }
  }

  @Override
  public String toString() {
    return "ConnectionState[" + name + "=" + current() + "]";
  }

  private static final class Change {
    final ConnectionState from;
    final ConnectionState to;

    Change(ConnectionState from, ConnectionState to) {
      this.from = from;
      this.to = to;
    }

    @Override
    public String toString() {
      return from + " -> " + to;
    }
  }
}
