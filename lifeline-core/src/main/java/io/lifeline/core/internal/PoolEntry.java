package io.lifeline.core.internal;

import io.lifeline.core.Lease;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One slot of a {@link BagConnectionPool}, which is also the {@link Lease} for its member (no
 * allocation per acquisition). Not API.
 *
 * <h2>State word</h2>
 *
 * A single {@code volatile long}: the low 3 bits are the state, the rest a version that every
 * transition increments. The version makes compare-and-set immune to ABA and lets the pool prove
 * that all slots were busy at one instant (double collect, see {@link BagConnectionPool}).
 *
 * <pre>
 *   EMPTY    -> RESERVED  claim by an acquirer or warmup (CAS)
 *   RESERVED -> IN_USE    member created, lent out          RESERVED -> FREE   created by warmup
 *   RESERVED -> EMPTY     factory failed, or member destroyed (broken / invalid)
 *   FREE     -> IN_USE    borrow (CAS)                      IN_USE   -> FREE   release (CAS)
 *   IN_USE   -> RESERVED  broken on release, invalid on borrow, release after close (CAS)
 *   FREE, EMPTY -> REMOVED   pool closed (CAS; a FREE member goes through RESERVED to be destroyed)
 *   RESERVED -> REMOVED   member destroyed after close
 * </pre>
 *
 * <p>FREE and EMPTY slots are claimed by anyone with a CAS. IN_USE (lent out) and RESERVED (being
 * created, validated or destroyed) belong to exactly one thread, the only one that moves them on.
 * REMOVED is final. {@link #value} and {@link #broken} are plain fields: they are written by the
 * owner before a volatile write of the state word and read after a volatile read of it.
 */
final class PoolEntry<T> extends CacheLinePadding implements Lease<T> {
  static final int EMPTY = 0;
  static final int FREE = 1;
  static final int IN_USE = 2;
  static final int RESERVED = 3;
  static final int REMOVED = 4;

  private static final long STATE_MASK = 0b111;
  private static final long VERSION_ONE = 0b1000;
  private static final String[] NAMES = {"EMPTY", "FREE", "IN_USE", "RESERVED", "REMOVED"};
  private static final VarHandle WORD;

  static {
    try {
      WORD = MethodHandles.lookup().findVarHandle(PoolEntry.class, "word", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final BagConnectionPool<T> pool;
  final int index;
  private volatile long word; // EMPTY, version 0
  T value;
  boolean broken;
  // Leak detection only (see LeakDetector); untouched when it is off.
  /** When the current lease started; written before {@link #lentBy}. */
  long lentAt;
  /** The current lease's acquirer, {@code null} when not lent out (or detection is off). */
  volatile Throwable lentBy;
  /** Whether the current lease was reported as leaked; written by the detector's one thread. */
  volatile boolean leakReported;

  PoolEntry(BagConnectionPool<T> pool, int index) {
    this.pool = pool;
    this.index = index;
  }

  static int stateOf(long word) {
    return (int) (word & STATE_MASK);
  }

  /** The next word: version + 1, given state. */
  static long next(long word, int state) {
    return ((word & ~STATE_MASK) + VERSION_ONE) | state;
  }

  long word() {
    return word;
  }

  int state() {
    return stateOf(word);
  }

  /** CAS from exactly {@code expected} (state and version) to {@code state}. */
  boolean cas(long expected, int state) {
    return WORD.compareAndSet(this, expected, next(expected, state));
  }

  /** Claims a FREE slot (to IN_USE) or an EMPTY one (to RESERVED); false if neither or lost. */
  boolean tryClaim() {
    long w = word;
    int s = stateOf(w);
    if (s == FREE) {
      return cas(w, IN_USE);
    }
    return s == EMPTY && cas(w, RESERVED);
  }

  /** Owner-only transition (from IN_USE or RESERVED, which nobody else moves on). */
  void set(int state) {
    long w = word;
    word = next(w, state);
  }

  @Override
  public T get() {
    if (stateOf(word) != IN_USE) {
      throw new IllegalStateException("lease of pool '" + pool.name() + "' is closed");
    }
    return value;
  }

  @Override
  public void markBroken() {
    if (stateOf(word) == IN_USE) {
      broken = true;
    }
  }

  @Override
  public void close() {
    pool.release(this);
  }

  @Override
  public String toString() {
    long w = word;
    return "Lease[" + pool.name() + "#" + index + " " + NAMES[stateOf(w)] + " v" + (w >>> 3) + "]";
  }
}
