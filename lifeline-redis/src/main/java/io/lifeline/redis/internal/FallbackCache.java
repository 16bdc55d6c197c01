package io.lifeline.redis.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.lifeline.redis.RedisOperations;
import io.lifeline.redis.RedisWrongTypeException;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The in-memory stand-in for Redis while it is down: strings and hashes with per-entry TTLs and
 * Redis's semantics for every supported operation (missing keys, TTL -2/-1, EXPIRE on a missing
 * key, a zero or negative EXPIRE deleting, SET replacing type and TTL, HSET keeping the TTL, an
 * emptied hash disappearing, WRONGTYPE), proven against a real Redis by a differential test.
 *
 * <p>Bounded by entries and by estimated bytes at once: Caffeine evicts by weight (its
 * frequency-and-recency policy, "LRU-style"), and every entry weighs at least {@code maxBytes /
 * maxEntries}, so the total weight bound {@code maxBytes} also caps the count at {@code
 * maxEntries}. Maintenance runs on the calling thread, so the bounds hold right after each write.
 * Single-key operations are atomic ({@code compute}). Thread-safe.
 */
public final class FallbackCache implements RedisOperations {
  /** Expiry instant meaning "no TTL". */
  public static final long NO_EXPIRY = Long.MAX_VALUE;
  private static final int ENTRY_OVERHEAD = 48;
  private static final int FIELD_OVERHEAD = 32;

  private final Cache<String, Entry> cache;
  private final Ticker ticker;
  private final long minWeight;

  public FallbackCache(long maxEntries, long maxBytes, Ticker ticker) {
    if (maxEntries < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("bounds must be positive");
    }
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.minWeight = Math.max(1, (maxBytes + maxEntries - 1) / maxEntries);
    this.cache = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((String k, Entry e) -> (int) Math.min(Integer.MAX_VALUE, Math.max(minWeight, e.bytes)))
        .expireAfter(new EntryExpiry())
        .ticker(ticker)
        .executor(Runnable::run)
        .build();
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

  private static final class EntryExpiry implements Expiry<String, Entry> {
    @Override
    public long expireAfterCreate(String key, Entry e, long now) {
      return e.expireAt == NO_EXPIRY ? Long.MAX_VALUE : Math.max(0, e.expireAt - now);
    }

    @Override
    public long expireAfterUpdate(String key, Entry e, long now, long currentDuration) {
      return expireAfterCreate(key, e, now);
    }

    @Override
    public long expireAfterRead(String key, Entry e, long now, long currentDuration) {
      return currentDuration;
    }
  }

  private Entry live(String key) {
    Entry e = cache.getIfPresent(key);
    return e == null || e.expired(ticker.read()) ? null : e;
  }

  /** The live entry for {@code key}, or null (for reconciliation). */
  public Entry entry(String key) {
    return live(Objects.requireNonNull(key, "key"));
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
    return List.copyOf(cache.asMap().keySet());
  }

  /** Entries held, after pending maintenance. */
  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  /** Total weight (estimated bytes, each entry counted at least {@code maxBytes/maxEntries}). */
  public long weight() {
    cache.cleanUp();
    return cache.policy().eviction().map(ev -> ev.weightedSize().orElse(0)).orElse(0L);
  }

  /** Removes everything. */
  public void clear() {
    cache.invalidateAll();
    cache.cleanUp();
  }

  private long expiry(Duration ttl) {
    return ticker.read() + ttl.toNanos();
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
    Objects.requireNonNull(value, "value");
    cache.put(key, new Entry(key, value, null, NO_EXPIRY));
  }

  @Override
  public void set(String key, String value, Duration ttl) {
    Objects.requireNonNull(value, "value");
    requireTtl(ttl);
    cache.put(key, new Entry(key, value, null, expiry(ttl)));
  }

  /** As Redis: {@code SET ... PX 0} is an error ("invalid expire time"). */
  public static void requireTtl(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.toMillis() < 1) {
      throw new IllegalArgumentException("ttl must be at least 1ms: " + ttl);
    }
  }

  @Override
  public boolean delete(String key) {
    Entry prior = cache.asMap().remove(Objects.requireNonNull(key, "key"));
    return prior != null && !prior.expired(ticker.read());
  }

  @Override
  public boolean exists(String key) {
    return live(key) != null;
  }

  @Override
  public boolean expire(String key, Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    boolean[] result = new boolean[1];
    long now = ticker.read();
    cache.asMap().compute(key, (k, e) -> {
      if (e == null || e.expired(now)) {
        return null;
      }
      result[0] = true;
      if (ttl.toMillis() <= 0) {
        return null; // Redis deletes a key given a TTL in the past
      }
      return new Entry(k, e.string, e.hash, now + ttl.toMillis() * 1_000_000L);
    });
    return result[0];
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
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(value, "value");
    boolean[] added = new boolean[1];
    long now = ticker.read();
    cache.asMap().compute(key, (k, e) -> {
      if (e != null && e.expired(now)) {
        e = null;
      }
      if (e != null && e.hash == null) {
        throw new RedisWrongTypeException();
      }
      Map<String, String> h = e == null ? new HashMap<>() : new HashMap<>(e.hash);
      added[0] = h.put(field, value) == null;
      return new Entry(k, null, Collections.unmodifiableMap(h), e == null ? NO_EXPIRY : e.expireAt);
    });
    return added[0];
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
    Objects.requireNonNull(fields, "fields");
    if (fields.length == 0) {
      throw new IllegalArgumentException("hdel needs at least one field");
    }
    for (String f : fields) {
      Objects.requireNonNull(f, "field");
    }
    long[] removed = new long[1];
    long now = ticker.read();
    cache.asMap().compute(key, (k, e) -> {
      if (e == null || e.expired(now)) {
        return null;
      }
      if (e.hash == null) {
        throw new RedisWrongTypeException();
      }
      Map<String, String> h = new HashMap<>(e.hash);
      for (String f : fields) {
        if (h.remove(f) != null) {
          removed[0]++;
        }
      }
      if (removed[0] == 0) {
        return e;
      }
      return h.isEmpty() ? null : new Entry(k, null, Collections.unmodifiableMap(h), e.expireAt);
    });
    return removed[0];
  }

  @Override
  public String toString() {
    return "FallbackCache[size=" + cache.estimatedSize() + "]";
  }
}
