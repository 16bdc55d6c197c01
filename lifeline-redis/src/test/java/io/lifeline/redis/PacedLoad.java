package io.lifeline.redis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A steady load through a manager at a fixed total rate from N threads: reads of keys written
 * before the load started (whose value is known, so a wrong or missing answer is counted) and
 * writes of fresh keys. Records every exception a caller sees and each call's start and duration
 * (bounded: at most {@code maxCallsPerThread} per thread).
 */
final class PacedLoad implements AutoCloseable {
  static final String PRELOADED = "pre:";

  private final RedisOperations target;
  private final Thread[] threads;
  private final long periodNanos;
  private final int preloaded;
  private final long[][] starts;
  private final long[][] durations;
  private final int[] counts;
  private volatile boolean running = true;
  final AtomicLong wrongReads = new AtomicLong();
  final AtomicLong writes = new AtomicLong();
  final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();

  PacedLoad(RedisOperations target, int threadCount, int totalOpsPerSecond, int preloaded, int maxCallsPerThread) {
    this.target = target;
    this.preloaded = preloaded;
    this.periodNanos = 1_000_000_000L * threadCount / totalOpsPerSecond;
    this.threads = new Thread[threadCount];
    this.starts = new long[threadCount][maxCallsPerThread];
    this.durations = new long[threadCount][maxCallsPerThread];
    this.counts = new int[threadCount];
    for (int i = 0; i < threadCount; i++) {
      int id = i;
      threads[i] = new Thread(() -> run(id), "paced-load-" + i);
      threads[i].setDaemon(true);
      threads[i].start();
    }
  }

  /** Writes {@code pre:0..n-1 = v0..} through {@code target}. */
  static void preload(RedisOperations target, int n) {
    for (int i = 0; i < n; i++) {
      target.set(PRELOADED + i, "v" + i);
    }
  }

  private void run(int id) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long next = System.nanoTime();
    int n = 0;
    while (running && counts[id] < starts[id].length) {
      long t0 = System.nanoTime();
      try {
        int k = r.nextInt(preloaded);
        switch (r.nextInt(5)) {
          case 0:
            target.set("w:" + id + ":" + n++, "x");
            writes.incrementAndGet();
            break;
          case 1:
            if (!target.exists(PRELOADED + k)) {
              wrongReads.incrementAndGet();
            }
            break;
          default:
            if (!("v" + k).equals(target.get(PRELOADED + k))) {
              wrongReads.incrementAndGet();
            }
            break;
        }
      } catch (Throwable e) {
        errors.add(e);
      }
      long t1 = System.nanoTime();
      int c = counts[id];
      starts[id][c] = t0;
      durations[id][c] = t1 - t0;
      counts[id] = c + 1;
      next += periodNanos;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      } else {
        next = System.nanoTime(); // behind schedule: no burst to catch up
      }
    }
  }

  List<Throwable> errors() {
    return List.copyOf(errors);
  }

  long calls() {
    long n = 0;
    for (int c : counts) {
      n += c;
    }
    return n;
  }

  /** Durations (ns) of the calls that started in {@code [fromNanos, toNanos)}; call after {@link #close()}. */
  long[] durationsBetween(long fromNanos, long toNanos) {
    List<Long> out = new ArrayList<>();
    for (int t = 0; t < threads.length; t++) {
      for (int i = 0; i < counts[t]; i++) {
        if (starts[t][i] >= fromNanos && starts[t][i] < toNanos) {
          out.add(durations[t][i]);
        }
      }
    }
    long[] a = out.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(a);
    return a;
  }

  static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(10_000);
    }
  }
}
