package io.lifeline.core.internal;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Lifeline's one deadline sweeper: interrupts threads whose blocking call outlives its deadline (the
 * sync attempt timeouts of a {@code Guard}, {@link #watch(long)}) and expires any other {@link
 * Expiring} (e.g. an HTTP body that must be complete by a deadline, {@link #watch(Expiring)}). One
 * daemon thread sweeps the watched calls every {@value #TICK_MILLIS} ms while
 * there are any, and parks when there are none (an idle process keeps it parked, not spinning).
 *
 * <p>Why not a {@code ScheduledExecutorService} task per call: scheduling and cancelling take the
 * executor's lock and wake its thread twice per call, which costs more than a loopback round trip
 * on a 2-core machine. Here a call costs one lock-free enqueue and, on success, one CAS; finished
 * watches leave the queue on the next sweep, so it holds at most the calls in flight plus those
 * started within one tick. A timeout fires up to one tick late. Not API.
 */
public final class Watchdog {
  private Watchdog() {}

  static final long TICK_MILLIS = 5;

  private static final int RUNNING = 0;
  private static final int DONE = 1;
  private static final int FIRING = 2;
  private static final int FIRED = 3;

  private static final ConcurrentLinkedQueue<Expiring> ACTIVE = new ConcurrentLinkedQueue<>();
  private static final AtomicBoolean STARTED = new AtomicBoolean();
  private static volatile Thread sweeper;
  private static volatile boolean idle;

  /** Something with a deadline: dropped once done, {@link #expire() expired} once past it. */
  public interface Expiring {
    /** Finished: nothing to expire any more. */
    boolean isDone();

    /** The deadline, in {@link System#nanoTime()} terms. */
    long deadline();

    /** Called once, on the watchdog thread, when the deadline passed first; must not block. */
    void expire();
  }

  /** A watched call; {@link #finish()} it in a {@code finally} on the watched thread. */
  public static final class Watch implements Expiring {
    private final Thread thread;
    private final long deadline;
    private final AtomicInteger state = new AtomicInteger(RUNNING);

    private Watch(Thread thread, long deadline) {
      this.thread = thread;
      this.deadline = deadline;
    }

    /**
     * Ends the watch. Returns {@code true} when the deadline fired: the thread was interrupted by
     * the watchdog, and that interrupt is now cleared (the caller turns it into a timeout).
     */
    public boolean finish() {
      if (state.compareAndSet(RUNNING, DONE)) {
        return false;
      }
      while (state.get() == FIRING) {
        Thread.onSpinWait(); // between the watchdog's CAS and its interrupt(): a few instructions
      }
      Thread.interrupted();
      return true;
    }

    @Override
    public boolean isDone() {
      return state.get() == DONE;
    }

    @Override
    public long deadline() {
      return deadline;
    }

    @Override
    public void expire() {
      if (state.compareAndSet(RUNNING, FIRING)) {
        try {
          thread.interrupt();
        } finally {
          state.set(FIRED);
        }
      }
    }
  }

  /** Watches the current thread until {@code limitNanos} from now. */
  public static Watch watch(long limitNanos) {
    Watch w = new Watch(Thread.currentThread(), System.nanoTime() + limitNanos);
    watch(w);
    return w;
  }

  /** Expires {@code e} at its deadline unless it is done by then (one lock-free enqueue). */
  public static void watch(Expiring e) {
    ACTIVE.offer(e);
    if (!STARTED.get() && STARTED.compareAndSet(false, true)) {
      Thread t = new Thread(Watchdog::run, "lifeline-watchdog");
      t.setDaemon(true);
      sweeper = t;
      t.start();
    } else if (idle) {
      LockSupport.unpark(sweeper);
    }
  }

  /** Watched things in the queue (finished ones leave on the next sweep); for tests. */
  public static int watched() {
    return ACTIVE.size();
  }

  private static void run() {
    for (;;) {
      if (ACTIVE.isEmpty()) {
        idle = true;
        if (ACTIVE.isEmpty()) { // re-check after publishing idle: an offer in between unparks us
          LockSupport.park(Watchdog.class);
        }
        idle = false;
        continue;
      }
      LockSupport.parkNanos(Watchdog.class, TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS));
      sweep(System.nanoTime());
    }
  }

  static void sweep(long now) {
    for (Iterator<Expiring> it = ACTIVE.iterator(); it.hasNext(); ) {
      Expiring w = it.next();
      try {
        if (w.isDone()) {
          it.remove();
        } else if (now - w.deadline() >= 0) {
          it.remove();
          w.expire();
        }
      } catch (RuntimeException | Error e) {
        // never let one watch stop the sweeper: it is the only thread that times out every
        // guarded call and health check in the JVM (an Error, e.g. a StackOverflowError in a
        // listener an expiry calls, once ended it and with it every timeout)
        it.remove();
      }
    }
  }
}
