package io.lifeline.core.internal;

import io.lifeline.core.ConfigurationException;
import io.lifeline.core.ConnectionPool;
import io.lifeline.core.Lease;
import io.lifeline.core.LifelineException;
import io.lifeline.core.PoolClosedException;
import io.lifeline.core.PoolTimeoutException;
import io.lifeline.core.Secrets;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.Ticker;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ConnectionPool} implementation: a lock-free "bag" of slots in the manner of HikariCP's
 * {@code ConcurrentBag}, with Stormpot-style slots that are their own leases. Not API: use {@link
 * ConnectionPool#builder}.
 *
 * <h2>Algorithm</h2>
 *
 * <ol>
 *   <li><b>Slots.</b> A fixed array of {@link PoolEntry}, one per possible member. Each has a state
 *       word (state + version) changed only by compare-and-set or by its single owner: EMPTY (no
 *       member), FREE (idle member), IN_USE (lent out), RESERVED (owned while a member is created,
 *       validated or destroyed), REMOVED (pool closed). A slot holds at most one member and is
 *       refilled only after its old member was destroyed, so at most {@code size} members live.
 *   <li><b>Acquire, fast path.</b> (a) The slots this thread released last (a per-thread {@code
 *       int[]} of at most 4 slot indices; skipped on virtual threads): CAS FREE&rarr;IN_USE. (b) A
 *       scan of all slots from a per-thread starting point: CAS FREE&rarr;IN_USE, and only if no
 *       member is free, CAS EMPTY&rarr;RESERVED and call the factory in this thread. No lock, no
 *       allocation, no clock read.
 *   <li><b>Acquire, slow path.</b> Increment {@code waiters}, scan again (a release that ran before
 *       the increment is seen by this scan; one that runs after sees {@code waiters > 0}), then
 *       {@code poll} a fair {@link SynchronousQueue} until the deadline, claiming whatever slot is
 *       handed over (FREE or EMPTY), rescanning after every wake-up. A zero timeout never waits:
 *       it scans until it either claims a slot or proves, by two consecutive scans that saw every
 *       slot busy with the same sum of versions, that every slot was busy at one instant (this
 *       makes {@code tryAcquire} linearizable; a single scan is not).
 *   <li><b>Release.</b> CAS IN_USE&rarr;FREE, record the slot in the thread's recent list, and while
 *       {@code waiters > 0} and the slot is still FREE, offer it to a waiter (yielding between
 *       tries; a waiter that is still scanning will take it with a CAS instead). A broken member is
 *       destroyed (IN_USE&rarr;RESERVED&rarr;EMPTY) and the EMPTY slot is offered the same way, so
 *       the waiter creates the replacement in its own thread.
 *   <li><b>Close.</b> Set {@code closed}; while {@code waiters > 0}, hand a sentinel to the
 *       waiters, which makes them throw {@link PoolClosedException}; then CAS every FREE or EMPTY
 *       slot to REMOVED, destroying idle members. Lent-out and in-creation slots are left to their
 *       owners: whoever frees or empties a slot reads {@code closed} afterwards and, if set,
 *       destroys the member and retires the slot itself. Every pair "write state, then read flag"
 *       against "write flag, then read state" is sequentially consistent (volatile), so at least
 *       one side sees the other. An acquire that claimed a slot before close completes normally
 *       (it linearizes before close; failing it could contradict a concurrent {@code tryAcquire}
 *       that found the pool full because of it, a bug Lincheck found): its member is destroyed
 *       when the lease is closed.
 * </ol>
 *
 * <p>Thread-local state holds slot indices only, never references, so it cannot keep a closed pool
 * reachable from a long-lived thread; with millions of virtual threads it is not used at all.
 */
public final class BagConnectionPool<T> implements ConnectionPool<T> {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionPool.class);

  /** Length of each thread's list of recently released slots. */
  private static final int RECENT_MAX = 4;

  /** With a non-system ticker, waiters re-read it at least this often. */
  private static final long TICKER_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private static final long NOT_ALL_BUSY = Long.MIN_VALUE;

  /** {@code Thread::isVirtual} on JDK 21+, else null. */
  private static final MethodHandle IS_VIRTUAL = findIsVirtual();

  private static final VarHandle CLOSED;

  static {
    try {
      CLOSED = MethodHandles.lookup().findVarHandle(BagConnectionPool.class, "closed", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String name;
  private final Callable<? extends T> factory;
  private final Predicate<? super T> validator; // null: no validation
  private final Consumer<? super T> destroyer; // null: close() if AutoCloseable
  private final Duration defaultTimeout;
  private final long defaultTimeoutNanos;
  private final Ticker ticker;
  private final boolean realTime;
  private final PoolEntry<T>[] entries;
  private final ThreadLocal<int[]> recent;
  private final AtomicInteger waiters = new AtomicInteger();
  private final SynchronousQueue<PoolEntry<T>> handoff = new SynchronousQueue<>(true);
  private final PoolEntry<T> closedSignal;
  private volatile boolean closed;
  private final PoolMeters meters; // lifeline-micrometer's view (issue 13): timeouts, acquire time
  /** {@code null} when leak detection is off (the default): then it costs one null check. */
  private final LeakDetector leaks;

  /**
   * Use {@link ConnectionPool#builder}. {@code validator} and {@code destroyer} may be null (no
   * validation; close if {@code AutoCloseable}).
   */
  public BagConnectionPool(
      String name,
      Callable<? extends T> factory,
      int size,
      Predicate<? super T> validator,
      Consumer<? super T> destroyer,
      Duration acquireTimeout,
      Ticker ticker) {
    this(name, factory, size, validator, destroyer, acquireTimeout, ticker, Duration.ZERO);
  }

  /** As above, with leak detection when {@code leakDetectionThreshold} is above zero. */
  public BagConnectionPool(
      String name,
      Callable<? extends T> factory,
      int size,
      Predicate<? super T> validator,
      Consumer<? super T> destroyer,
      Duration acquireTimeout,
      Ticker ticker,
      Duration leakDetectionThreshold) {
    this.name = Objects.requireNonNull(name, "name");
    this.factory = Objects.requireNonNull(factory, "factory");
    if (size < 1) {
      throw new ConfigurationException("size", size, "must be >= 1");
    }
    this.validator = validator;
    this.destroyer = destroyer;
    this.defaultTimeout = Objects.requireNonNull(acquireTimeout, "acquireTimeout");
    this.defaultTimeoutNanos = toNanos("acquireTimeout", acquireTimeout);
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.realTime = ticker == Ticker.system();
    @SuppressWarnings("unchecked")
    PoolEntry<T>[] es = (PoolEntry<T>[]) new PoolEntry<?>[size];
    for (int i = 0; i < size; i++) {
      es[i] = new PoolEntry<>(this, i);
    }
    this.entries = es;
    int recentSize = Math.min(RECENT_MAX, size);
    this.recent = ThreadLocal.withInitial(() -> newRecent(recentSize));
    this.closedSignal = new PoolEntry<>(this, -1);
    this.meters = new PoolMeters(this, ticker);
    this.leaks = leakDetectionThreshold.isZero() ? null
        : new LeakDetector(name, leakDetectionThreshold, ticker, es, LifelineThreads.scheduler(), LOG);
  }

  // ---------------------------------------------------------------------------------------------
  // Acquire

  @Override
  public Lease<T> acquire(Duration timeout) {
    long nanos = toNanos("timeout", timeout);
    long start = meters.start();
    PoolEntry<T> e = acquireOrNull(nanos);
    meters.acquired(start, e != null);
    if (e == null) {
      throw timeoutException(timeout);
    }
    return e;
  }

  @Override
  public Lease<T> acquire() {
    long start = meters.start();
    PoolEntry<T> e = acquireOrNull(defaultTimeoutNanos);
    meters.acquired(start, e != null);
    if (e == null) {
      throw timeoutException(defaultTimeout);
    }
    return e;
  }

  @Override
  public Optional<Lease<T>> tryAcquire() {
    return Optional.ofNullable(acquireOrNull(0));
  }

  /** A prepared lease (member present, IN_USE), or null if none within {@code timeoutNanos}. */
  private PoolEntry<T> acquireOrNull(long timeoutNanos) {
    if (closed) {
      throw closedException();
    }
    PoolEntry<T> e = claimRecent();
    if (e == null) {
      int start = startIndex();
      e = claimAny(start);
      if (e == null) {
        e = timeoutNanos == 0 ? claimOrProveAllBusy(start) : await(timeoutNanos);
        if (e == null) {
          return null;
        }
      }
    }
    // No closed check from here on: this acquire took effect when it claimed the slot. Failing it
    // now would be observably wrong (another caller may have found the pool full because of it);
    // if the pool was closed meanwhile, the member is destroyed when the lease is closed.
    PoolEntry<T> lease = prepare(e);
    if (leaks != null) {
      leaks.lent(lease);
    }
    return lease;
  }

  /** Tries the slots this thread released most recently. */
  private PoolEntry<T> claimRecent() {
    if (onVirtualThread()) {
      return null;
    }
    PoolEntry<T>[] es = entries;
    for (int idx : recent.get()) {
      if (idx < 0) {
        break;
      }
      PoolEntry<T> e = es[idx];
      long w = e.word();
      if (PoolEntry.stateOf(w) == PoolEntry.FREE && e.cas(w, PoolEntry.IN_USE)) {
        return e;
      }
    }
    return null;
  }

  /**
   * One scan from {@code start}: claims a FREE slot (to IN_USE) if any; failing that, an EMPTY slot
   * (to RESERVED). Returns null if every slot was seen busy.
   */
  private PoolEntry<T> claimAny(int start) {
    PoolEntry<T>[] es = entries;
    int n = es.length;
    boolean sawEmpty = false;
    for (int i = 0, idx = start; i < n; i++) {
      PoolEntry<T> e = es[idx];
      long w = e.word();
      int s = PoolEntry.stateOf(w);
      if (s == PoolEntry.FREE) {
        if (e.cas(w, PoolEntry.IN_USE)) {
          return e;
        }
      } else if (s == PoolEntry.EMPTY) {
        sawEmpty = true;
      }
      if (++idx == n) {
        idx = 0;
      }
    }
    if (sawEmpty) {
      for (int i = 0, idx = start; i < n; i++) {
        PoolEntry<T> e = es[idx];
        if (e.tryClaim()) {
          return e;
        }
        if (++idx == n) {
          idx = 0;
        }
      }
    }
    return null;
  }

  /**
   * Zero-timeout acquire: claims a slot, or returns null only after two consecutive scans saw every
   * slot busy with an unchanged sum of versions. Versions only grow, so an unchanged sum means no
   * slot changed between its two reads, hence all were busy at the instant the first scan ended.
   */
  private PoolEntry<T> claimOrProveAllBusy(int start) {
    for (; ; ) {
      long first = busyVersionSum();
      if (first != NOT_ALL_BUSY && busyVersionSum() == first) {
        if (closed) { // some slots may be REMOVED
          throw closedException();
        }
        return null;
      }
      PoolEntry<T> e = claimAny(start);
      if (e != null) {
        return e;
      }
      if (closed) {
        throw closedException();
      }
    }
  }

  /** Sum of all slot versions if every slot is busy (not FREE or EMPTY), else NOT_ALL_BUSY. */
  private long busyVersionSum() {
    long sum = 0;
    for (PoolEntry<T> e : entries) {
      long w = e.word();
      int s = PoolEntry.stateOf(w);
      if (s == PoolEntry.FREE || s == PoolEntry.EMPTY) {
        return NOT_ALL_BUSY;
      }
      sum += w >>> 3;
    }
    return sum;
  }

  /** Slow path: waits for a hand-off until the deadline. */
  private PoolEntry<T> await(long timeoutNanos) {
    long start = ticker.read();
    waiters.incrementAndGet();
    try {
      for (; ; ) {
        if (closed) {
          throw closedException();
        }
        PoolEntry<T> e = claimAny(startIndex());
        if (e != null) {
          return e;
        }
        long remaining = timeoutNanos - (ticker.read() - start);
        if (remaining <= 0) {
          return null;
        }
        PoolEntry<T> h;
        try {
          h = handoff.poll(realTime ? remaining : Math.min(remaining, TICKER_SLICE_NANOS),
              TimeUnit.NANOSECONDS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new LifelineException(
              "pool '" + name + "': interrupted while waiting for a member", ie);
        }
        if (h == closedSignal) {
          throw closedException();
        }
        if (h != null && h.tryClaim()) {
          return h;
        }
      }
    } finally {
      waiters.decrementAndGet();
    }
  }

  /** Turns a claimed slot into a lease: creates the member (RESERVED) or validates it (IN_USE). */
  private PoolEntry<T> prepare(PoolEntry<T> e) {
    if (e.state() == PoolEntry.RESERVED) {
      return create(e);
    }
    if (validator != null && !isValid(e.value)) {
      e.set(PoolEntry.RESERVED);
      T old = e.value;
      e.value = null;
      destroy(old);
      return create(e);
    }
    return e;
  }

  /** Fills a RESERVED, empty slot owned by this thread and lends it out. */
  private PoolEntry<T> create(PoolEntry<T> e) {
    T v;
    try {
      v = factory.call();
    } catch (Throwable t) {
      abandon(e);
      throw creationFailure(t);
    }
    if (v == null) {
      abandon(e);
      throw new ServiceUnavailableException(name, "connection factory returned null", null);
    }
    e.value = v;
    e.broken = false;
    e.set(PoolEntry.IN_USE);
    return e; // if the pool was closed meanwhile, release destroys the member
  }

  private RuntimeException creationFailure(Throwable t) {
    if (t instanceof RuntimeException) {
      return (RuntimeException) t;
    }
    if (t instanceof Error) {
      throw (Error) t;
    }
    if (t instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    return new ServiceUnavailableException(name, "connection factory failed", t);
  }

  // ---------------------------------------------------------------------------------------------
  // Release

  /** {@link Lease#close()}. */
  void release(PoolEntry<T> e) {
    long w = e.word();
    if (PoolEntry.stateOf(w) != PoolEntry.IN_USE) {
      return; // closed twice (or never lent out): nothing to do
    }
    if (leaks != null) {
      leaks.returned(e);
    }
    if (e.broken || closed) {
      if (e.cas(w, PoolEntry.RESERVED)) {
        discard(e);
      }
      return;
    }
    if (!e.cas(w, PoolEntry.FREE)) {
      return; // a concurrent second close won
    }
    remember(e.index);
    if (closed) {
      retire(e);
    } else if (waiters.get() > 0) {
      handOff(e);
    }
  }

  /** Destroys the member of a RESERVED slot owned by this thread and empties the slot. */
  private void discard(PoolEntry<T> e) {
    T v = e.value;
    e.value = null;
    e.broken = false;
    try {
      destroy(v);
    } finally {
      if (closed) {
        e.set(PoolEntry.REMOVED);
      } else {
        abandon(e);
      }
    }
  }

  /** RESERVED (owned, no member) to EMPTY; offers the slot to a waiter, or retires it if closed. */
  private void abandon(PoolEntry<T> e) {
    e.set(PoolEntry.EMPTY);
    if (closed) {
      retire(e);
    } else if (waiters.get() > 0) {
      handOff(e);
    }
  }

  /** Offers a FREE or EMPTY slot to waiters until one takes it, it is claimed, or none wait. */
  private void handOff(PoolEntry<T> e) {
    for (int spins = 0; waiters.get() > 0; spins++) {
      int s = e.state();
      if ((s != PoolEntry.FREE && s != PoolEntry.EMPTY) || handoff.offer(e)) {
        return;
      }
      if ((spins & 0xff) == 0xff) {
        LockSupport.parkNanos(10_000);
      } else {
        Thread.yield();
      }
    }
  }

  /** Records a released slot at the front of this thread's recent list. */
  private void remember(int idx) {
    if (onVirtualThread()) {
      return;
    }
    int[] r = recent.get();
    int j = 0;
    while (j < r.length - 1 && r[j] != idx) {
      j++;
    }
    if (j > 0) {
      System.arraycopy(r, 0, r, 1, j);
    }
    r[0] = idx;
  }

  // ---------------------------------------------------------------------------------------------
  // Warmup, close

  @Override
  public void warmup() {
    if (closed) {
      throw closedException();
    }
    int created = 0;
    for (PoolEntry<T> e : entries) {
      long w = e.word();
      if (PoolEntry.stateOf(w) != PoolEntry.EMPTY || !e.cas(w, PoolEntry.RESERVED)) {
        continue;
      }
      T v;
      try {
        v = factory.call();
        if (v == null) {
          throw new NullPointerException("connection factory returned null");
        }
      } catch (Throwable t) {
        abandon(e);
        if (t instanceof VirtualMachineError) {
          throw (VirtualMachineError) t;
        }
        if (t instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        throw new ServiceUnavailableException(name, "warmup created " + created
            + " member(s), then the connection factory failed; " + total() + " of "
            + entries.length + " alive", t);
      }
      e.value = v;
      e.broken = false;
      e.set(PoolEntry.FREE);
      created++;
      if (closed) {
        retire(e);
        throw closedException();
      }
      if (waiters.get() > 0) {
        handOff(e);
      }
    }
  }

  @Override
  public void close() {
    if (!CLOSED.compareAndSet(this, false, true)) {
      return;
    }
    meters.close();
    if (leaks != null) {
      leaks.stop();
    }
    boolean interrupted = false;
    while (waiters.get() > 0) {
      try {
        handoff.offer(closedSignal, 1, TimeUnit.MILLISECONDS);
      } catch (InterruptedException ie) {
        interrupted = true;
      }
    }
    for (PoolEntry<T> e : entries) {
      retire(e);
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** After close: FREE (destroying its member) or EMPTY to REMOVED; owned slots are left alone. */
  private void retire(PoolEntry<T> e) {
    for (; ; ) {
      long w = e.word();
      int s = PoolEntry.stateOf(w);
      if (s == PoolEntry.EMPTY) {
        if (e.cas(w, PoolEntry.REMOVED)) {
          return;
        }
      } else if (s == PoolEntry.FREE) {
        if (e.cas(w, PoolEntry.RESERVED)) {
          T v = e.value;
          e.value = null;
          try {
            destroy(v);
          } finally {
            e.set(PoolEntry.REMOVED);
          }
          return;
        }
      } else {
        return; // IN_USE / RESERVED: the owner retires it; REMOVED: done
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Gauges, helpers

  @Override
  public String name() {
    return name;
  }

  @Override
  public long leaksDetected() {
    return leaks == null ? 0 : leaks.detected();
  }

  /**
   * Runs leak detection's scan at {@code nowNanos} (the pool's ticker time) and returns the nanos
   * until the next lease could cross the threshold; -1 when detection is off. The scheduler calls it
   * on its own; tests call it to drive time by hand.
   */
  public long maintainLeakDetection(long nowNanos) {
    return leaks == null ? -1 : leaks.maintain(nowNanos);
  }

  @Override
  public int size() {
    return entries.length;
  }

  @Override
  public int total() {
    return count(PoolEntry.FREE, PoolEntry.IN_USE, PoolEntry.RESERVED);
  }

  @Override
  public int idle() {
    return count(PoolEntry.FREE, PoolEntry.FREE, PoolEntry.FREE);
  }

  @Override
  public int inUse() {
    return count(PoolEntry.IN_USE, PoolEntry.RESERVED, PoolEntry.RESERVED);
  }

  @Override
  public int waiting() {
    return waiters.get();
  }

  private int count(int s1, int s2, int s3) {
    int n = 0;
    for (PoolEntry<T> e : entries) {
      int s = e.state();
      if (s == s1 || s == s2 || s == s3) {
        n++;
      }
    }
    return n;
  }

  private boolean isValid(T v) {
    try {
      if (validator.test(v)) {
        return true;
      }
      LOG.debug("pool '{}': member failed validation; replacing it", name);
    } catch (Throwable ex) { // a throwing validator must never leave its slot IN_USE
      LOG.debug("pool '{}': validator threw {}; replacing the member", name, Secrets.describe(ex));
    }
    return false;
  }

  private void destroy(T v) {
    try {
      if (destroyer != null) {
        destroyer.accept(v);
      } else if (v instanceof AutoCloseable) {
        ((AutoCloseable) v).close();
      }
    } catch (Throwable ex) { // a throwing destroyer must never leave its slot RESERVED
      if (ex instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.warn("pool '{}': destroying a member failed: {}", name, Secrets.describe(ex));
      LOG.debug("pool '{}': destroyer failure", name, ex);
    }
  }

  private PoolTimeoutException timeoutException(Duration timeout) {
    int idle = idle();
    int active = inUse();
    return new PoolTimeoutException(name, timeout, idle + active, active, idle, waiters.get());
  }

  private PoolClosedException closedException() {
    return new PoolClosedException(name);
  }

  private int startIndex() {
    int n = entries.length;
    return n == 1 ? 0 : (int) ((Thread.currentThread().getId() & Long.MAX_VALUE) % n);
  }

  private static long toNanos(String key, Duration timeout) {
    Objects.requireNonNull(timeout, key);
    if (timeout.isNegative()) {
      throw new ConfigurationException(key, timeout, "must be >= 0");
    }
    try {
      return timeout.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  private static int[] newRecent(int length) {
    int[] r = new int[length];
    Arrays.fill(r, -1);
    return r;
  }

  private static boolean onVirtualThread() {
    if (IS_VIRTUAL == null) {
      return false;
    }
    try {
      return (boolean) IS_VIRTUAL.invokeExact(Thread.currentThread());
    } catch (Throwable t) {
      return false;
    }
  }

  private static MethodHandle findIsVirtual() {
    try {
      return MethodHandles.publicLookup()
          .findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // JDK < 21
    }
  }

  @Override
  public String toString() {
    int idle = idle();
    int active = inUse();
    return "ConnectionPool[" + name + ", size=" + entries.length + ", total=" + (idle + active)
        + ", active=" + active + ", idle=" + idle + ", waiting=" + waiters.get()
        + (closed ? ", closed]" : "]");
  }
}
