package io.lifeline.jdbc.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads blocked in a wait nothing else can cut short — HikariCP's {@code getConnection} waits on
 * its own hand-off queue and wakes only for a connection, its timeout or an interrupt — registered
 * so that the manager can release all of them at once when it learns the database is down.
 *
 * <p>{@link #abortAll()} interrupts each registered thread at most once; {@link Wait#finish()},
 * called in a {@code finally} on the waiting thread, ends the registration and clears that
 * interrupt, so it never leaks out of the wait (the handshake of core's {@code Watchdog}: a CAS
 * decides between "finished" and "aborted", and the waiter yields only across the aborter's few
 * instructions between its CAS and its {@code interrupt()}). An interrupt from anyone else is left
 * alone, except one that lands in the same instant as an abort: the two are indistinguishable, and
 * it is cleared with ours.
 *
 * <p>Registration costs an allocation and a concurrent-set insert, so callers register only on the
 * slow path, once a non-waiting attempt has failed. Thread-safe; the set holds at most the threads
 * waiting now. Not API.
 */
public final class AbortableWaits {
  private static final int WAITING = 0;
  private static final int FINISHED = 1;
  private static final int ABORTING = 2;
  private static final int ABORTED = 3;

  private final Set<Wait> waits = ConcurrentHashMap.newKeySet();
  private volatile long lastAbortNanos;

  /** Registers the current thread; call {@link Wait#finish()} in a {@code finally} on this thread. */
  public Wait begin() {
    Wait w = new Wait(Thread.currentThread());
    waits.add(w);
    return w;
  }

  /** Interrupts every thread registered now (each at most once); returns how many. */
  public int abortAll() {
    int n = 0;
    for (Wait w : waits) {
      if (w.abort()) {
        n++;
      }
    }
    lastAbortNanos = System.nanoTime();
    return n;
  }

  /** {@link System#nanoTime()} when the last {@link #abortAll()} had interrupted every wait (diagnostics). */
  public long lastAbortNanos() {
    return lastAbortNanos;
  }

  /** Threads registered now. */
  public int size() {
    return waits.size();
  }

  /** One registered wait. */
  public final class Wait {
    private final Thread thread;
    private final AtomicInteger state = new AtomicInteger(WAITING);

    private Wait(Thread thread) {
      this.thread = thread;
    }

    /**
     * Ends the wait. Returns {@code true} when it was aborted: the thread was interrupted by {@link
     * #abortAll()}, and that interrupt is now cleared.
     */
    public boolean finish() {
      waits.remove(this);
      if (state.compareAndSet(WAITING, FINISHED)) {
        return false;
      }
      while (state.get() == ABORTING) {
        Thread.yield(); // between the aborter's CAS and its interrupt(): a few instructions (yield: it may need our core)
      }
      Thread.interrupted();
      return true;
    }

    private boolean abort() {
      if (!state.compareAndSet(WAITING, ABORTING)) {
        return false;
      }
      try {
        thread.interrupt();
      } finally {
        state.set(ABORTED);
      }
      return true;
    }
  }
}
