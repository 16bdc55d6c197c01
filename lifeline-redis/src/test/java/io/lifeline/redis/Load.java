package io.lifeline.redis;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.locks.LockSupport;

/**
 * Mixed GET/SET/HSET/HGET load from N threads, paced (about one call per 0.5 ms per thread), recording
 * every exception a caller would see and the slowest call.
 */
final class Load implements AutoCloseable {
  private final RedisOperations target;
  private final Thread[] threads;
  private volatile boolean running = true;
  final AtomicLong calls = new AtomicLong();
  final LongAccumulator maxNanos = new LongAccumulator(Math::max, 0);
  final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();

  Load(RedisOperations target, int threadCount, String prefix) {
    this.target = target;
    this.threads = new Thread[threadCount];
    for (int i = 0; i < threadCount; i++) {
      int id = i;
      threads[i] = new Thread(() -> run(prefix + id + ":"), "load-" + i);
      threads[i].setDaemon(true);
      threads[i].start();
    }
  }

  private void run(String prefix) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    while (running) {
      String key = prefix + r.nextInt(50);
      long t0 = System.nanoTime();
      try {
        switch (r.nextInt(4)) {
          case 0: target.set(key, "v" + t0); break;
          case 1: target.get(key); break;
          case 2: target.hset(key + ":h", "f", "v"); break;
          default: target.hget(key + ":h", "f"); break;
        }
      } catch (Throwable e) {
        errors.add(e);
      }
      maxNanos.accumulate(System.nanoTime() - t0);
      calls.incrementAndGet();
      LockSupport.parkNanos(500_000);
    }
  }

  List<Throwable> errors() {
    return List.copyOf(errors);
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(10_000);
    }
  }
}
