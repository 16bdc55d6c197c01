package io.lifeline.demo;

import io.lifeline.http.GraphitiConnectionManager;
import io.lifeline.jdbc.DatabaseConnectionManager;
import io.lifeline.jdbc.WriteCommand;
import io.lifeline.jdbc.WriteOutcome;
import io.lifeline.neo4j.Neo4jConnectionManager;
import io.lifeline.redis.RedisConnectionManager;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The demo's application: at a steady rate, per backend on its own thread (a hung backend slows only
 * its own loop), it
 *
 * <ul>
 *   <li>reads a profile from Redis and caches it when missing (fallback cache on: while Redis is
 *       down the manager answers from memory, which counts as a fallback answer);
 *   <li>writes an order to PostgreSQL with an idempotency key ({@code JOURNAL} mode: while the
 *       database is down the write is journaled durably, acknowledged, and replayed later);
 *   <li>asks Neo4j for a person's friends;
 *   <li>searches Graphiti (the demo stub).
 * </ul>
 *
 * Neo4j and Graphiti have no degraded path in Lifeline: their exceptions are counted as errors seen
 * by the application, which then answers without recommendations (counted as a fallback).
 */
final class SampleApplication implements AutoCloseable {
  /** Counters of one backend; all monotonic. */
  static final class Counters {
    final LongAdder calls = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder fallbacks = new LongAdder();
    final LongAdder journaled = new LongAdder();

    Map<String, Long> snapshot(long replays) {
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("calls", calls.sum());
      m.put("errors", errors.sum());
      m.put("fallbacks", fallbacks.sum());
      m.put("journaled", journaled.sum());
      m.put("replays", replays);
      return m;
    }
  }

  private final RedisConnectionManager redis;
  private final DatabaseConnectionManager db;
  private final Neo4jConnectionManager neo4j;
  private final GraphitiConnectionManager graphiti;
  final Counters redisCounters = new Counters();
  final Counters postgresCounters = new Counters();
  final Counters neo4jCounters = new Counters();
  final Counters graphitiCounters = new Counters();
  /** Orders the database or its journal acknowledged (APPLIED, ALREADY_APPLIED or JOURNALED). */
  final LongAdder acknowledgedOrders = new LongAdder();
  private final AtomicLong nextOrder = new AtomicLong();
  private final ScheduledExecutorService loops;
  private volatile String lastRedisError;

  SampleApplication(RedisConnectionManager redis, DatabaseConnectionManager db, Neo4jConnectionManager neo4j,
      GraphitiConnectionManager graphiti, long firstOrderId) {
    this.redis = redis;
    this.db = db;
    this.neo4j = neo4j;
    this.graphiti = graphiti;
    this.nextOrder.set(firstOrderId);
    this.loops = new ScheduledThreadPoolExecutor(4, r -> {
      Thread t = new Thread(r, "demo-app");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts {@code perBackend} requests per second on each backend. */
  void start(int perBackend) {
    long every = Math.max(1, 1_000_000 / perBackend);
    loops.scheduleWithFixedDelay(this::profile, 0, every, TimeUnit.MICROSECONDS);
    loops.scheduleWithFixedDelay(this::order, 0, every, TimeUnit.MICROSECONDS);
    loops.scheduleWithFixedDelay(this::friends, 0, every, TimeUnit.MICROSECONDS);
    loops.scheduleWithFixedDelay(this::search, 0, every, TimeUnit.MICROSECONDS);
  }

  void profile() {
    redisCounters.calls.increment();
    String key = "profile:" + ThreadLocalRandom.current().nextInt(1, 200);
    try {
      boolean fallbackBefore = redis.isUsingFallback();
      String v = redis.get(key);
      if (v == null) {
        redis.set(key, "{\"name\":\"" + key + "\"}", Duration.ofMinutes(5));
      }
      if (fallbackBefore || redis.isUsingFallback()) {
        redisCounters.fallbacks.increment();
      }
    } catch (RuntimeException e) {
      redisCounters.errors.increment();
      lastRedisError = e.toString();
    }
  }

  void order() {
    postgresCounters.calls.increment();
    long id = nextOrder.incrementAndGet();
    try {
      WriteOutcome o = db.submit(WriteCommand.of("order-" + id,
          "INSERT INTO demo_orders (id, item) VALUES (?, ?)", id, "item-" + (id % 17)));
      acknowledgedOrders.increment();
      if (o == WriteOutcome.JOURNALED) {
        postgresCounters.journaled.increment();
      }
    } catch (RuntimeException e) {
      postgresCounters.errors.increment();
    }
  }

  void friends() {
    neo4jCounters.calls.increment();
    try {
      List<Map<String, Object>> rows = neo4j.executeQuery(
          "MATCH (p:Person {id: $id})-[:KNOWS]->(f) RETURN f.name AS name",
          Map.of("id", ThreadLocalRandom.current().nextInt(1, 21)));
      rows.size();
    } catch (RuntimeException e) {
      neo4jCounters.errors.increment();
      neo4jCounters.fallbacks.increment(); // answered without recommendations
    }
  }

  void search() {
    graphitiCounters.calls.increment();
    try {
      graphiti.search(List.of("demo"), "what does person-1 like?", 3);
    } catch (RuntimeException e) {
      graphitiCounters.errors.increment();
      graphitiCounters.fallbacks.increment(); // answered without facts
    }
  }

  /** Counters by backend, for the dashboard and the summary. */
  Map<String, Map<String, Long>> counters() {
    Map<String, Map<String, Long>> m = new LinkedHashMap<>();
    m.put("redis", redisCounters.snapshot(0));
    Object replayed = db.metricsSnapshot().get("replayed");
    m.put("postgres", postgresCounters.snapshot(replayed instanceof Number ? ((Number) replayed).longValue() : 0));
    m.put("neo4j", neo4jCounters.snapshot(0));
    m.put("graphiti", graphitiCounters.snapshot(0));
    return m;
  }

  /** The last exception a Redis call threw to the application, or null. */
  String lastRedisError() {
    return lastRedisError;
  }

  /** The highest order id handed out. */
  long lastOrderId() {
    return nextOrder.get();
  }

  /** Stops the loops and waits for calls in flight (bounded). */
  @Override
  public void close() {
    loops.shutdown();
    try {
      if (!loops.awaitTermination(5, TimeUnit.SECONDS)) {
        loops.shutdownNow();
      }
    } catch (InterruptedException e) {
      loops.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
