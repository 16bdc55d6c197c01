package io.lifeline.core.internal;

import io.lifeline.core.ConnectionPool;
import io.lifeline.core.Ticker;
import io.lifeline.core.spi.Instrumentation;
import io.lifeline.core.spi.Instrumented;
import io.lifeline.core.spi.MeterSink;
import io.lifeline.core.spi.Timing;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one {@link ConnectionPool}: size, active, idle and pending acquirers read from the
 * pool itself, acquire timeouts counted here, and acquire durations timed only while a binder
 * listens. Registered with {@link Instrumentation} for the pool's life; {@link #close()} on pool
 * close.
 */
public final class PoolMeters implements Instrumented {
  private final ConnectionPool<?> pool;
  private final Ticker ticker;
  private final LongAdder timeouts = new LongAdder();
  private final Timing acquireTiming = Timing.of("outcome");
  private final Instrumentation.Registration registration;

  public PoolMeters(ConnectionPool<?> pool, Ticker ticker) {
    this.pool = pool;
    this.ticker = ticker;
    this.registration = Instrumentation.register(this);
  }

  /** Before an acquire: a start time, or 0 when nobody times acquires (the clock is not read). */
  public long start() {
    return acquireTiming.isObserved() ? ticker.read() | 1 : 0;
  }

  /** After an acquire that began at {@code start}: {@code acquired} false when it timed out. */
  public void acquired(long start, boolean acquired) {
    if (!acquired) {
      timeouts.increment();
    }
    if (start != 0) {
      acquireTiming.record(ticker.read() - start, acquired ? "acquired" : "timeout");
    }
  }

  public void close() {
    registration.close();
  }

  @Override
  public void describeMeters(MeterSink sink) {
    String name = pool.name();
    sink.gauge("lifeline.pool.size", "Maximum members of the pool", null, pool, ConnectionPool::size,
        "pool", name);
    sink.gauge("lifeline.pool.active", "Members lent out", null, pool, ConnectionPool::inUse,
        "pool", name);
    sink.gauge("lifeline.pool.idle", "Members ready to lend", null, pool, ConnectionPool::idle,
        "pool", name);
    sink.gauge("lifeline.pool.pending", "Threads waiting to acquire", null, pool,
        ConnectionPool::waiting, "pool", name);
    sink.counter("lifeline.pool.acquire.timeouts", "Acquires that timed out", null, timeouts,
        LongAdder::sum, "pool", name);
    sink.timer("lifeline.pool.acquire.duration", "Time to acquire a member", acquireTiming,
        "pool", name);
  }
}
