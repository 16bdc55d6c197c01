package io.lifeline.redis.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The keys written to the fallback during an outage, each with the sequence number of its latest
 * write, bounded to {@code max} keys. Reconciliation removes a key only if it was not written again
 * since it was read ({@link #remove(String, long)}), so a concurrent write is never lost. When the
 * bound is reached the set records an overflow instead of growing. Lock-free, thread-safe.
 */
public final class TouchedKeys {
  private final ConcurrentHashMap<String, Long> keys = new ConcurrentHashMap<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicLong sequence = new AtomicLong();
  private final int max;
  private volatile boolean overflowed;

  public TouchedKeys(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be >= 1");
    }
    this.max = max;
  }

  /** Records a write of {@code key}; false (nothing recorded) when the key is new and the set is full. */
  public boolean add(String key) {
    long seq = sequence.incrementAndGet();
    if (keys.replace(key, seq) != null) {
      return true;
    }
    for (;;) {
      int s = size.get();
      if (s >= max) {
        return keys.replace(key, seq) != null; // raced with another writer of the same key
      }
      if (size.compareAndSet(s, s + 1)) {
        break;
      }
    }
    if (keys.put(key, seq) != null) {
      size.decrementAndGet();
    }
    return true;
  }

  /** Removes {@code key} if its latest write is still {@code seq}. */
  public boolean remove(String key, long seq) {
    if (keys.remove(key, seq)) {
      size.decrementAndGet();
      return true;
    }
    return false;
  }

  /** True if {@code key} was written (and not yet reconciled). */
  public boolean contains(String key) {
    return keys.containsKey(key);
  }

  /** A snapshot: key → sequence of its latest write. */
  public Map<String, Long> snapshot() {
    return Map.copyOf(keys);
  }

  public int size() {
    return size.get();
  }

  public int max() {
    return max;
  }

  public boolean isEmpty() {
    return size.get() == 0;
  }

  public void markOverflow() {
    overflowed = true;
  }

  public boolean overflowed() {
    return overflowed;
  }

  public void clearOverflow() {
    overflowed = false;
  }
}
