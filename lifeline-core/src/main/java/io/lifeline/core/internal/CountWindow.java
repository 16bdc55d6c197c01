package io.lifeline.core.internal;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The last {@code size} outcomes, exactly, without a lock: a ring of slots plus one summary word.
 *
 * <pre>
 * summary word: 63 .. 50 | 49 ....... 30 | 29 | 28 ..... 15 | 14 ...... 0
 *               next slot | lap (19 bits) |full| slow calls  | failed calls
 * slot (int):   24 ......... 6 | 5 .. 3  | 2 .. 0
 *               lap (19 bits)  | evicted | outcome       (outcome: PRESENT | FAILED | SLOW bits)
 * </pre>
 *
 * A call claims the next ticket (slot, lap) by one CAS on that slot, from "holds the previous lap's
 * outcome" to "holds mine, and the outcome I evicted". That claim is the call's linearization
 * point. The summary word then moves past the ticket, adding the new outcome and subtracting the
 * evicted one; any thread that finds a claimed ticket the summary has not moved past yet does that
 * step for it (helping), so no thread ever waits for another, and a claim never happens before the
 * previous ticket is in the summary. The counts are therefore exact at every moment: the window
 * Lincheck checks against a plain list of the last {@code size} outcomes.
 *
 * <p>Success path: when the window is full of successes (no failed or slow call among the last
 * {@code size}), recording a success changes nothing, so it is two volatile reads and no write.
 * Every other outcome is two CAS. Nothing is allocated per call. Sizes up to {@value #MAX_SIZE}.
 * Not API.
 */
public final class CountWindow extends SlidingWindow {
  /** Largest window: slot indexes and counts have 14 bits. */
  public static final int MAX_SIZE = 10_000;

  private static final int COUNT_BITS = 15;
  private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
  private static final int SLOW_SHIFT = COUNT_BITS;
  private static final long FULL = 1L << 30;
  private static final int LAP_SHIFT = 31;
  private static final long LAP_MASK = (1L << 19) - 1;
  private static final int INDEX_SHIFT = 50;

  private static final int PRESENT = 4;
  private static final int OUTCOME_MASK = 7;
  private static final int SLOT_LAP_SHIFT = 6;

  private final int size;
  private final AtomicLong summary;
  private final AtomicIntegerArray slots;

  public CountWindow(long generation, int size, int minimumNumberOfCalls, float failureRateThreshold,
      float slowCallRateThreshold) {
    super(generation, Math.min(minimumNumberOfCalls, size), failureRateThreshold, slowCallRateThreshold);
    if (size < 1 || size > MAX_SIZE) {
      throw new IllegalArgumentException("size " + size);
    }
    this.size = size;
    this.slots = new AtomicIntegerArray(size); // lap 0, empty: the "previous lap" of lap 1
    this.summary = new AtomicLong(1L << LAP_SHIFT); // slot 0, lap 1, not full, no counts
  }

  private static int index(long s) {
    return (int) (s >>> INDEX_SHIFT);
  }

  private static int lap(long s) {
    return (int) ((s >>> LAP_SHIFT) & LAP_MASK);
  }

  private static int slotLap(int slot) {
    return (int) ((slot >>> SLOT_LAP_SHIFT) & LAP_MASK);
  }

  private static long failedOf(long s) {
    return s & COUNT_MASK;
  }

  private static long slowOf(long s) {
    return (s >>> SLOW_SHIFT) & COUNT_MASK;
  }

  private long totalOf(long s) {
    return (s & FULL) != 0 ? size : index(s);
  }

  @Override
  public boolean record(int outcome, long nowNanos) {
    int mine = PRESENT | outcome;
    for (;;) {
      long s = summary.get();
      int i = index(s);
      int slot = slots.get(i);
      int lap = lap(s);
      int seen = slotLap(slot);
      if (seen == lap) {
        help(s, slot); // claimed, not yet counted
        continue;
      }
      if (seen != ((lap - 1) & LAP_MASK)) {
        continue; // the summary moved on between the two reads
      }
      // the slot still holds the previous lap, so s was current when the slot was read
      if (outcome == SUCCESS && (s & FULL) != 0 && (s & (COUNT_MASK | COUNT_MASK << SLOW_SHIFT)) == 0) {
        return false; // all successes: one more changes nothing
      }
      int claimed = lap << SLOT_LAP_SHIFT | (slot & OUTCOME_MASK) << 3 | mine;
      if (slots.compareAndSet(i, slot, claimed)) {
        // the window right after this call, whichever thread moves the summary there
        long after = help(s, claimed);
        return reached(totalOf(after), failedOf(after), slowOf(after));
      }
    }
  }

  /**
   * Moves the summary {@code s} past its ticket, whose slot now holds {@code claimed} (unless another
   * thread already did), and returns the summary right after that ticket.
   */
  private long help(long s, int claimed) {
    int evicted = (claimed >>> 3) & OUTCOME_MASK;
    int added = claimed & OUTCOME_MASK;
    long delta = contribution(added) - contribution(evicted);
    int i = index(s) + 1;
    long next;
    if (i == size) {
      next = (s & ~(((long) 0x3FFF << INDEX_SHIFT) | (LAP_MASK << LAP_SHIFT)))
          | ((long) ((lap(s) + 1) & LAP_MASK) << LAP_SHIFT) | FULL;
    } else {
      next = (s & ~((long) 0x3FFF << INDEX_SHIFT)) | ((long) i << INDEX_SHIFT);
    }
    next += delta;
    summary.compareAndSet(s, next); // fails only if another thread made the same move
    return next;
  }

  private static long contribution(int outcome) {
    return ((outcome & FAILED) != 0 ? 1 : 0) + ((outcome & SLOW) != 0 ? 1L << SLOW_SHIFT : 0);
  }

  @Override
  public long counts(long nowNanos) {
    for (;;) {
      long s = summary.get();
      int slot = slots.get(index(s));
      int seen = slotLap(slot);
      if (seen == lap(s)) {
        help(s, slot);
        continue;
      }
      if (seen != ((lap(s) - 1) & LAP_MASK)) {
        continue;
      }
      return pack(totalOf(s), failedOf(s), slowOf(s));
    }
  }
}
