package io.lifeline.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.DefaultEventPublisherOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.EpollProvider;
import io.lettuce.core.resource.NettyCustomizer;
import io.lifeline.core.CircuitBreaker;
import io.lifeline.core.CircuitOpenException;
import io.lifeline.core.ConnectionState;
import io.lifeline.core.ConnectionStateListener;
import io.lifeline.core.ConnectionStateTracker;
import io.lifeline.core.ErrorClassifier;
import io.lifeline.core.Guard;
import io.lifeline.core.Lifeline;
import io.lifeline.core.Secrets;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.core.health.ServiceType;
import io.lifeline.core.internal.LifelineThreads;
import io.lifeline.redis.RedisMetrics.Op;
import io.lifeline.redis.internal.FallbackCache;
import io.lifeline.redis.internal.Fmt;
import io.lifeline.redis.internal.RedisErrors;
import io.lifeline.redis.internal.SentinelNodes;
import io.lifeline.redis.internal.TouchedKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis through Lettuce, made to fail fast and degrade gracefully: while Redis is up every call goes
 * to Redis through one {@link Guard}; when it is down (connection lost, breaker open, a write
 * failed) calls are answered at once by an in-memory {@linkplain FallbackCache fallback cache} with
 * Redis's semantics, and when Redis is back the keys written meanwhile are reconciled ({@link
 * ReconciliationPolicy}) before traffic returns to it, so no caller ever reads a pre-outage value of
 * a key written during the outage.
 *
 * <pre>{@code
 * RedisConnectionManager redis = RedisConnectionManager.create(
 *     RedisConfig.builder().url("redis://localhost:6379/0").build());
 * redis.set("session:42", "alice", Duration.ofMinutes(30));
 * String user = redis.get("session:42");          // from Redis, or the fallback while it is down
 * redis.async().hset("user:42", "name", "Alice");  // CompletableFuture
 * }</pre>
 *
 * <h2>Failure behaviour</h2>
 * <ul>
 *   <li>Lettuce rejects commands while disconnected (no buffering), bounds the request queue,
 *       times out every command after {@code commandTimeout}, uses TCP keepalive and (with epoll)
 *       TCP_USER_TIMEOUT. Lettuce's auto-reconnect is off: the manager reconnects itself with
 *       jittered exponential backoff, because it must reconcile before traffic returns and must
 *       replace, not resume, a connection whose replies may be out of step after a black hole.
 *   <li>A failed read is answered by the fallback; {@code circuitBreakerThreshold} failures in a
 *       row (or a lost connection, or any failed write, whose outcome is unknown) switch the manager
 *       to the fallback, where calls never touch the network.
 *   <li>Writes during the outage go to the fallback and their keys are tracked whatever the fallback
 *       answered (at most {@code maxTouchedKeys}; beyond that {@link OverflowPolicy}). The switch
 *       back to Redis is atomic for readers: a read never finds missing a key that both the
 *       fallback and Redis hold.
 *   <li>An {@link Error} inside Lettuce (a {@code LinkageError} from mixed Netty versions) is not
 *       an outage: it is thrown to the caller, logged once at ERROR and reported as UNAVAILABLE,
 *       and never answered from the fallback until a reconnect succeeds.
 *   <li>A reconnect failure that persists past 3 attempts is a WARN, at most once a minute (the
 *       earlier ones are DEBUG); the health report carries the sanitized reason.
 *   <li>Wrong password: {@link RedisAuthenticationException} as the health error, the fallback
 *       serves, reconnects back off to ten times {@code reconnectMaxDelay}.
 *   <li>Sentinel mode ({@link RedisConfig#sentinels()}): the master is the one the Sentinels name;
 *       while it is down, reads of keys not written since are answered by a replica and the
 *       fallback answers only when none can; a Sentinel's {@code +switch-master} runs the reconnect
 *       at once; the health check reports every instance and is DEGRADED with a replica or
 *       Sentinel down (README, "Multiple instances").
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} is idempotent and stops every thread the manager started.
 */
public final class RedisConnectionManager implements RedisOperations, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisConnectionManager.class);
  /** Prefix of the manager's own thread (reconnect, reconciliation, idle PING). */
  public static final String THREAD_PREFIX = "lifeline-redis-";

  private static final int ONLINE = 0;
  private static final int OUTAGE = 1;
  private static final int CLOSED = 2;
  private static final Object RETRY = new Object();
  private static final int RECONCILE_BATCH = 1_000;
  /** Failed reconnect attempts in a row before a WARN (earlier ones are DEBUG: a blip is not news). */
  static final int WARN_AFTER_ATTEMPTS = 3;
  /** At most one "still unreachable" WARN per minute while the failure persists. */
  static final long RECONNECT_WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final RedisConfig config;
  private final String name;
  private final RedisURI uri;
  private final ClientResources resources;
  private final RedisClient client;
  private final Guard guard;
  private final TouchedKeys touched;
  private final ReentrantReadWriteLock switchLock = new ReentrantReadWriteLock();
  private final ScheduledThreadPoolExecutor scheduler;
  private final ConnectionStateTracker state;
  private final RedisMetrics metrics = new RedisMetrics();
  private final RedisMeters meters;
  private final ConnectionHealthManager health;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean recoveryScheduled = new AtomicBoolean();
  private final Delay reconnectDelay;
  private final Delay authDelay;
  private final Async async = new Async();
  /** Sentinel mode: replica reads, promotion events, per-instance health; null for a single node. */
  private final SentinelNodes sentinel;
  /** The next scheduled reconnect attempt, so a promotion event can run it at once. */
  private volatile ScheduledFuture<?> pendingRecovery;

  /**
   * The mode and the fallback cache of this outage, read together in one volatile read, so a reader
   * can never pair "outage" with the next outage's empty cache. Replaced only under the switch
   * lock's write side.
   */
  private volatile Phase phase;
  private volatile Conn conn;
  private volatile Throwable lastError;
  private volatile long outageStartedNanos;
  private int attempt; // scheduler thread only
  private long reconnectWarnedAt; // scheduler thread only; 0 = not warned in this outage
  /** The Redis client's own failure (an {@link Error}) until a reconnect succeeds; see {@link #onDriverError}. */
  private volatile Error fatal;
  private final AtomicReference<String> reportedFatal = new AtomicReference<>();
  private final ScheduledFuture<?> idlePing;

  /**
   * ONLINE, OUTAGE or CLOSED, with the fallback cache that serves in it. Going back online installs
   * a new empty cache instead of clearing the old one: a reader that saw the outage phase a moment
   * before the switch still reads that phase's cache, whose keys Redis now holds too (WRITE_BACK)
   * or had deleted (INVALIDATE: the read is simply ordered before the switch). Clearing in place
   * made such a reader see a key held on both sides as missing.
   */
  private static final class Phase {
    final int mode;
    final FallbackCache cache;

    Phase(int mode, FallbackCache cache) {
      this.mode = mode;
      this.cache = cache;
    }
  }

  /**
   * One open connection to the master and its command interfaces, with where reads go: the master
   * itself, or (Sentinel mode, read policy other than MASTER) the master/replica connection.
   */
  private static final class Conn {
    final StatefulRedisConnection<String, String> connection;
    final RedisCommands<String, String> sync;
    final RedisAsyncCommands<String, String> async;
    final RedisCommands<String, String> reads;
    final RedisAsyncCommands<String, String> readsAsync;

    Conn(StatefulRedisConnection<String, String> connection, SentinelNodes routed) {
      this.connection = connection;
      this.sync = connection.sync();
      this.async = connection.async();
      RedisCommands<String, String> r = routed == null ? null : routed.onlineSync();
      RedisAsyncCommands<String, String> ra = routed == null ? null : routed.onlineAsync();
      this.reads = r == null ? sync : r;
      this.readsAsync = ra == null ? async : ra;
    }
  }

  private RedisConnectionManager(RedisConfig config, ConnectionHealthManager health, NettyCustomizer netty) {
    this.config = Objects.requireNonNull(config, "config");
    this.name = config.name();
    this.health = health;
    this.uri = config.redisUri();
    this.reconnectDelay = Delay.fullJitter(config.reconnectMinDelay(), config.reconnectMaxDelay(),
        Math.max(1, config.reconnectMinDelay().toMillis()), TimeUnit.MILLISECONDS);
    Duration authMax = config.reconnectMaxDelay().multipliedBy(10);
    this.authDelay = Delay.equalJitter(config.reconnectMaxDelay(), authMax,
        Math.max(1, config.reconnectMaxDelay().toMillis()), TimeUnit.MILLISECONDS);
    DefaultClientResources.Builder rb = DefaultClientResources.builder()
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(2)
        .reconnectDelay(reconnectDelay)
        .commandLatencyPublisherOptions(DefaultEventPublisherOptions.disabled());
    if (netty != null) {
      rb.nettyCustomizer(netty);
    }
    this.resources = rb.build();
    this.client = RedisClient.create(resources);
    client.setOptions(clientOptions(config));
    this.phase = new Phase(OUTAGE, newFallback());
    this.sentinel = config.isSentinel()
        ? new SentinelNodes(name, resources, clientOptions(config), uri, config.masterName(),
            config.readFrom() == ReadFromPolicy.MASTER ? null : readFrom(config.readFrom()), this::recoverNow)
        : null;
    this.touched = new TouchedKeys(config.maxTouchedKeys());
    this.state = new ConnectionStateTracker(name);
    this.guard = Guard.builder(name)
        .retryConfig(config.retryConfig())
        .classifier(RedisErrors::classify)
        .backend(RedisMeters.BACKEND)
        .instrument(false) // described (and unregistered on close) with this manager's meters
        .build();
    this.meters = new RedisMeters(this);
    guard.circuitBreaker().addListener(t -> {
      if (t.to() == CircuitBreaker.State.OPEN) {
        enterOutage(new CircuitOpenException(name, CircuitBreaker.State.OPEN,
            guard.circuitBreaker().remainingOpenTime(), lastError));
      }
    });
    this.scheduler = new ScheduledThreadPoolExecutor(1, LifelineThreads.factory(THREAD_PREFIX + name + "-"));
    scheduler.setRemoveOnCancelPolicy(true);
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    client.addListener(new RedisConnectionStateListener() {
      @Override
      public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
        Conn c = conn;
        if (c != null && handler == c.connection && phase.mode == ONLINE) {
          enterOutage(new io.lettuce.core.RedisConnectionException("connection to Redis lost"));
        }
      }
    });
    if (health != null) {
      health.register(name, ServiceType.REDIS, this::healthCheck, config.features());
    }
    long interval = config.healthCheckInterval().toNanos();
    this.idlePing = scheduler.scheduleWithFixedDelay(this::idlePing, interval, interval, TimeUnit.NANOSECONDS);
    state.transitionTo(ConnectionState.CONNECTING);
    outageStartedNanos = System.nanoTime();
    recoveryScheduled.set(true);
    try {
      scheduler.submit(this::recover).get(); // first connect, bounded by the connect and command timeouts
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      LOG.warn("Redis '{}': first connection attempt failed unexpectedly: {}", name, Secrets.describe(e.getCause()));
    }
  }

  static ClientOptions clientOptions(RedisConfig config) {
    Duration userTimeout = config.commandTimeout().multipliedBy(2);
    if (userTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
      userTimeout = Duration.ofSeconds(1);
    }
    SocketOptions socket = SocketOptions.builder()
        .connectTimeout(config.connectTimeout())
        .tcpNoDelay(true)
        .keepAlive(SocketOptions.KeepAliveOptions.builder().enable()
            .idle(Duration.ofSeconds(5)).interval(Duration.ofSeconds(1)).count(3).build())
        .tcpUserTimeout(SocketOptions.TcpUserTimeoutOptions.builder().enable()
            .tcpUserTimeout(userTimeout).build())
        .build();
    return ClientOptions.builder()
        .autoReconnect(false)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .requestQueueSize(config.requestQueueSize())
        .timeoutOptions(TimeoutOptions.builder().fixedTimeout(config.commandTimeout()).build())
        .socketOptions(socket)
        .build();
  }

  private static io.lettuce.core.ReadFrom readFrom(ReadFromPolicy policy) {
    switch (policy) {
      case REPLICA_PREFERRED: return io.lettuce.core.ReadFrom.REPLICA_PREFERRED;
      case NEAREST: return io.lettuce.core.ReadFrom.LOWEST_LATENCY;
      default: return io.lettuce.core.ReadFrom.UPSTREAM;
    }
  }

  /** A manager for {@code config}, not registered with any health manager. Never throws when Redis is down. */
  public static RedisConnectionManager create(RedisConfig config) {
    return new RedisConnectionManager(config, null, null);
  }

  /**
   * A manager for {@code config} registered with {@code health} under {@code config.name()} with
   * {@code config.features()}; failures are reported to it as they happen.
   */
  public static RedisConnectionManager create(RedisConfig config, ConnectionHealthManager health) {
    return new RedisConnectionManager(config, Objects.requireNonNull(health, "health"), null);
  }

  /** For tests: a manager whose Netty channels pass through {@code netty} (fault injection in the driver). */
  static RedisConnectionManager create(RedisConfig config, ConnectionHealthManager health, NettyCustomizer netty) {
    return new RedisConnectionManager(config, health, netty);
  }

  private FallbackCache newFallback() {
    return new FallbackCache(config.fallbackMaxEntries(), config.fallbackMaxBytes(), io.lifeline.core.Ticker.system(),
        metrics.fallbackEvictions);
  }

  /** True when Netty's native epoll transport is in use (needed for TCP_USER_TIMEOUT). */
  public static boolean nativeTransport() {
    return EpollProvider.isAvailable();
  }

  // ------------------------------------------------------------------------------------ accessors

  /** The name used for health, logs and exceptions ({@link RedisConfig#name()}). */
  public String name() {
    return name;
  }

  /** The configuration this manager was created with. */
  public RedisConfig config() {
    return config;
  }

  /** The guard every Redis command goes through (its breaker, metrics). */
  public Guard guard() {
    return guard;
  }

  /** The connection state (CONNECTED while Redis serves; FAILED / CONNECTING while the fallback does). */
  public ConnectionState state() {
    return state.current();
  }

  /** True while calls are answered by the fallback cache. */
  public boolean isUsingFallback() {
    return phase.mode != ONLINE;
  }

  /** The last Redis error, sanitized, or null. */
  public String lastError() {
    Throwable t = lastError;
    return t == null ? null : Secrets.describe(t);
  }

  /** Notified of every connection state change, on Lifeline's event threads. */
  public void addStateListener(ConnectionStateListener listener) {
    state.addStateListener(listener);
  }

  public void removeStateListener(ConnectionStateListener listener) {
    state.removeStateListener(listener);
  }

  /** Counters and gauges. */
  RedisMetrics rawMetrics() {
    return metrics;
  }

  long fallbackSize() {
    return phase.cache.size();
  }

  long fallbackBytes() {
    return phase.cache.weight();
  }

  int touchedKeys() {
    return touched.size();
  }

  public RedisMetrics.Snapshot metrics() {
    Phase p = phase;
    return metrics.snapshot(state.current(), p.mode != ONLINE, p.cache.size(), p.cache.weight(),
        touched.size());
  }

  /** The non-blocking twin of this manager's operations. */
  public RedisAsyncOperations async() {
    return async;
  }

  // ---------------------------------------------------------------------------------- operations

  @Override
  public String get(String key) {
    return execute(Op.GET, key, null, () -> conn.reads.get(key), FallbackCache::get);
  }

  @Override
  public void set(String key, String value) {
    Duration ttl = config.defaultTtl();
    if (!ttl.isZero()) {
      set(key, value, ttl);
      return;
    }
    Objects.requireNonNull(value, "value");
    execute(Op.SET, key, () -> conn.sync.set(key, value), (f, k) -> {
      f.set(k, value);
      return "OK";
    });
  }

  @Override
  public void set(String key, String value, Duration ttl) {
    Objects.requireNonNull(value, "value");
    FallbackCache.requireTtl(ttl);
    SetArgs args = SetArgs.Builder.px(ttl.toMillis());
    execute(Op.SET, key, () -> conn.sync.set(key, value, args), (f, k) -> {
      f.set(k, value, ttl);
      return "OK";
    });
  }

  @Override
  public boolean delete(String key) {
    return execute(Op.DELETE, key, () -> conn.sync.del(key) > 0, FallbackCache::delete);
  }

  @Override
  public boolean exists(String key) {
    return execute(Op.EXISTS, key, null, () -> conn.reads.exists(key) > 0, FallbackCache::exists);
  }

  @Override
  public boolean expire(String key, Duration ttl) {
    FallbackCache.requireExpireTtl(ttl);
    long ms = ttl.isNegative() ? 0 : ttl.toMillis(); // PEXPIRE 0 deletes, as a negative TTL does
    return execute(Op.EXPIRE, key, () -> conn.sync.pexpire(key, ms), (f, k) -> f.expire(k, ttl));
  }

  @Override
  public long ttl(String key) {
    return execute(Op.TTL, key, null, () -> conn.reads.ttl(key), FallbackCache::ttl);
  }

  @Override
  public String hget(String key, String field) {
    Objects.requireNonNull(field, "field");
    return execute(Op.HGET, key, field, () -> conn.reads.hget(key, field), (f, k) -> f.hget(k, field));
  }

  @Override
  public boolean hset(String key, String field, String value) {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(value, "value");
    return execute(Op.HSET, key, () -> conn.sync.hset(key, field, value), (f, k) -> f.hset(k, field, value));
  }

  @Override
  public Map<String, String> hgetAll(String key) {
    return execute(Op.HGETALL, key, null, () -> conn.reads.hgetall(key), FallbackCache::hgetAll);
  }

  @Override
  public long hdel(String key, String... fields) {
    checkFields(fields);
    return execute(Op.HDEL, key, () -> conn.sync.hdel(key, fields), (f, k) -> f.hdel(k, fields));
  }

  private static void checkFields(String[] fields) {
    Objects.requireNonNull(fields, "fields");
    if (fields.length == 0) {
      throw new IllegalArgumentException("hdel needs at least one field");
    }
    for (String f : fields) {
      Objects.requireNonNull(f, "field");
    }
  }


  @FunctionalInterface
  private interface AsyncCall<T> {
    RedisFuture<T> apply(RedisAsyncCommands<String, String> commands);
  }

  /** An operation on the fallback cache for a key; non-capturing where possible (no allocation). */
  @FunctionalInterface
  private interface FallbackCall<T> {
    T apply(FallbackCache cache, String key);
  }

  /**
   * The sync path. {@code call} reads {@link #conn} itself (one capturing lambda per call, and
   * none for the fallback of single-argument operations); {@code conn} is never null once the
   * manager is online.
   */
  private <T> T execute(Op op, String key, java.util.concurrent.Callable<T> call, FallbackCall<T> fb) {
    return execute(op, key, null, call, fb);
  }

  /** As above; {@code field} is the hash field of HGET (for a replica read), else null. */
  private <T> T execute(Op op, String key, String field, java.util.concurrent.Callable<T> call,
      FallbackCall<T> fb) {
    Objects.requireNonNull(key, "key");
    metrics.record(op);
    for (;;) {
      int m = phase.mode;
      if (m == ONLINE) {
        try {
          return guard.call(call);
        } catch (ServiceUnavailableException e) {
          onCommandFailure(op, conn, e);
        } catch (RedisCommandExecutionException e) {
          throw RedisErrors.translate(e);
        } catch (RuntimeException | Error e) {
          throw driverFailure(e);
        }
      } else if (m == CLOSED) {
        throw closedError();
      }
      @SuppressWarnings("unchecked")
      T r = (T) fallback(op, key, field, fb, true);
      if (r != RETRY) {
        return r;
      }
    }
  }

  private IllegalStateException closedError() {
    return new IllegalStateException("RedisConnectionManager '" + name + "' is closed");
  }

  /**
   * Answers from the fallback of the current phase, or {@link #RETRY} when Redis is back online.
   * Writes hold the read side of the switch lock, so reconciliation's final step (write side) sees
   * every write that will ever land in the fallback of this outage. Every write marks its key
   * before it is applied, whatever the fallback answers: the fallback starts empty, so an EXPIRE,
   * DEL or HDEL of a key that Redis holds answers "no such key" here and must still be reconciled.
   *
   * @throws Error the Redis client's own failure ({@link #fatal}): not an outage, never answered
   *     from the fallback
   */
  private Object fallback(Op op, String key, String field, FallbackCall<?> fb, boolean tryReplica) {
    Error broken = fatal;
    if (broken != null) {
      throw broken;
    }
    if (!op.isWrite()) {
      Phase p = phase;
      if (p.mode == ONLINE) {
        return RETRY;
      }
      if (p.mode == CLOSED) {
        throw closedError();
      }
      if (tryReplica && replicaMayServe(key)) {
        Object r = sentinel.read(op, key, field);
        if (r != SentinelNodes.MISS) {
          metrics.replicaReads.increment();
          return r;
        }
      }
      return fallbackRead(p, key, fb);
    }
    return fallbackWrite(key, fb);
  }

  /**
   * While the master is down a replica answers a read unless the key was written meanwhile (the
   * fallback holds the newer value, or its deletion) or the touched-key set overflowed (then which
   * keys were written is unknown).
   */
  private boolean replicaMayServe(String key) {
    return sentinel != null && !touched.overflowed() && !touched.contains(key);
  }

  private Object fallbackRead(Phase p, String key, FallbackCall<?> fb) {
    Object r = fb.apply(p.cache, key);
    boolean hit = r != null && !(r instanceof Map && ((Map<?, ?>) r).isEmpty())
        && !(r instanceof Long && (Long) r == -2L) && !Boolean.FALSE.equals(r);
    (hit ? metrics.fallbackHits : metrics.fallbackMisses).increment();
    return r;
  }

  private Object fallbackWrite(String key, FallbackCall<?> fb) {
    ReentrantReadWriteLock.ReadLock lock = switchLock.readLock();
    lock.lock();
    try {
      Phase p = phase;
      if (p.mode == ONLINE) {
        return RETRY;
      }
      if (p.mode == CLOSED) {
        throw closedError();
      }
      touch(key);
      Object r = fb.apply(p.cache, key);
      metrics.fallbackWrites.increment();
      return r;
    } finally {
      lock.unlock();
    }
  }

  /**
   * A failure of a call on Redis that is not an outage: an {@link Error} anywhere in it (a {@code
   * LinkageError} from a Netty/Lettuce version conflict, an {@code OutOfMemoryError}) is reported
   * and thrown as itself; anything else is returned unchanged to be thrown.
   */
  private RuntimeException driverFailure(Throwable e) {
    Error err = RedisErrors.driverError(e);
    if (err != null) {
      onDriverError(err);
      throw err;
    }
    return (RuntimeException) e;
  }

  /**
   * The Redis client failed with an {@link Error}. Not an outage, so the fallback does not hide
   * it: until a reconnect succeeds every call that would be answered by the fallback throws it,
   * the health report says UNAVAILABLE with it as the reason, and it is logged once at ERROR with
   * its stack trace (again only if a different error follows).
   */
  private void onDriverError(Error err) {
    fatal = err;
    lastError = err;
    String kind = err.getClass().getName() + ": " + err.getMessage();
    if (!kind.equals(reportedFatal.getAndSet(kind))) {
      LOG.error("Redis '{}': the Redis client failed with {}. This is not an outage: calls are not answered "
          + "from the fallback cache but fail with this error until a reconnect succeeds (a Netty or "
          + "Lettuce version conflict? import lifeline-bom)", name, Secrets.describe(err), err);
    }
    if (health != null) {
      // an Error is fatal, not one failure among others: take the status to UNAVAILABLE now
      for (int i = 0; i < 16; i++) {
        health.reportFailure(name, err);
        try {
          if (health.status(name).status() == ServiceStatus.UNAVAILABLE) {
            break;
          }
        } catch (IllegalArgumentException unregistered) {
          break;
        }
      }
    }
  }

  private void touch(String key) {
    if (touched.add(key)) {
      return;
    }
    if (config.overflowPolicy() == OverflowPolicy.FAIL) {
      metrics.overflowRejections.increment();
      throw new FallbackOverflowException(name, touched.max());
    }
    if (!touched.overflowed()) {
      LOG.warn("Redis '{}': more than {} keys written during the outage; the namespace \"{}\" will be "
          + "flushed in Redis on recovery", name, touched.max(), config.namespace());
    }
    touched.markOverflow();
  }

  private void onCommandFailure(Op op, Conn c, ServiceUnavailableException e) {
    metrics.commandFailures.increment();
    Throwable cause = e.getCause() == null ? e : e.getCause();
    lastError = cause;
    boolean down = op.isWrite() || e instanceof CircuitOpenException || c == null || !c.connection.isOpen()
        || guard.circuitBreaker().state() != CircuitBreaker.State.CLOSED
        || ErrorClassifier.isAuthFailure(cause);
    if (down) {
      enterOutage(e);
    } else if (health != null) {
      health.reportFailure(name, e);
    }
  }

  private void enterOutage(Throwable cause) {
    if (cause != null && !(cause instanceof CircuitOpenException)) {
      lastError = cause instanceof ServiceUnavailableException && cause.getCause() != null
          ? cause.getCause() : cause;
    }
    ReentrantReadWriteLock.WriteLock lock = switchLock.writeLock();
    boolean switched = false;
    if (phase.mode == ONLINE) {
      if (sentinel != null) {
        sentinel.masterDown(); // before the switch: the first fallback read must not go to the master
      }
      lock.lock();
      try {
        Phase p = phase;
        if (p.mode == ONLINE) {
          phase = new Phase(OUTAGE, p.cache); // the empty cache installed when Redis came back
          switched = true;
        }
      } finally {
        lock.unlock();
      }
    }
    if (!switched) {
      return;
    }
    outageStartedNanos = System.nanoTime();
    metrics.outages.increment();
    state.transitionTo(ConnectionState.FAILED);
    LOG.warn("Redis '{}' unavailable, serving from the fallback cache: {}", name, lastError());
    if (health != null) {
      health.reportFailure(name, lastError == null ? cause : lastError);
    }
    scheduleRecovery(0);
  }

  // ---------------------------------------------------------------------------------------- async

  private <T> CompletableFuture<T> executeAsync(Op op, String key, AsyncCall<T> call, FallbackCall<T> fb) {
    return executeAsync(op, key, null, call, fb);
  }

  private <T> CompletableFuture<T> executeAsync(Op op, String key, String field, AsyncCall<T> call,
      FallbackCall<T> fb) {
    Objects.requireNonNull(key, "key");
    metrics.record(op);
    return attemptAsync(op, key, field, call, fb);
  }

  private <T> CompletableFuture<T> attemptAsync(Op op, String key, String field, AsyncCall<T> call,
      FallbackCall<T> fb) {
    int m = phase.mode;
    if (m == ONLINE) {
      Conn c = conn;
      return guard.<T>callAsync(() -> call.apply(op.isWrite() ? c.async : c.readsAsync)).handle((v, e) -> {
        if (e == null) {
          return CompletableFuture.completedFuture(v);
        }
        Throwable t = ErrorClassifier.unwrap(e);
        Error err = RedisErrors.driverError(t);
        if (err != null) {
          onDriverError(err);
          return CompletableFuture.<T>failedFuture(err);
        }
        if (t instanceof ServiceUnavailableException) {
          onCommandFailure(op, c, (ServiceUnavailableException) t);
          // leave Lettuce's I/O thread: a fallback write may wait for a reconciliation that needs it
          return CompletableFuture.supplyAsync(() -> fallbackAsync(op, key, field, call, fb), LifelineThreads.retries())
              .thenCompose(f -> f);
        }
        if (t instanceof RedisCommandExecutionException) {
          return CompletableFuture.<T>failedFuture(RedisErrors.translate((RedisCommandExecutionException) t));
        }
        return CompletableFuture.<T>failedFuture(t);
      }).thenCompose(f -> f);
    }
    if (m == CLOSED) {
      return CompletableFuture.failedFuture(closedError());
    }
    return fallbackAsync(op, key, field, call, fb);
  }

  /** A replica read (never blocking the caller) when one may serve, else the fallback. */
  @SuppressWarnings("unchecked")
  private <T> CompletableFuture<T> fallbackAsync(Op op, String key, String field, AsyncCall<T> call,
      FallbackCall<T> fb) {
    if (!op.isWrite() && fatal == null && phase.mode == OUTAGE && replicaMayServe(key)) {
      return sentinel.readAsync(op, key, field).thenCompose(r -> {
        if (r != SentinelNodes.MISS) {
          metrics.replicaReads.increment();
          return CompletableFuture.completedFuture((T) r);
        }
        return cacheAsync(op, key, field, call, fb);
      });
    }
    return cacheAsync(op, key, field, call, fb);
  }

  @SuppressWarnings("unchecked")
  private <T> CompletableFuture<T> cacheAsync(Op op, String key, String field, AsyncCall<T> call,
      FallbackCall<T> fb) {
    Object r;
    try {
      r = fallback(op, key, field, fb, false);
    } catch (RuntimeException | Error e) {
      return CompletableFuture.failedFuture(e);
    }
    if (r == RETRY) {
      return attemptAsync(op, key, field, call, fb);
    }
    return CompletableFuture.completedFuture((T) r);
  }

  private final class Async implements RedisAsyncOperations {
    @Override
    public CompletableFuture<String> get(String key) {
      return executeAsync(Op.GET, key, c -> c.get(key), FallbackCache::get);
    }

    @Override
    public CompletableFuture<Void> set(String key, String value) {
      Duration ttl = config.defaultTtl();
      if (!ttl.isZero()) {
        return set(key, value, ttl);
      }
      Objects.requireNonNull(value, "value");
      return executeAsync(Op.SET, key, c -> c.set(key, value), (f, k) -> {
        f.set(k, value);
        return "OK";
      }).thenApply(ok -> null);
    }

    @Override
    public CompletableFuture<Void> set(String key, String value, Duration ttl) {
      Objects.requireNonNull(value, "value");
      FallbackCache.requireTtl(ttl);
      SetArgs args = SetArgs.Builder.px(ttl.toMillis());
      return executeAsync(Op.SET, key, c -> c.set(key, value, args), (f, k) -> {
        f.set(k, value, ttl);
        return "OK";
      }).thenApply(ok -> null);
    }

    @Override
    public CompletableFuture<Boolean> delete(String key) {
      return executeAsync(Op.DELETE, key, c -> c.del(key), (f, k) -> f.delete(k) ? 1L : 0L).thenApply(n -> n > 0);
    }

    @Override
    public CompletableFuture<Boolean> exists(String key) {
      return executeAsync(Op.EXISTS, key, c -> c.exists(key), (f, k) -> f.exists(k) ? 1L : 0L).thenApply(n -> n > 0);
    }

    @Override
    public CompletableFuture<Boolean> expire(String key, Duration ttl) {
      FallbackCache.requireExpireTtl(ttl);
      long ms = ttl.isNegative() ? 0 : ttl.toMillis(); // PEXPIRE 0 deletes, as a negative TTL does
      return executeAsync(Op.EXPIRE, key, c -> c.pexpire(key, ms), (f, k) -> f.expire(k, ttl));
    }

    @Override
    public CompletableFuture<Long> ttl(String key) {
      return executeAsync(Op.TTL, key, c -> c.ttl(key), FallbackCache::ttl);
    }

    @Override
    public CompletableFuture<String> hget(String key, String field) {
      Objects.requireNonNull(field, "field");
      return executeAsync(Op.HGET, key, field, c -> c.hget(key, field), (f, k) -> f.hget(k, field));
    }

    @Override
    public CompletableFuture<Boolean> hset(String key, String field, String value) {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(value, "value");
      return executeAsync(Op.HSET, key, c -> c.hset(key, field, value), (f, k) -> f.hset(k, field, value));
    }

    @Override
    public CompletableFuture<Map<String, String>> hgetAll(String key) {
      return executeAsync(Op.HGETALL, key, c -> c.hgetall(key), FallbackCache::hgetAll);
    }

    @Override
    public CompletableFuture<Long> hdel(String key, String... fields) {
      checkFields(fields);
      return executeAsync(Op.HDEL, key, c -> c.hdel(key, fields), (f, k) -> f.hdel(k, fields));
    }
  }

  // ------------------------------------------------------------------------------------- recovery

  private void scheduleRecovery(long delayNanos) {
    if (closed.get() || !recoveryScheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      pendingRecovery = scheduler.schedule(this::recover, delayNanos, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      recoveryScheduled.set(false); // closing
    }
  }

  /**
   * A Sentinel announced a new master: run the pending reconnect attempt now instead of after its
   * backoff, so traffic is back on the new master as soon as it is promoted. Any thread; never blocks.
   */
  private void recoverNow() {
    try {
      scheduler.execute(() -> {
        ScheduledFuture<?> f = pendingRecovery;
        if (phase.mode == OUTAGE && f != null && f.cancel(false)) {
          recover(); // clears recoveryScheduled, as the cancelled attempt would have
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // closed
    }
  }

  /** One reconnect attempt; on success reconciles and switches traffic back to Redis. Scheduler thread. */
  private void recover() {
    recoveryScheduled.set(false);
    if (closed.get() || phase.mode != OUTAGE) {
      return;
    }
    metrics.reconnectAttempts.increment();
    attempt++;
    state.transitionTo(ConnectionState.CONNECTING);
    if (sentinel != null) {
      sentinel.connect(); // best effort: replica reads and promotion events, whatever the master does
    }
    Conn fresh = null;
    long t0 = System.nanoTime();
    try {
      fresh = new Conn(client.connect(StringCodec.UTF8, uri), config.readFrom() == ReadFromPolicy.MASTER ? null : sentinel);
      fresh.sync.ping();
      long latency = System.nanoTime() - t0;
      int reconciled = reconcile(fresh);
      attempt = 0;
      reconnectWarnedAt = 0;
      fatal = null;
      reportedFatal.set(null);
      metrics.reconciliations.increment();
      state.transitionTo(ConnectionState.CONNECTED);
      if (health != null) {
        health.reportSuccess(name, Duration.ofNanos(latency));
      }
      long downMs = (System.nanoTime() - outageStartedNanos) / 1_000_000;
      if (metrics.outages.sum() > 0) {
        LOG.warn("Redis '{}' is back after {} ms; {} key(s) reconciled ({}), traffic on Redis again", name,
            downMs, reconciled, config.reconciliation());
      }
      lastError = null;
    } catch (Throwable e) {
      if (fresh != null) {
        fresh.connection.closeAsync();
      }
      Error broken = RedisErrors.driverError(e);
      boolean auth = broken == null && RedisErrors.isAuthError(e);
      Throwable error = broken != null ? broken : auth ? new RedisAuthenticationException(name, null) : e;
      boolean firstOfKind = lastError == null || (auth != (lastError instanceof RedisAuthenticationException));
      lastError = error;
      state.transitionTo(ConnectionState.FAILED);
      if (broken != null) {
        onDriverError(broken);
      } else if (health != null) {
        health.reportFailure(name, error);
      }
      long now = System.nanoTime();
      if (broken != null) {
        LOG.debug("Redis '{}': reconnect attempt {} failed: {}", name, attempt, Secrets.describe(error));
      } else if (firstOfKind && auth) {
        LOG.warn("Redis '{}': authentication failed; serving from the fallback, retrying with backoff", name);
      } else if (attempt >= WARN_AFTER_ATTEMPTS
          && (reconnectWarnedAt == 0 || now - reconnectWarnedAt >= RECONNECT_WARN_INTERVAL_NANOS)) {
        reconnectWarnedAt = now == 0 ? 1 : now;
        LOG.warn("Redis '{}' at {} still unreachable after {} reconnect attempts over {} ms: {}; calls are "
            + "answered by the fallback cache (next report in {} s at the earliest)", name, target(), attempt, (now - outageStartedNanos) / 1_000_000, Secrets.describe(error),
            TimeUnit.NANOSECONDS.toSeconds(RECONNECT_WARN_INTERVAL_NANOS));
      } else {
        LOG.debug("Redis '{}': reconnect attempt {} failed: {}", name, attempt, Secrets.describe(error));
      }
      Duration d = (auth ? authDelay : reconnectDelay).createDelay(attempt);
      scheduleRecovery(d.toNanos());
    }
  }

  /**
   * Reconciles the touched keys on {@code fresh}, then (under the switch lock's write side, so no
   * fallback write can slip past) the keys written meanwhile, installs {@code fresh} and goes
   * online. Returns the number of keys reconciled.
   */
  private int reconcile(Conn fresh) throws Exception {
    int n = reconcilePass(fresh);
    ReentrantReadWriteLock.WriteLock lock = switchLock.writeLock();
    Conn old;
    lock.lock();
    try {
      if (closed.get()) {
        throw closedError();
      }
      n += reconcilePass(fresh);
      old = conn;
      conn = fresh;
      guard.circuitBreaker().reset();
      // a new empty cache for the next outage; the old one is not cleared (see Phase)
      phase = new Phase(ONLINE, newFallback());
    } finally {
      lock.unlock();
    }
    if (sentinel != null) {
      sentinel.masterUp();
    }
    if (old != null) {
      old.connection.closeAsync();
    }
    if (closed.get()) {
      fresh.connection.closeAsync(); // closed while switching over
    }
    metrics.reconciledKeys.add(n);
    return n;
  }

  private int reconcilePass(Conn c) throws Exception {
    int n = 0;
    if (touched.overflowed()) {
      touched.clearOverflow();
      Map<String, Long> covered = touched.snapshot();
      flushNamespace(c);
      metrics.namespaceFlushes.increment();
      for (Map.Entry<String, Long> e : covered.entrySet()) {
        touched.remove(e.getKey(), e.getValue());
      }
      n += covered.size();
      if (config.reconciliation() == ReconciliationPolicy.WRITE_BACK) {
        List<String> keys = phase.cache.keys();
        reconcileKeys(c, keys);
        n += keys.size();
      }
    }
    Map<String, Long> snapshot = touched.snapshot();
    List<String> batch = new ArrayList<>(Math.min(snapshot.size(), RECONCILE_BATCH));
    Map<String, Long> seqs = new LinkedHashMap<>();
    for (Map.Entry<String, Long> e : snapshot.entrySet()) {
      batch.add(e.getKey());
      seqs.put(e.getKey(), e.getValue());
      if (batch.size() == RECONCILE_BATCH) {
        n += flushBatch(c, batch, seqs);
      }
    }
    n += flushBatch(c, batch, seqs);
    return n;
  }

  private int flushBatch(Conn c, List<String> batch, Map<String, Long> seqs) throws Exception {
    if (batch.isEmpty()) {
      return 0;
    }
    reconcileKeys(c, batch);
    for (String k : batch) {
      touched.remove(k, seqs.get(k));
    }
    int n = batch.size();
    batch.clear();
    seqs.clear();
    return n;
  }

  /** Pipelines the reconciliation of {@code keys} and waits for all replies (bounded). */
  private void reconcileKeys(Conn c, List<String> keys) throws Exception {
    List<RedisFuture<?>> futures = new ArrayList<>(keys.size() * 2);
    boolean writeBack = config.reconciliation() == ReconciliationPolicy.WRITE_BACK;
    for (String k : keys) {
      FallbackCache cache = phase.cache;
      FallbackCache.Entry e = writeBack ? cache.entry(k) : null;
      if (e == null) {
        futures.add(c.async.del(k));
      } else if (!e.isHash()) {
        long ms = cache.remainingMillis(e);
        futures.add(ms < 0 ? c.async.set(k, e.string()) : c.async.set(k, e.string(), SetArgs.Builder.px(ms)));
      } else {
        long ms = cache.remainingMillis(e);
        futures.add(c.async.del(k));
        futures.add(c.async.hset(k, e.hash()));
        if (ms > 0) {
          futures.add(c.async.pexpire(k, ms));
        }
      }
    }
    Duration bound = config.commandTimeout().multipliedBy(1 + keys.size() / RECONCILE_BATCH);
    if (!LettuceFutures.awaitAll(bound, futures.toArray(new RedisFuture<?>[0]))) {
      throw new java.util.concurrent.TimeoutException("reconciliation of " + keys.size() + " keys timed out");
    }
  }

  private void flushNamespace(Conn c) {
    String ns = config.namespace();
    if (ns.isEmpty()) {
      c.sync.flushdb();
      return;
    }
    ScanArgs match = ScanArgs.Builder.matches(ns + "*").limit(1_000);
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = c.sync.scan(cursor, match);
      if (!page.getKeys().isEmpty()) {
        c.sync.unlink(page.getKeys().toArray(new String[0]));
      }
      cursor = page;
    } while (!cursor.isFinished());
  }

  private void idlePing() {
    if (phase.mode != ONLINE) {
      return;
    }
    Conn c = conn;
    try {
      c.sync.ping();
    } catch (RuntimeException | Error e) {
      Error err = RedisErrors.driverError(e);
      if (err != null) {
        onDriverError(err); // the client is broken, Redis is not down: no outage
        return;
      }
      metrics.commandFailures.increment();
      enterOutage(e);
    }
  }

  // --------------------------------------------------------------------------------------- health

  /**
   * PING latency plus INFO details ({@code version}, {@code used_memory}, {@code connected_clients}).
   * DOWN with the last error (e.g. "authentication failed") while the fallback serves.
   */
  public CheckResult healthCheck() {
    if (closed.get()) {
      return CheckResult.down("closed");
    }
    Error broken = fatal;
    if (broken != null) {
      return CheckResult.down("Redis client error (not an outage): " + Secrets.describe(broken));
    }
    Conn c = conn;
    Phase p = phase;
    if (p.mode != ONLINE || c == null) {
      String why = lastError();
      why = why == null ? "not connected" : why;
      return sentinel == null ? CheckResult.down(why)
          : new CheckResult(CheckResult.Outcome.DOWN, null, why, Map.of("instances", sentinel.probe()));
    }
    long t0 = System.nanoTime();
    try {
      c.sync.ping();
      Duration latency = Duration.ofNanos(System.nanoTime() - t0);
      Map<String, Object> details = new LinkedHashMap<>();
      String info = c.sync.info();
      for (String line : info.split("\r?\n")) {
        int i = line.indexOf(':');
        if (i < 0) {
          continue;
        }
        String k = line.substring(0, i);
        String v = line.substring(i + 1).trim();
        switch (k) {
          case "redis_version": details.put("version", v); break;
          case "used_memory": details.put("used_memory", Long.parseLong(v)); break;
          case "used_memory_human": details.put("used_memory_human", v); break;
          case "connected_clients": details.put("connected_clients", Integer.parseInt(v)); break;
          default: break;
        }
      }
      details.put("fallback_size", p.cache.size());
      if (sentinel != null) {
        return withInstances(latency, details);
      }
      return new CheckResult(CheckResult.Outcome.UP, latency, null, details);
    } catch (RuntimeException | Error e) {
      Error err = RedisErrors.driverError(e);
      if (err != null) {
        onDriverError(err);
        return CheckResult.down("Redis client error (not an outage): " + Secrets.describe(err));
      }
      metrics.commandFailures.increment();
      enterOutage(e);
      return CheckResult.down(e);
    }
  }

  /**
   * Sentinel mode: one status per instance in the details ({@code instances}); the master up with a
   * replica or Sentinel down is DEGRADED (a failover would have fewer candidates or voters).
   */
  private CheckResult withInstances(Duration latency, Map<String, Object> details) {
    Map<String, String> instances = sentinel.probe();
    details.put("instances", instances);
    List<String> down = new ArrayList<>();
    instances.forEach((instance, st) -> {
      if (!"up".equals(st)) {
        down.add(instance);
      }
    });
    if (down.isEmpty()) {
      return new CheckResult(CheckResult.Outcome.UP, latency, null, details);
    }
    return new CheckResult(CheckResult.Outcome.DEGRADED, latency, "down: " + String.join(", ", down), details);
  }

  /** Where the master is, for logs: host:port, or the master name and the Sentinels. */
  private String target() {
    return config.isSentinel() ? "master '" + config.masterName() + "' via Sentinels " + config.sentinels()
        : uri.getHost() + ":" + uri.getPort();
  }

  // ---------------------------------------------------------------------------------------- close

  /**
   * Closes the connection, stops the reconnect loop and shuts down Lettuce's and Netty's threads
   * (waits up to a few seconds). Idempotent. Calls after close throw {@link IllegalStateException}.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    meters.close();
    ReentrantReadWriteLock.WriteLock lock = switchLock.writeLock();
    lock.lock();
    try {
      phase = new Phase(CLOSED, phase.cache);
    } finally {
      lock.unlock();
    }
    idlePing.cancel(false);
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (health != null) {
      health.unregister(name);
    }
    Conn c = conn; // left in place: a racing call gets a rejected command and then the closed error
    if (c != null) {
      c.connection.close();
    }
    if (sentinel != null) {
      sentinel.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    try {
      resources.shutdown(0, 2, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.debug("Redis '{}': resources shutdown: {}", name, e.toString());
    }
    phase.cache.clear();
    state.transitionTo(ConnectionState.CLOSED);
  }

  /** True once {@link #close()} was called. */
  public boolean isClosed() {
    return closed.get();
  }

  @Override
  public String toString() {
    return "RedisConnectionManager[" + name + ", " + Secrets.redact(io.lifeline.core.Urls.sanitize(config.url()))
        + ", " + state.current() + (phase.mode == OUTAGE ? ", fallback" : "") + "]";
  }

  // --------------------------------------------------------------------------------------- global

  private static final AtomicReference<RedisConnectionManager> GLOBAL = new AtomicReference<>();
  private static volatile Lifeline.Registration globalRegistration;

  /**
   * The process-wide manager, created from the environment ({@link RedisConfig#fromEnv()}) and
   * registered with {@link ConnectionHealthManager#global()} on first use.
   */
  public static RedisConnectionManager global() {
    RedisConnectionManager m = GLOBAL.get();
    return m != null ? m : initializeGlobal(RedisConfig.fromEnv());
  }

  /**
   * Creates the process-wide manager from {@code config} (registered with the global health manager
   * and with {@link Lifeline#closeAll()}) if there is none yet; returns the one in place otherwise.
   */
  public static RedisConnectionManager initializeGlobal(RedisConfig config) {
    Objects.requireNonNull(config, "config");
    for (;;) {
      RedisConnectionManager m = GLOBAL.get();
      if (m != null) {
        return m;
      }
      RedisConnectionManager created = create(config, ConnectionHealthManager.global());
      if (GLOBAL.compareAndSet(null, created)) {
        globalRegistration = Lifeline.register("redis", RedisConnectionManager::shutdownGlobal);
        return created;
      }
      created.close();
    }
  }

  /** Closes the process-wide manager, if any (idempotent). */
  public static void shutdownGlobal() {
    RedisConnectionManager m = GLOBAL.getAndSet(null);
    if (m != null) {
      Lifeline.Registration r = globalRegistration;
      if (r != null) {
        r.unregister();
      }
      m.close();
    }
  }
}
