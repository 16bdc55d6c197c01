package io.lifeline.redis.internal;

import io.lifeline.core.Ticker;
import io.lifeline.redis.RedisOperations;
import io.lifeline.redis.RedisWrongTypeException;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory stand-in for Redis while it is down: strings and hashes with per-entry TTLs and
 * Redis's semantics for every supported operation (missing keys, TTL -2/-1, EXPIRE on a missing
 * key, a zero or negative EXPIRE deleting, SET replacing type and TTL, HSET keeping the TTL, an
 * emptied hash disappearing, WRONGTYPE), proven against a real Redis by a differential test.
 *
 * <p><b>Hard bounds.</b> At most {@code maxEntries} entries and {@code maxBytes} estimated bytes
 * at every moment, not eventually: each operation admits its entry and evicts the least recently
 * used ones in one step under one lock, so no concurrent writer ever sees (or makes) the cache
 * larger than its bounds. (Caffeine, used before, evicts after the write in batched maintenance:
 * 8 writers took a 1 000-entry cache to 1 035-1 257 entries.) The lock is a {@link ReentrantLock},
 * never a monitor (virtual threads), held for a few map operations per call; this cache only serves while
 * Redis is down, never on the guarded hot path. An entry larger than {@code maxBytes} on its own is
 * not kept (the write succeeds and the key reads as evicted).
 *
 * <p>Expired entries are dropped when touched; until then they count against the bounds and are
 * evicted like any cold entry. Thread-safe.
 */
public final class FallbackCache implements RedisOperations {
  /** Expiry instant meaning "no TTL". */
  public static final long NO_EXPIRY = Long.MAX_VALUE;
  private static final int ENTRY_OVERHEAD = 48;
  private static final int FIELD_OVERHEAD = 32;

  private final ReentrantLock lock = new ReentrantLock();
  private final LinkedHashMap<String, Entry> map = new LinkedHashMap<>(16, 0.75f, true); // LRU order
  private final Ticker ticker;
  private final long maxEntries;
  private final long maxBytes;
  private long bytes; // guarded by lock
  // copies of map.size() and bytes, written under the lock after each change: gauges read them
  // without taking the lock (a sampler must not starve the writers it observes)
  private volatile long sizeView;
  private volatile long bytesView;
  private final java.util.concurrent.atomic.LongAdder evictions; // may be shared across caches

  /**
   * @throws IllegalArgumentException if a bound is not positive
   */
  public FallbackCache(long maxEntries, long maxBytes, Ticker ticker) {
    this(maxEntries, maxBytes, ticker, new java.util.concurrent.atomic.LongAdder());
  }

  /** As above, counting entries evicted by the bounds into {@code evictions}. */
  public FallbackCache(long maxEntries, long maxBytes, Ticker ticker,
      java.util.concurrent.atomic.LongAdder evictions) {
    this.evictions = Objects.requireNonNull(evictions, "evictions");
    if (maxEntries < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("bounds must be positive");
    }
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  /** A value: a string or an (immutable) hash, with its expiry instant on the ticker's clock. */
  public static final class Entry {
    final String string;
    final Map<String, String> hash;
    final long expireAt;
    final long bytes;

    Entry(String key, String string, Map<String, String> hash, long expireAt) {
      this.string = string;
      this.hash = hash;
      this.expireAt = expireAt;
      long b = ENTRY_OVERHEAD + 2L * key.length();
      if (string != null) {
        b += 2L * string.length();
      } else {
        for (Map.Entry<String, String> f : hash.entrySet()) {
          b += FIELD_OVERHEAD + 2L * (f.getKey().length() + f.getValue().length());
        }
      }
      this.bytes = b;
    }

    public boolean isHash() {
      return hash != null;
    }

    public String string() {
      return string;
    }

    public Map<String, String> hash() {
      return hash;
    }

    /** Expiry instant (ticker nanos), or {@link #NO_EXPIRY}. */
    public long expireAt() {
      return expireAt;
    }

    boolean expired(long now) {
      return expireAt != NO_EXPIRY && expireAt - now <= 0;
    }
  }

  // ------------------------------------------------------------------ storage (hold the lock)

  /** The live entry for {@code key}, dropping it if expired; marks it recently used. */
  private Entry liveLocked(String key, long now) {
    Entry e = map.get(key);
    if (e != null && e.expired(now)) {
      removeLocked(key);
      return null;
    }
    return e;
  }

  private Entry removeLocked(String key) {
    Entry prior = map.remove(key);
    if (prior != null) {
      bytes -= prior.bytes;
      publishLocked();
    }
    return prior;
  }

  private void publishLocked() {
    sizeView = map.size();
    bytesView = bytes;
  }

  /** Stores {@code e} (replacing any entry) and evicts least recently used entries until both bounds hold. */
  private void putLocked(String key, Entry e) {
    removeLocked(key);
    if (e.bytes > maxBytes) {
      evictions.increment();
      return; // would evict everything else and then itself: written, and evicted at once
    }
    map.put(key, e);
    bytes += e.bytes;
    Iterator<Entry> it = map.values().iterator();
    while ((map.size() > maxEntries || bytes > maxBytes) && it.hasNext()) {
      Entry eldest = it.next();
      it.remove();
      bytes -= eldest.bytes;
      evictions.increment();
    }
    publishLocked(); // only once both bounds hold again
  }

  private Entry live(String key) {
    Objects.requireNonNull(key, "key");
    lock.lock();
    try {
      return liveLocked(key, ticker.read());
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------------------- inspection

  /** The live entry for {@code key}, or null (for reconciliation). */
  public Entry entry(String key) {
    return live(key);
  }

  /** Remaining TTL of {@code e} in milliseconds (at least 1), or -1 without expiry. */
  public long remainingMillis(Entry e) {
    if (e.expireAt == NO_EXPIRY) {
      return -1;
    }
    return Math.max(1, (e.expireAt - ticker.read()) / 1_000_000);
  }

  /** A snapshot of the keys held (for reconciliation after an overflow). */
  public List<String> keys() {
    lock.lock();
    try {
      return List.copyOf(map.keySet());
    } finally {
      lock.unlock();
    }
  }

  /**
   * Entries held, never more than {@code maxEntries}; includes expired entries not yet touched or
   * evicted. Lock-free.
   */
  public long size() {
    return sizeView;
  }

  /** Estimated bytes of the entries held, never more than {@code maxBytes}. Lock-free. */
  public long weight() {
    return bytesView;
  }

  /** Removes everything. */
  public void clear() {
    lock.lock();
    try {
      map.clear();
      bytes = 0;
      publishLocked();
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------------------- operations

  @Override
  public String get(String key) {
    Entry e = live(key);
    if (e == null) {
      return null;
    }
    if (e.hash != null) {
      throw new RedisWrongTypeException();
    }
    return e.string;
  }

  @Override
  public void set(String key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    put(key, new Entry(key, value, null, NO_EXPIRY));
  }

  @Override
  public void set(String key, String value, Duration ttl) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    requireTtl(ttl);
    put(key, new Entry(key, value, null, ticker.read() + ttl.toNanos()));
  }

  private void put(String key, Entry e) {
    lock.lock();
    try {
      putLocked(key, e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The longest per-call TTL: 100 years. Redis itself rejects a TTL whose expiry overflows its
   * clock ("invalid expire time"), and the fallback keeps expiry in {@code nanoTime} terms, which
   * compare safely by subtraction only below about 146 years; a larger {@code Duration} would make
   * {@code toMillis()} / {@code toNanos()} throw {@code ArithmeticException} instead of a clear error.
   */
  public static final Duration MAX_TTL = Duration.ofDays(36_500);

  /** As Redis: {@code SET ... PX 0} is an error ("invalid expire time"); so is a TTL above {@link #MAX_TTL}. */
  public static void requireTtl(Duration ttl) {
    requireExpireTtl(ttl);
    if (ttl.isNegative() || ttl.toMillis() < 1) {
      throw new IllegalArgumentException("ttl=" + ttl + ": must be between 1ms and " + MAX_TTL.toDays() + " days");
    }
  }

  /** EXPIRE accepts zero or a negative TTL (the key is deleted), but nothing above {@link #MAX_TTL}. */
  public static void requireExpireTtl(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("ttl=" + ttl + ": must be at most " + MAX_TTL.toDays() + " days");
    }
  }

  @Override
  public boolean delete(String key) {
    Objects.requireNonNull(key, "key");
    lock.lock();
    try {
      Entry prior = removeLocked(key);
      return prior != null && !prior.expired(ticker.read());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean exists(String key) {
    return live(key) != null;
  }

  @Override
  public boolean expire(String key, Duration ttl) {
    Objects.requireNonNull(key, "key");
    requireExpireTtl(ttl);
    lock.lock();
    try {
      long now = ticker.read();
      Entry e = liveLocked(key, now);
      if (e == null) {
        return false;
      }
      if (ttl.isNegative() || ttl.toMillis() <= 0) {
        removeLocked(key); // Redis deletes a key given a TTL in the past
      } else {
        putLocked(key, new Entry(key, e.string, e.hash, now + TimeUnit.MILLISECONDS.toNanos(ttl.toMillis())));
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long ttl(String key) {
    Entry e = live(key);
    if (e == null) {
      return -2;
    }
    if (e.expireAt == NO_EXPIRY) {
      return -1;
    }
    long ms = (e.expireAt - ticker.read()) / 1_000_000;
    return (ms + 500) / 1000; // Redis rounds
  }

  @Override
  public String hget(String key, String field) {
    Objects.requireNonNull(field, "field");
    Entry e = live(key);
    if (e == null) {
      return null;
    }
    if (e.hash == null) {
      throw new RedisWrongTypeException();
    }
    return e.hash.get(field);
  }

  @Override
  public boolean hset(String key, String field, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(value, "value");
    lock.lock();
    try {
      Entry e = liveLocked(key, ticker.read());
      if (e != null && e.hash == null) {
        throw new RedisWrongTypeException();
      }
      Map<String, String> h = e == null ? new HashMap<>() : new HashMap<>(e.hash);
      boolean added = h.put(field, value) == null;
      putLocked(key, new Entry(key, null, Collections.unmodifiableMap(h), e == null ? NO_EXPIRY : e.expireAt));
      return added;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Map<String, String> hgetAll(String key) {
    Entry e = live(key);
    if (e == null) {
      return Map.of();
    }
    if (e.hash == null) {
      throw new RedisWrongTypeException();
    }
    return Map.copyOf(e.hash);
  }

  @Override
  public long hdel(String key, String... fields) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(fields, "fields");
    if (fields.length == 0) {
      throw new IllegalArgumentException("hdel needs at least one field");
    }
    for (String f : fields) {
      Objects.requireNonNull(f, "field");
    }
    lock.lock();
    try {
      Entry e = liveLocked(key, ticker.read());
      if (e == null) {
        return 0;
      }
      if (e.hash == null) {
        throw new RedisWrongTypeException();
      }
      Map<String, String> h = new HashMap<>(e.hash);
      long removed = 0;
      for (String f : fields) {
        if (h.remove(f) != null) {
          removed++;
        }
      }
      if (removed > 0) {
        if (h.isEmpty()) {
          removeLocked(key);
        } else {
          putLocked(key, new Entry(key, null, Collections.unmodifiableMap(h), e.expireAt));
        }
      }
      return removed;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "FallbackCache[max " + maxEntries + " entries / " + maxBytes + " bytes]";
  }
}
