package io.lifeline.core.health;

import io.lifeline.core.Ticker;
import io.lifeline.core.internal.Watchdog;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs health checks on a bounded pool of check threads, keeping a check's wait for a thread apart
 * from its run time, and moving on from checks that overrun. Not API; one per manager.
 *
 * <ul>
 *   <li><b>Queue wait.</b> A check that has not started {@code timeout} after it was submitted (every
 *       check thread busy) is taken out of the queue and reported {@link Listener#notStarted}: a
 *       scheduling problem, not an answer of the service. The next check of that service goes ahead of
 *       the others in the queue (priority = how many of its checks in a row were not started, then
 *       first come first served): checks fall due in the same order every round, so without it the
 *       same services would miss every round.
 *   <li><b>Run time.</b> A started check has {@code timeout} from its start. One that finishes in time
 *       is {@link Listener#finished}; an asynchronous stage still pending then is cancelled and
 *       reported {@link Listener#timedOut} with {@code threadHeld = false}.
 *   <li><b>Overrun.</b> A check whose thread is still inside it at the deadline is interrupted,
 *       reported {@link Listener#timedOut} with {@code threadHeld = true}, and its thread is
 *       <em>abandoned</em> at once: the pool grows by one so the overrunning thread no longer takes a
 *       place of the {@code threads} that run checks — as long as fewer than {@code maxAbandoned}
 *       threads are abandoned. At that bound the thread stays counted in the pool until its check
 *       returns (the pool runs with one thread less). A check that honours the interrupt returns
 *       within {@link #GRACE_NANOS}; one still inside after that is reported {@link Listener#stuck}.
 *       When the check finally returns, {@link Listener#returnedLate} is called, an abandoned thread
 *       leaves the pool and the count goes down.
 * </ul>
 *
 * <p>Why a {@link ThreadPoolExecutor} resized by hand rather than a thread per check: the pool
 * bounds the threads that run checks at once (a thousand checks due in the same second take {@code
 * threads} threads, not a thousand), and resizing by the abandoned count replaces exactly the stuck
 * threads. Virtual threads (Java 21+) were considered and not used: a check that spins or blocks
 * while pinned would hold one of the JVM's few carrier threads and stall every virtual thread of the
 * application, which is worse than one abandoned platform thread.
 *
 * <p>Deadlines are kept by core's {@link Watchdog} (one lock-free enqueue per check, nothing to
 * cancel when the check answers in time; up to one sweep tick late), in {@link System#nanoTime()}
 * terms — the injected {@link Ticker} only measures latency, so a test's frozen ticker cannot stop a
 * timeout. A passed deadline is handed to the manager's scheduler thread, where the listener is
 * called: listener calls for deadlines must not block. Thread-safe.
 */
final class CheckRunner {

  /** What became of one check; each attempt gets exactly one of the first three calls. */
  interface Listener {
    /** No thread took the check within its timeout; it was removed from the queue. */
    void notStarted(long waitedNanos);

    /** The check answered within its timeout ({@code latency} measured from its start). */
    void finished(CheckResult result);

    /**
     * The check overran its timeout. {@code threadHeld}: its thread is still inside the check
     * ({@link #returnedLate} follows when it leaves); otherwise its pending stage was cancelled.
     */
    void timedOut(Attempt attempt, boolean threadHeld);

    /**
     * A check reported {@code timedOut(…, true)} is still running {@link #GRACE_NANOS} after its
     * interrupt: it ignores interruption. {@link Attempt#threadAbandoned()} says if its thread was
     * replaced. Called before {@link #returnedLate}, or not at all (it returned within the grace).
     */
    void stuck(Attempt attempt);

    /** A check reported {@code timedOut(…, true)} has returned; its thread is free again. */
    void returnedLate(Attempt attempt);
  }

  /** How long an interrupted check may take to return before it counts as stuck. */
  static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private static final int QUEUED = 0;
  private static final int RUNNING = 1; // a check thread is inside check.checkAsync()
  private static final int AWAITING = 2; // checkAsync() returned; its stage may still be pending
  private static final int INTERRUPTING = 3; // deadline passed while RUNNING; interrupt under way
  private static final int INTERRUPTED = 4; // the thread is still inside the check, within its grace
  private static final int STUCKING = 5; // grace passed: being reported as stuck
  private static final int STUCK = 6; // the thread ignores the interrupt
  private static final int DONE = 7;
  private static final int NOT_STARTED = 8;

  private final int threads;
  private final int maxAbandoned;
  private final ThreadPoolExecutor pool;
  private final ScheduledExecutorService timer;
  private final Ticker ticker;
  private final AtomicInteger abandoned = new AtomicInteger();
  private final AtomicLong notStarted = new AtomicLong();
  private final AtomicLong heldAtBound = new AtomicLong();
  private final ReentrantLock resizeLock = new ReentrantLock();
  private final AtomicLong sequence = new AtomicLong();

  CheckRunner(int threads, int maxAbandoned, ThreadFactory factory, ScheduledExecutorService timer, Ticker ticker) {
    this.threads = threads;
    this.maxAbandoned = maxAbandoned;
    this.timer = timer;
    this.ticker = ticker;
    // core = max: with an unbounded queue a pool never grows past its core size. The queue holds at
    // most one check per service (a service never has two in flight, and a check that waited too
    // long is removed), so it is bounded by the number of services.
    this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new PriorityBlockingQueue<>(), factory);
    pool.allowCoreThreadTimeOut(true);
  }

  /** Check threads that run checks (the configured {@code maxConcurrentChecks}). */
  int threads() {
    return threads;
  }

  int maxAbandoned() {
    return maxAbandoned;
  }

  /** Threads abandoned to overrunning checks that have not returned yet (at most {@link #maxAbandoned()}). */
  int abandoned() {
    return abandoned.get();
  }

  /** Checks that could not start within their timeout, since creation. */
  long notStarted() {
    return notStarted.get();
  }

  /** Overrunning checks whose thread could not be replaced because {@code maxAbandoned} was reached. */
  long heldAtBound() {
    return heldAtBound.get();
  }

  /**
   * Submits {@code check}; checks of higher {@code priority} start first. Returns null (nothing will
   * be reported) if the runner is shut down.
   */
  Attempt submit(String service, HealthCheck check, long timeoutNanos, int priority, Listener listener) {
    Attempt a = new Attempt(service, check, timeoutNanos, priority, listener, System.nanoTime());
    try {
      pool.execute(a);
    } catch (RejectedExecutionException closing) {
      a.state.set(DONE);
      return null;
    }
    Watchdog.watch(a);
    return a;
  }

  void shutdownNow() {
    pool.shutdownNow();
  }

  /**
   * Waits up to {@code nanos} for the check threads to end, not counting abandoned ones (they end
   * when their check returns; they are daemon threads). Returns whether only those remain.
   */
  boolean awaitTermination(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    while (!pool.awaitTermination(Math.min(10_000_000L, Math.max(0, deadline - System.nanoTime())),
        TimeUnit.NANOSECONDS)) {
      if (pool.getPoolSize() <= abandoned.get()) {
        return true;
      }
      if (deadline - System.nanoTime() <= 0) {
        return false;
      }
    }
    return true;
  }

  private boolean tryAbandon() {
    for (;;) {
      int a = abandoned.get();
      if (a >= maxAbandoned) {
        heldAtBound.incrementAndGet();
        return false;
      }
      if (abandoned.compareAndSet(a, a + 1)) {
        resize();
        return true;
      }
    }
  }

  private void releaseAbandoned() {
    abandoned.decrementAndGet();
    resize();
  }

  /**
   * Pool size = threads + abandoned. Growing starts a worker for a queued check at once; shrinking
   * lets the thread whose check just returned (or an idle one) end instead of taking the next check.
   */
  private void resize() {
    resizeLock.lock();
    try {
      int target = threads + abandoned.get();
      if (target > pool.getMaximumPoolSize()) {
        pool.setMaximumPoolSize(target);
        pool.setCorePoolSize(target);
      } else if (target < pool.getMaximumPoolSize()) {
        pool.setCorePoolSize(target);
        pool.setMaximumPoolSize(target);
      }
    } finally {
      resizeLock.unlock();
    }
  }

  /** One run of one check. */
  final class Attempt implements Runnable, Comparable<Attempt>, Watchdog.Expiring {
    final String service;
    private final HealthCheck check;
    private final long timeoutNanos;
    private final int priority;
    private final long seq = sequence.incrementAndGet();
    private final Listener listener;
    private final long queuedAt;
    final AtomicInteger state = new AtomicInteger(QUEUED);
    /** An overrun ends when both the deadline's report and the thread's return are through. */
    private final AtomicInteger lateSteps = new AtomicInteger(2);
    /** Queue-wait deadline, then (if it started late) run deadline, in {@link System#nanoTime()} terms. */
    private volatile long deadlineAt;
    private volatile long startedAt; // System.nanoTime()
    private volatile long startedTick; // ticker, for the latency
    private volatile Thread runner;
    private volatile CompletionStage<CheckResult> stage;
    private volatile boolean threadAbandoned;

    Attempt(String service, HealthCheck check, long timeoutNanos, int priority, Listener listener, long queuedAt) {
      this.service = service;
      this.check = check;
      this.timeoutNanos = timeoutNanos;
      this.priority = priority;
      this.listener = listener;
      this.queuedAt = queuedAt;
      this.deadlineAt = queuedAt + timeoutNanos;
    }

    @Override
    public long deadline() {
      return deadlineAt;
    }

    @Override
    public boolean isDone() {
      int s = state.get();
      return s == DONE || s == NOT_STARTED || s == STUCK || s == STUCKING;
    }

    /** On the watchdog's thread: hand over to the manager's scheduler (listeners may log). */
    @Override
    public void expire() {
      try {
        timer.execute(this::onDeadline);
      } catch (RejectedExecutionException closing) {
        // the manager is closing: nothing is reported any more
      }
    }

    /** Queue order: higher priority first, then first submitted first. */
    @Override
    public int compareTo(Attempt o) {
      return priority != o.priority ? Integer.compare(o.priority, priority) : Long.compare(seq, o.seq);
    }

    /** The thread running (or stuck in) the check; null before it started. */
    Thread thread() {
      return runner;
    }

    /** How long the check has been running (0 before it started). */
    long runningNanos() {
      int s = state.get();
      return s == QUEUED || s == NOT_STARTED ? 0 : System.nanoTime() - startedAt;
    }

    /** Whether the overrunning check's thread was replaced in the pool. */
    boolean threadAbandoned() {
      return threadAbandoned;
    }

    @Override
    public void run() {
      startedAt = System.nanoTime(); // before the CAS, so the deadline sees it once RUNNING
      startedTick = ticker.read();
      runner = Thread.currentThread();
      if (!state.compareAndSet(QUEUED, RUNNING)) {
        return; // waited past its timeout: already reported as not started
      }
      CompletionStage<CheckResult> s;
      try {
        s = Objects.requireNonNull(check.checkAsync(), "check returned null");
      } catch (Throwable t) {
        s = CompletableFuture.completedFuture(CheckResult.down(t));
      }
      stage = s;
      if (state.compareAndSet(RUNNING, AWAITING)) {
        // a blocking check's stage is complete: this runs at once, on this thread
        s.whenComplete(this::complete);
        return;
      }
      // the deadline passed while the check ran: its outcome is already recorded as a timeout
      int now;
      while ((now = state.get()) == INTERRUPTING || now == STUCKING) {
        Thread.onSpinWait(); // the deadline's interrupt() or the stuck report is under way: brief
      }
      Thread.interrupted(); // that interrupt was meant for this check, not for the next one here
      cancel(s);
      if (now == INTERRUPTED && !state.compareAndSet(INTERRUPTED, DONE)) {
        while (state.get() == STUCKING) {
          Thread.onSpinWait(); // the grace passed just now: let the stuck report finish first
        }
      }
      if (lateSteps.decrementAndGet() == 0) {
        endOverrun();
      }
    }

    private void complete(CheckResult r, Throwable e) {
      if (!state.compareAndSet(AWAITING, DONE)) {
        return; // timed out first
      }
      java.time.Duration latency = java.time.Duration.ofNanos(ticker.read() - startedTick);
      CheckResult result = e != null ? CheckResult.down(io.lifeline.core.ErrorClassifier.unwrap(e))
          : r == null ? CheckResult.down("check returned null") : r.withLatencyIfAbsent(latency);
      listener.finished(result);
    }

    /** Runs on the scheduler thread at the queue-wait deadline, and again at the run deadline if needed. */
    void onDeadline() {
      for (;;) {
        int s = state.get();
        switch (s) {
          case QUEUED:
            if (state.compareAndSet(QUEUED, NOT_STARTED)) {
              pool.remove(this); // so the queue never holds more than one check per service
              notStarted.incrementAndGet();
              listener.notStarted(System.nanoTime() - queuedAt);
              return;
            }
            continue;
          case RUNNING:
          case AWAITING:
            long runDeadline = startedAt + timeoutNanos;
            if (runDeadline - System.nanoTime() > 0) {
              deadlineAt = runDeadline; // it waited for a thread: its run time counts from its start
              Watchdog.watch(this);
              return;
            }
            if (s == AWAITING) {
              if (state.compareAndSet(AWAITING, DONE)) {
                cancel(stage);
                listener.timedOut(this, false);
                return;
              }
              continue;
            }
            if (state.compareAndSet(RUNNING, INTERRUPTING)) {
              runner.interrupt(); // a check that honours interrupts frees its thread at once
              state.set(INTERRUPTED);
              threadAbandoned = tryAbandon(); // replaced now: the caller side moves on at the timeout
              listener.timedOut(this, true);
              deadlineAt = System.nanoTime() + GRACE_NANOS;
              Watchdog.watch(this);
              if (lateSteps.decrementAndGet() == 0) {
                endOverrun();
              }
              return;
            }
            continue;
          case INTERRUPTED:
            if (deadlineAt - System.nanoTime() > 0) {
              Watchdog.watch(this); // not yet (a spurious early call)
              return;
            }
            if (state.compareAndSet(INTERRUPTED, STUCKING)) {
              listener.stuck(this);
              state.set(STUCK);
              return;
            }
            continue;
          default:
            return;
        }
      }
    }

    /** Both the timeout report and the thread's return are through (in either order). */
    private void endOverrun() {
      state.set(DONE);
      if (threadAbandoned) {
        releaseAbandoned();
      }
      listener.returnedLate(this);
    }

    private void cancel(CompletionStage<CheckResult> s) {
      if (s instanceof Future) {
        ((Future<?>) s).cancel(true); // an async check's own I/O may stop on cancel (e.g. HttpClient)
      }
    }
  }
}
