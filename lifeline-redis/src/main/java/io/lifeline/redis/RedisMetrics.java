package io.lifeline.redis;

import io.lifeline.core.ConnectionState;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of a {@link RedisConnectionManager}: operations by kind, fallback hits, misses and
 * writes, failed commands, outages, reconnect attempts, reconciliations. Counting is one {@link
 * LongAdder} increment (no lock, no allocation). Read a consistent-enough view with {@link
 * RedisConnectionManager#metrics()}. Thread-safe.
 */
public final class RedisMetrics {

  /** The supported operations. */
  public enum Op {
    GET(false), SET(true), DELETE(true), EXISTS(false), EXPIRE(true), TTL(false),
    HGET(false), HSET(true), HGETALL(false), HDEL(true);

    final boolean write;

    Op(boolean write) {
      this.write = write;
    }

    /** True for operations that change data. */
    public boolean isWrite() {
      return write;
    }
  }

  private final LongAdder[] ops = new LongAdder[Op.values().length];
  final LongAdder fallbackHits = new LongAdder();
  final LongAdder fallbackMisses = new LongAdder();
  final LongAdder fallbackWrites = new LongAdder();
  final LongAdder commandFailures = new LongAdder();
  final LongAdder outages = new LongAdder();
  final LongAdder reconnectAttempts = new LongAdder();
  final LongAdder reconciliations = new LongAdder();
  final LongAdder reconciledKeys = new LongAdder();
  final LongAdder namespaceFlushes = new LongAdder();
  final LongAdder overflowRejections = new LongAdder();
  final LongAdder fallbackEvictions = new LongAdder();
  final LongAdder replicaReads = new LongAdder();

  RedisMetrics() {
    for (int i = 0; i < ops.length; i++) {
      ops[i] = new LongAdder();
    }
  }

  void record(Op op) {
    ops[op.ordinal()].increment();
  }

  Snapshot snapshot(ConnectionState state, boolean usingFallback, long fallbackSize, long fallbackWeight,
      int touchedKeys) {
    Map<Op, Long> counts = new EnumMap<>(Op.class);
    for (Op op : Op.values()) {
      counts.put(op, ops[op.ordinal()].sum());
    }
    return new Snapshot(Map.copyOf(counts), fallbackHits.sum(), fallbackMisses.sum(), fallbackWrites.sum(),
        commandFailures.sum(), outages.sum(), reconnectAttempts.sum(), reconciliations.sum(),
        reconciledKeys.sum(), namespaceFlushes.sum(), overflowRejections.sum(), fallbackSize,
        fallbackWeight, touchedKeys, state, usingFallback, replicaReads.sum());
  }

  /**
   * A view of the counters and gauges.
   *
   * @param operations calls per operation (Redis or fallback)
   * @param fallbackHits reads the fallback answered with a value
   * @param fallbackMisses reads the fallback answered with "no such key"
   * @param fallbackWrites writes applied to the fallback
   * @param commandFailures Redis commands that failed (timeouts, lost connections, breaker open)
   * @param outages switches from Redis to the fallback
   * @param reconnectAttempts connection attempts while Redis was down
   * @param reconciliations completed recoveries (touched keys reconciled, traffic back on Redis)
   * @param reconciledKeys keys invalidated or written back on recovery
   * @param namespaceFlushes namespace flushes after a touched-key overflow
   * @param overflowRejections writes refused under {@link OverflowPolicy#FAIL}
   * @param fallbackSize entries in the fallback cache
   * @param fallbackWeight estimated bytes in the fallback cache
   * @param touchedKeys keys awaiting reconciliation
   * @param state the connection state
   * @param usingFallback true while calls are answered by the fallback
   * @param replicaReads reads a replica answered while the master was down (Sentinel mode)
   */
  public record Snapshot(
      Map<Op, Long> operations,
      long fallbackHits,
      long fallbackMisses,
      long fallbackWrites,
      long commandFailures,
      long outages,
      long reconnectAttempts,
      long reconciliations,
      long reconciledKeys,
      long namespaceFlushes,
      long overflowRejections,
      long fallbackSize,
      long fallbackWeight,
      int touchedKeys,
      ConnectionState state,
      boolean usingFallback,
      long replicaReads) {

    /** Calls of {@code op}. */
    public long count(Op op) {
      return operations.getOrDefault(op, 0L);
    }
  }
}
