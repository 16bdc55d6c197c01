package io.lifeline.core.spi;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The process-wide registry of instrumented components: every {@link io.lifeline.core.Guard},
 * {@link io.lifeline.core.ConnectionPool}, health manager and connection manager registers itself
 * when it is built, and unregisters when it is closed. A binder ({@code
 * LifelineMetrics.bindTo(registry)}) adds a {@link Listener} and is told about every component
 * that exists and every one created later, so a user calls one method once.
 *
 * <p>Components are held weakly: one that is never closed (a Guard has no {@code close}) drops out
 * when it is collected, and listeners get {@link Listener#unregistered} at the next registry
 * operation. Registering, unregistering and adding listeners take a lock (they happen at build and
 * close time, never per call; it is a {@link ReentrantLock}, which does not pin virtual threads);
 * listeners are called under it, so each sees every component exactly once, in order. Listeners
 * must not block and must not register components themselves. Thread-safe.
 */
public final class Instrumentation {
  private Instrumentation() {}

  /** Told about components. Exceptions it throws propagate to whoever registered. */
  public interface Listener {
    /** {@code r} is registered (or existed when this listener was added). */
    void registered(Registration r);

    /** {@code r}'s meters changed (e.g. a service was added): describe it again. */
    default void refreshed(Registration r) {
      registered(r);
    }

    /** {@code r} was closed or its component collected: drop its meters. */
    void unregistered(Registration r);
  }

  private static final ReentrantLock LOCK = new ReentrantLock();
  private static final ReferenceQueue<Instrumented> COLLECTED = new ReferenceQueue<>();
  private static final Set<Registration> REGISTRATIONS = new LinkedHashSet<>();
  private static final List<Listener> LISTENERS = new ArrayList<>();
  private static long nextId;

  /** A registered component; {@link #close()} unregisters it. */
  public static final class Registration implements AutoCloseable {
    private final long id;
    private final Ref ref;

    private Registration(long id, Instrumented component) {
      this.id = id;
      this.ref = new Ref(component, this);
    }

    /** A number unique to this registration in this JVM. */
    public long id() {
      return id;
    }

    /** The component, or null once it was collected. */
    public Instrumented component() {
      return ref.get();
    }

    /** Asks every listener to describe this component again. */
    public void refresh() {
      LOCK.lock();
      try {
        if (REGISTRATIONS.contains(this)) {
          for (Listener l : LISTENERS) {
            l.refreshed(this);
          }
        }
      } finally {
        LOCK.unlock();
      }
    }

    /** Unregisters (idempotent). */
    @Override
    public void close() {
      LOCK.lock();
      try {
        remove(this);
        purge();
      } finally {
        LOCK.unlock();
      }
    }

    @Override
    public String toString() {
      return "Instrumentation.Registration[" + id + "]";
    }
  }

  private static final class Ref extends WeakReference<Instrumented> {
    final Registration owner;

    Ref(Instrumented component, Registration owner) {
      super(component, COLLECTED);
      this.owner = owner;
    }
  }

  /**
   * Registers {@code component} and tells every listener. The registry holds it weakly: the caller
   * keeps it reachable (typically a field of the object it describes).
   */
  public static Registration register(Instrumented component) {
    Objects.requireNonNull(component, "component");
    LOCK.lock();
    try {
      purge();
      Registration r = new Registration(++nextId, component);
      REGISTRATIONS.add(r);
      for (Listener l : LISTENERS) {
        l.registered(r);
      }
      return r;
    } finally {
      LOCK.unlock();
    }
  }

  /**
   * Adds {@code listener} and tells it about every registered component at once. The returned
   * handle removes it (the listener is not told to drop anything: it owns its meters).
   */
  public static AutoCloseable addListener(Listener listener) {
    Objects.requireNonNull(listener, "listener");
    LOCK.lock();
    try {
      purge();
      LISTENERS.add(listener);
      for (Registration r : REGISTRATIONS) {
        listener.registered(r);
      }
    } finally {
      LOCK.unlock();
    }
    return () -> {
      LOCK.lock();
      try {
        LISTENERS.remove(listener);
      } finally {
        LOCK.unlock();
      }
    };
  }

  /** How many components are registered (collected ones included until the next purge). */
  public static int size() {
    LOCK.lock();
    try {
      purge();
      return REGISTRATIONS.size();
    } finally {
      LOCK.unlock();
    }
  }

  private static void purge() {
    Reference<? extends Instrumented> ref;
    while ((ref = COLLECTED.poll()) != null) {
      remove(((Ref) ref).owner);
    }
  }

  private static void remove(Registration r) {
    if (REGISTRATIONS.remove(r)) {
      for (Listener l : LISTENERS) {
        l.unregistered(r);
      }
    }
  }
}
