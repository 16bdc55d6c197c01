package io.lifeline.core.internal;

import io.lifeline.core.CircuitBreaker;
import io.lifeline.core.Ticker;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link CircuitBreaker} implementation: the whole state in one {@link AtomicLong}.
 *
 * <pre>
 *  63 | 62 61 | 60 ........ 40 | 39 ..................... 0
 *   0 | state | generation(21) | payload(40)
 *         CLOSED:    consecutive failures
 *         OPEN:      opened-at, whole milliseconds since the breaker was created (rounded up)
 *         HALF_OPEN: entered-at, whole seconds since creation mod 2^24 (bits 39..16)
 *                    | probes issued (bits 15..8) | probes succeeded (bits 7..0)
 * </pre>
 *
 * Every transition bumps the generation in the same CAS that changes the state, so the thread whose
 * CAS wins is the only one that publishes the transition (exactly once), and the generation is the
 * event's sequence number (in-order delivery). Permits are the state word at issue time; outcomes
 * whose generation is stale are dropped. The success path in CLOSED with no recorded failures is a
 * plain volatile read: no write, no allocation.
 *
 * <p>In failure-rate mode the CLOSED payload stays 0 and outcomes go to a {@link SlidingWindow}
 * instead: one per CLOSED period, tagged with that period's generation, replaced (allocated) only on
 * the transition to CLOSED and on {@link #reset()}. A window that says a rate reached its threshold
 * makes the caller try the CLOSED → OPEN CAS; exactly one wins and publishes. Not API.
 */
public final class AtomicCircuitBreaker implements CircuitBreaker {
  private static final int STATE_SHIFT = 61; // bit 63 stays 0: permits are never negative
  private static final int GEN_SHIFT = 40;
  private static final long GEN_MASK = (1L << 21) - 1;
  private static final long PAYLOAD_MASK = (1L << 40) - 1;
  private static final int HALF_SHIFT = 8;
  private static final long HALF_MASK = 0xFF;
  private static final int SINCE_SHIFT = 16;
  private static final long SINCE_MASK = (1L << 24) - 1;
  /** Largest supported {@code halfOpenProbes}: the count has 8 bits. */
  public static final int MAX_PROBES = 255;

  private static final int CLOSED = 0;
  private static final int OPEN = 1;
  private static final int HALF_OPEN = 2;
  private static final State[] STATES = {State.CLOSED, State.OPEN, State.HALF_OPEN};

  private final String name;
  private final int threshold;
  private final long openNanos;
  private final int probes;
  private final long halfOpenMaxWaitSeconds;
  private final Ticker ticker;
  private final long origin;
  private final AtomicLong word = new AtomicLong(); // CLOSED, generation 0, no failures
  private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
  private final OrderedDispatcher<Transition> dispatcher;

  /** Failure-rate mode's settings; {@code null} in consecutive-failures mode. */
  private final FailureRatePolicy policy;
  /** Failure-rate mode: the current CLOSED period's window (generation-tagged); else {@code null}. */
  private volatile SlidingWindow window;

  public AtomicCircuitBreaker(String name, int threshold, Duration openTimeout, int probes,
      Duration halfOpenMaxWait, Ticker ticker, Executor events) {
    this(name, threshold, null, openTimeout, probes, halfOpenMaxWait, ticker, events);
  }

  /**
   * With {@code policy} non-null the breaker opens on failure and slow-call rates over a sliding
   * window instead of on {@code threshold} consecutive failures (which is then unused).
   */
  public AtomicCircuitBreaker(String name, int threshold, FailureRatePolicy policy,
      Duration openTimeout, int probes, Duration halfOpenMaxWait, Ticker ticker, Executor events) {
    this.name = name;
    this.policy = policy;
    this.threshold = threshold;
    this.openNanos = openTimeout.toNanos();
    this.probes = probes;
    this.halfOpenMaxWaitSeconds = halfOpenMaxWait.toSeconds();
    this.ticker = ticker;
    this.origin = ticker.read();
    this.window = policy == null ? null : policy.newWindow(0, origin);
    this.dispatcher = new OrderedDispatcher<>("breaker '" + name + "'", events, 1, GEN_MASK, this::fanOut);
  }

  private static int state(long w) {
    return (int) (w >>> STATE_SHIFT);
  }

  private static long gen(long w) {
    return (w >>> GEN_SHIFT) & GEN_MASK;
  }

  private static long payload(long w) {
    return w & PAYLOAD_MASK;
  }

  private static long word(int state, long gen, long payload) {
    return ((long) state << STATE_SHIFT) | ((gen & GEN_MASK) << GEN_SHIFT) | payload;
  }

  private long nowMillisCeil() {
    long elapsed = ticker.read() - origin;
    return elapsed <= 0 ? 0 : (elapsed + 999_999) / 1_000_000;
  }

  private long nowSecondsFloor() {
    return Math.max(0, ticker.read() - origin) / 1_000_000_000L;
  }

  /** HALF_OPEN payload on entry: the entry second, one probe issued (the caller's), none succeeded. */
  private long halfOpenPayload() {
    return ((nowSecondsFloor() & SINCE_MASK) << SINCE_SHIFT) | (1L << HALF_SHIFT);
  }

  /** All probes are out and none came back within the max wait: they count as hung, i.e. failed. */
  private boolean probesHung(long w) {
    long since = (payload(w) >>> SINCE_SHIFT) & SINCE_MASK;
    return ((nowSecondsFloor() - since) & SINCE_MASK) > halfOpenMaxWaitSeconds;
  }

  private boolean openTimeoutPassed(long w) {
    long openedAtNanos = payload(w) * 1_000_000;
    return ticker.read() - origin - openedAtNanos >= openNanos;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public State state() {
    return STATES[state(word.get())];
  }

  @Override
  public long tryAcquirePermission() {
    for (;;) {
      long w = word.get();
      switch (state(w)) {
        case CLOSED:
          return w;
        case OPEN: {
          if (!openTimeoutPassed(w)) {
            return -1;
          }
          long payload = halfOpenPayload();
          if (moveTo(w, HALF_OPEN, payload)) {
            return word(HALF_OPEN, gen(w) + 1, payload);
          }
          break;
        }
        default: {
          long issued = (payload(w) >>> HALF_SHIFT) & HALF_MASK;
          if (issued >= probes) {
            if (probesHung(w)) {
              moveTo(w, OPEN, nowMillisCeil()); // whoever wins publishes; the call is rejected either way
            }
            return -1;
          }
          long next = w + (1L << HALF_SHIFT);
          if (word.compareAndSet(w, next)) {
            return next;
          }
        }
      }
    }
  }

  @Override
  public long startTime() {
    return policy != null && policy.slowCallDurationNanos() > 0 ? ticker.read() : NOT_TIMED;
  }

  /** The window outcome of a call that started at {@code startTime} and ended now. */
  private int outcome(int base, long startTime) {
    if (startTime == NOT_TIMED || policy == null || policy.slowCallDurationNanos() <= 0) {
      return base;
    }
    return ticker.read() - startTime >= policy.slowCallDurationNanos() ? base | SlidingWindow.SLOW : base;
  }

  /**
   * Failure-rate mode, CLOSED: records the outcome in the window of generation {@code gen(w)} and
   * opens the breaker if a rate reached its threshold. Exactly one thread's CAS opens it.
   */
  private void record(long w, int outcome) {
    SlidingWindow win = window;
    if (win.generation() != gen(w)) {
      return; // the breaker has moved on since this call's permit: its outcome is no verdict now
    }
    if (!win.record(outcome, policy.timeBased() ? ticker.read() : 0)) {
      return;
    }
    while (state(w) == CLOSED && gen(w) == win.generation()) {
      if (moveTo(w, OPEN, nowMillisCeil())) {
        return;
      }
      w = word.get();
    }
  }

  @Override
  public void onSuccess(long permit) {
    onSuccess(permit, NOT_TIMED);
  }

  @Override
  public void onFailure(long permit) {
    onFailure(permit, NOT_TIMED);
  }

  @Override
  public void onSuccess(long permit, long startTime) {
    for (;;) {
      long w = word.get();
      if (permit < 0 || gen(w) != gen(permit)) {
        return;
      }
      int s = state(w);
      if (s == CLOSED && policy != null) {
        record(w, outcome(SlidingWindow.SUCCESS, startTime));
        return;
      }
      if (s == CLOSED) {
        if (payload(w) == 0 || word.compareAndSet(w, word(CLOSED, gen(w), 0))) {
          return;
        }
      } else if (s == HALF_OPEN) {
        long succeeded = (payload(w) & HALF_MASK) + 1;
        if (succeeded >= probes) {
          if (moveTo(w, CLOSED, 0)) {
            return;
          }
        } else if (word.compareAndSet(w, w + 1)) {
          return;
        }
      } else {
        return;
      }
    }
  }

  @Override
  public void onFailure(long permit, long startTime) {
    for (;;) {
      long w = word.get();
      if (permit < 0 || gen(w) != gen(permit)) {
        return;
      }
      int s = state(w);
      if (s == CLOSED && policy != null) {
        record(w, outcome(SlidingWindow.FAILED, startTime));
        return;
      }
      if (s == CLOSED) {
        long failures = payload(w) + 1;
        if (failures >= threshold) {
          if (moveTo(w, OPEN, nowMillisCeil())) {
            return;
          }
        } else if (word.compareAndSet(w, w + 1)) {
          return;
        }
      } else if (s == HALF_OPEN) {
        if (moveTo(w, OPEN, nowMillisCeil())) {
          return;
        }
      } else {
        return;
      }
    }
  }

  @Override
  public void onIgnored(long permit) {
    for (;;) {
      long w = word.get();
      if (permit < 0 || gen(w) != gen(permit) || state(w) != HALF_OPEN
          || ((payload(w) >>> HALF_SHIFT) & HALF_MASK) == 0) {
        return;
      }
      if (word.compareAndSet(w, w - (1L << HALF_SHIFT))) {
        return;
      }
    }
  }

  @Override
  public int consecutiveFailures() {
    long w = word.get();
    return state(w) == CLOSED ? (int) payload(w) : 0;
  }

  @Override
  public Duration remainingOpenTime() {
    long w = word.get();
    if (state(w) != OPEN) {
      return Duration.ZERO;
    }
    long left = payload(w) * 1_000_000 + openNanos - (ticker.read() - origin);
    return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
  }

  @Override
  public void reset() {
    for (;;) {
      long w = word.get();
      if (state(w) == CLOSED) {
        if (policy != null) {
          window = policy.newWindow(gen(w), origin); // calls recording right now may be lost
          return;
        }
        if (payload(w) == 0 || word.compareAndSet(w, word(CLOSED, gen(w), 0))) {
          return;
        }
        continue;
      }
      if (moveTo(w, CLOSED, 0)) {
        return;
      }
    }
  }

  @Override
  public void addListener(Listener listener) {
    listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  /**
   * Moves from the observed word {@code w} to {@code to} with the next generation, and if this
   * thread's CAS won, publishes the transition (so it is published exactly once).
   */
  private boolean moveTo(long w, int to, long payload) {
    long generation = (gen(w) + 1) & GEN_MASK;
    if (!word.compareAndSet(w, word(to, generation, payload))) {
      return false;
    }
    if (to == CLOSED && policy != null) {
      // a fresh window per CLOSED period; outcomes of this generation that arrive before this
      // write find the old window's generation and are dropped
      window = policy.newWindow(generation, origin);
    }
    dispatcher.publish(generation, new Transition(name, STATES[state(w)], STATES[to], generation));
    return true;
  }

  private void fanOut(Transition t) {
    for (Listener l : listeners) {
      try {
        l.onTransition(t);
      } catch (Throwable e) { // isolate every listener, whatever it throws
        org.slf4j.LoggerFactory.getLogger(CircuitBreaker.class)
            .warn("breaker '{}': listener {} threw on {} -> {}; other listeners unaffected", name, l,
                t.from(), t.to(), e);
      }
    }
  }

  /**
   * A permit of generation {@code generation} in {@code state}, as {@link #tryAcquirePermission()}
   * would have issued it. For linearizability tests only.
   */
  public static long permitOf(State state, long generation) {
    return word(state.ordinal(), generation, 0);
  }

  /**
   * Failure-rate mode: calls, failed and slow calls in the current window, packed (read them with
   * {@link SlidingWindow#total}, {@code failed}, {@code slow}); 0 in consecutive mode. For tests.
   */
  public long windowCounts() {
    SlidingWindow win = window;
    return win == null ? 0 : win.counts(ticker.read());
  }

  /** The current generation (transitions so far, modulo 2^21). For tests and diagnostics. */
  public long generation() {
    return gen(word.get());
  }

  @Override
  public String toString() {
    long w = word.get();
    String closed;
    if (policy == null) {
      closed = ", failures=" + payload(w) + "/" + threshold;
    } else {
      long c = window.counts(ticker.read());
      closed = ", window: calls=" + SlidingWindow.total(c) + ", failed=" + SlidingWindow.failed(c)
          + ", slow=" + SlidingWindow.slow(c);
    }
    return "CircuitBreaker[" + name + ", " + STATES[state(w)] + (state(w) == CLOSED ? closed : "") + "]";
  }
}
