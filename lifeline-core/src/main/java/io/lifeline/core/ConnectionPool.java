package io.lifeline.core;

import io.lifeline.core.internal.Durations;
import io.lifeline.core.internal.BagConnectionPool;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A fixed-size pool of reusable members of any type: connection managers, clients, sessions.
 *
 * <pre>{@code
 * ConnectionPool<Neo4jConnectionManager> pool = ConnectionPool.create(Neo4jConnectionManager::new, 5);
 * try (Lease<Neo4jConnectionManager> lease = pool.acquire(Duration.ofSeconds(2))) {
 *   lease.get().run(query);
 * }
 * }</pre>
 *
 * <h2>Members</h2>
 *
 * The pool has {@link #size()} slots. A slot is filled lazily, by the factory, in the thread of the
 * first {@code acquire} that finds no free member but an empty slot, or eagerly by {@link #warmup()}.
 * There are never more than {@code size} members alive: a slot is filled only after its previous
 * member has been destroyed. Free members are always reused before an empty slot is filled. Members
 * live until they are {@linkplain Lease#markBroken() marked broken}, fail the optional validator, or
 * the pool is closed; the destroyer (by default {@link AutoCloseable#close()}) then runs in the
 * thread that gave up the member. There is no idle eviction and no background thread.
 *
 * <h2>Thread safety</h2>
 *
 * Every method is thread-safe. The pool takes no locks and uses no {@code synchronized} (virtual
 * threads never pin on it); acquire and release of a free member are a few compare-and-set
 * operations and allocate nothing. A caller that finds no member waits, parked, for a member to be
 * handed to it directly on release. Waiting is not strictly fair: a caller that arrives while a
 * member is free may take it before a caller already waiting.
 *
 * <h2>Exceptions</h2>
 *
 * <ul>
 *   <li>{@link PoolTimeoutException}: no member became free within the timeout.
 *   <li>{@link PoolClosedException} (a {@link ServiceUnavailableException}): the pool is closed.
 *   <li>Factory failures: a {@link RuntimeException} or {@link Error} thrown by the factory is
 *       rethrown as is; a checked exception is wrapped in a {@link ServiceUnavailableException}
 *       naming the pool; a {@code null} result is reported the same way. The slot stays empty.
 *   <li>{@link LifelineException}: interrupted while waiting (the interrupt flag is restored).
 *   <li>{@link ConfigurationException}: an invalid size or timeout.
 * </ul>
 *
 * @param <T> the pooled member type
 */
public interface ConnectionPool<T> extends AutoCloseable {

  /** Default timeout of {@link #acquire()}: 30 s (as HikariCP's {@code connectionTimeout}). */
  Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(30);

  /** Default {@linkplain Builder#size(int) size}: 10. */
  int DEFAULT_SIZE = 10;

  /**
   * A pool of {@code size} members made by {@code factory}, with all other settings at their
   * defaults (see {@link Builder}).
   *
   * @throws ConfigurationException if {@code size < 1}
   */
  static <T> ConnectionPool<T> create(Callable<? extends T> factory, int size) {
    return ConnectionPool.<T>builder(factory).size(size).build();
  }

  /** A builder for a pool whose members are made by {@code factory}. */
  static <T> Builder<T> builder(Callable<? extends T> factory) {
    return new Builder<>(factory);
  }

  /**
   * Acquires a member, waiting at most {@code timeout} for one to become free. Tries, in order: the
   * members this thread used recently, every other free member, an empty slot (creating a member in
   * this thread), then waits. With a zero timeout it never waits, and fails only if every slot was
   * in use at one instant during the call.
   *
   * <p>The timeout bounds waiting for another caller's member; it does not interrupt a factory call
   * this thread is making.
   *
   * @throws PoolTimeoutException if no member became available within {@code timeout}, never earlier
   * @throws PoolClosedException if the pool is or gets closed
   * @throws ConfigurationException if {@code timeout} is negative
   * @throws LifelineException if interrupted while waiting
   */
  Lease<T> acquire(Duration timeout);

  /**
   * {@link #acquire(Duration)} with the pool's default timeout ({@link Builder#acquireTimeout},
   * by default {@link #DEFAULT_ACQUIRE_TIMEOUT}).
   */
  Lease<T> acquire();

  /**
   * Acquires a member if one can be had without waiting for another caller: like {@code
   * acquire(Duration.ZERO)} but returns empty instead of throwing. May still create a member in
   * this thread. Empty means every slot was in use at one instant during the call.
   *
   * @throws PoolClosedException if the pool is closed
   */
  Optional<Lease<T>> tryAcquire();

  /**
   * Fills every empty slot now, in this thread, one after another, so that later acquires do not
   * pay for creation. Slots being used or created by others are left alone. Stops at the first
   * factory failure; members created so far are kept.
   *
   * @throws ServiceUnavailableException if the factory fails; the message says how many members were
   *     created and alive, the factory's exception is the cause
   * @throws PoolClosedException if the pool is closed
   */
  void warmup();

  /** The pool's name, as used in messages. */
  String name();

  /** The maximum number of members (slots). Constant. */
  int size();

  /** Live members: {@link #idle()} + {@link #inUse()}. Gauge, O(size), no locking. */
  int total();

  /** Members free to be acquired. Gauge, O(size), no locking. */
  int idle();

  /** Members lent out (or being created, validated or destroyed). Gauge, O(size), no locking. */
  int inUse();

  /** Callers waiting in {@code acquire}. Gauge, O(1). */
  int waiting();

  /**
   * Leases found held longer than {@link Builder#leakDetectionThreshold} (each counted and logged
   * once); always 0 with leak detection off. Counter, monotonic.
   */
  default long leaksDetected() {
    return 0;
  }

  /**
   * Closes the pool. Idempotent and thread-safe. Callers waiting in {@code acquire} fail at once
   * with {@link PoolClosedException}, as do all later acquire calls; idle members are destroyed
   * now, in this thread; members lent out stay usable and are destroyed when their lease is closed.
   * An acquire that had already claimed a slot (it is creating the member, or a member was just
   * handed to it) when close is called still returns its lease; that member, too, is destroyed on
   * return.
   */
  @Override
  void close();

  /**
   * Builds a {@link ConnectionPool}. Not thread-safe; invalid values are rejected with a {@link
   * ConfigurationException} by the setter that receives them.
   *
   * @param <T> the pooled member type
   */
  final class Builder<T> {
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

    private final Callable<? extends T> factory;
    private int size = DEFAULT_SIZE;
    private String name;
    private Predicate<? super T> validator;
    private Consumer<? super T> destroyer;
    private Duration acquireTimeout = DEFAULT_ACQUIRE_TIMEOUT;
    private Ticker ticker = Ticker.system();
    private Duration leakDetectionThreshold = Duration.ZERO;

    Builder(Callable<? extends T> factory) {
      this.factory = Objects.requireNonNull(factory, "factory");
    }

    /**
     * Maximum number of members. Default {@value ConnectionPool#DEFAULT_SIZE}. Meant for small
     * pools (up to a few hundred): a miss scans every slot.
     *
     * @throws ConfigurationException if {@code size < 1}
     */
    public Builder<T> size(int size) {
      if (size < 1) {
        throw new ConfigurationException("size", size, "must be >= 1");
      }
      this.size = size;
      return this;
    }

    /** Name used in messages and logs. Default {@code pool-N}, N counting pools built. */
    public Builder<T> name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * Checks a free member before lending it out (not a freshly created one). If it returns {@code
     * false} or throws, the member is destroyed and a replacement is created in the acquiring
     * thread. Off by default: a member is trusted until {@linkplain Lease#markBroken() marked
     * broken}. Must be fast and thread-safe.
     */
    public Builder<T> validator(Predicate<? super T> validator) {
      this.validator = Objects.requireNonNull(validator, "validator");
      return this;
    }

    /**
     * Destroys a member that is broken, failed validation, or outlived the pool. Default: {@link
     * AutoCloseable#close()} if the member is {@code AutoCloseable}, else nothing. Exceptions it
     * throws are logged at WARN and otherwise ignored.
     */
    public Builder<T> destroyer(Consumer<? super T> destroyer) {
      this.destroyer = Objects.requireNonNull(destroyer, "destroyer");
      return this;
    }

    /**
     * Timeout of {@link ConnectionPool#acquire()}. Default {@link
     * ConnectionPool#DEFAULT_ACQUIRE_TIMEOUT} (30 s).
     *
     * @throws ConfigurationException if negative
     */
    public Builder<T> acquireTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new ConfigurationException("acquireTimeout", Durations.format(timeout), "must be >= 0");
      }
      this.acquireTimeout = timeout;
      return this;
    }

    /**
     * Clock that decides when an acquire timeout has expired. Default {@link Ticker#system()}. With
     * any other ticker (a test's hand-driven clock), waiting callers re-read it at least every 10
     * ms, so advancing it ends their wait promptly.
     */
    public Builder<T> ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Leak detection (HikariCP's {@code leakDetectionThreshold}): a lease held longer than this is
     * logged once at WARN, with the stack trace of the thread that acquired it, and counted in
     * {@link ConnectionPool#leaksDetected()}; when it is returned at last, that is logged at INFO.
     * Default 0: off, and then it costs nothing (no clock read, no stack trace). When on, every
     * acquire records a stack trace (a few microseconds), and one scan runs on Lifeline's shared
     * scheduler when a lease could next cross the threshold. Allowed: 0, or 10 ms to 1 day.
     *
     * @throws ConfigurationException if outside that range
     */
    public Builder<T> leakDetectionThreshold(Duration threshold) {
      Validation v = Validation.byField();
      v.durationOrZero("leakDetectionThreshold", threshold, Duration.ofMillis(10), Duration.ofDays(1),
          "off");
      v.throwIfAny();
      this.leakDetectionThreshold = threshold;
      return this;
    }

    /** A new, empty pool (no member is created until acquire or {@link ConnectionPool#warmup()}). */
    public ConnectionPool<T> build() {
      String n = name != null ? name : "pool-" + POOL_NUMBER.incrementAndGet();
      return new BagConnectionPool<>(n, factory, size, validator, destroyer, acquireTimeout, ticker,
          leakDetectionThreshold);
    }
  }
}
