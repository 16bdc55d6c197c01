package io.lifeline.bench;

import com.zaxxer.hikari.util.ConcurrentBag;
import com.zaxxer.hikari.util.ConcurrentBag.IConcurrentBagEntry;
import io.lifeline.core.ConnectionPool;
import io.lifeline.core.Lease;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import stormpot.Allocator;
import stormpot.BasePoolable;
import stormpot.Pool;
import stormpot.Slot;
import stormpot.Timeout;

/**
 * One acquire + release of a member of a pool of {@value #SIZE} trivial objects, fully warmed (all
 * members created and returned before measuring), so no op ever creates a member or waits: this is
 * the pool's own bookkeeping cost. ns/op, lower is better.
 *
 * <p>State is {@link Scope#Benchmark}: with {@code -t 2} both threads share one pool. Every pool
 * is given the same generous timeout (never reached).
 *
 * <ul>
 *   <li>{@code lifeline}: {@code ConnectionPool.create(factory, 10)}, {@code acquire(timeout)} /
 *       {@code Lease.close()}. Leak detection is off (the default): this is also its "off" cost.
 *   <li>{@code lifelineLeakDetection}: the same pool with {@code leakDetectionThreshold(60 s)}: the
 *       price of leak detection when on (a clock read and a stack trace per acquire).
 *   <li>{@code commonsPool2}: {@code GenericObjectPool}, maxTotal = maxIdle = 10, {@code
 *       borrowObject(timeout)} / {@code returnObject}.
 *   <li>{@code hikariConcurrentBag}: HikariCP's {@code ConcurrentBag} holding 10 entries, {@code
 *       borrow(timeout)} / {@code requite}.
 *   <li>{@code stormpot}: {@code Pool.from(allocator).setSize(10).build()}, {@code claim(timeout)} /
 *       {@code release()}.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 5, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class PoolBenchmark {
  static final int SIZE = 10;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final long TIMEOUT_MILLIS = TIMEOUT.toMillis();

  /** The pooled object: nothing in it. */
  static final class Member {}

  private ConnectionPool<Member> lifeline;
  private ConnectionPool<Member> lifelineLeakDetection;
  private GenericObjectPool<Member> commonsPool2;
  private ConcurrentBag<BagEntry> bag;
  private Pool<StormMember> stormpot;
  private Timeout stormpotTimeout;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    lifeline = warmed(ConnectionPool.create(Member::new, SIZE));
    lifelineLeakDetection = warmed(ConnectionPool.builder(Member::new).size(SIZE)
        .leakDetectionThreshold(Duration.ofSeconds(60)).build());

    GenericObjectPoolConfig<Member> config = new GenericObjectPoolConfig<>();
    config.setMaxTotal(SIZE);
    config.setMaxIdle(SIZE);
    config.setJmxEnabled(false);
    commonsPool2 = new GenericObjectPool<>(new MemberFactory(), config);
    for (int i = 0; i < SIZE; i++) {
      commonsPool2.addObject();
    }
    List<Member> borrowed = new ArrayList<>();
    for (int i = 0; i < SIZE; i++) {
      borrowed.add(commonsPool2.borrowObject(TIMEOUT));
    }
    borrowed.forEach(commonsPool2::returnObject);

    bag = new ConcurrentBag<>(waiting -> { });
    for (int i = 0; i < SIZE; i++) {
      bag.add(new BagEntry());
    }
    List<BagEntry> entries = new ArrayList<>();
    for (int i = 0; i < SIZE; i++) {
      entries.add(bag.borrow(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
    }
    entries.forEach(bag::requite);

    stormpot = Pool.from(new StormAllocator()).setSize(SIZE).build();
    stormpotTimeout = new Timeout(TIMEOUT);
    List<StormMember> claimed = new ArrayList<>();
    for (int i = 0; i < SIZE; i++) {
      claimed.add(stormpot.claim(stormpotTimeout)); // waits for the background allocator
    }
    claimed.forEach(StormMember::release);
  }

  private static ConnectionPool<Member> warmed(ConnectionPool<Member> pool) {
    pool.warmup();
    List<Lease<Member>> leases = new ArrayList<>();
    for (int i = 0; i < SIZE; i++) {
      leases.add(pool.acquire(TIMEOUT));
    }
    leases.forEach(Lease::close);
    return pool;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    if (lifelineLeakDetection.leaksDetected() != 0) {
      throw new IllegalStateException("a lease was held for 60 s in a benchmark of 1 µs leases");
    }
    lifelineLeakDetection.close();
    lifeline.close();
    commonsPool2.close();
    bag.close();
    stormpot.shutdown().await(stormpotTimeout);
  }

  @Benchmark
  public Object lifeline() {
    Lease<Member> lease = lifeline.acquire(TIMEOUT);
    Member m = lease.get();
    lease.close();
    return m;
  }

  @Benchmark
  public Object lifelineLeakDetection() {
    Lease<Member> lease = lifelineLeakDetection.acquire(TIMEOUT);
    Member m = lease.get();
    lease.close();
    return m;
  }

  @Benchmark
  public Object commonsPool2() throws Exception {
    Member m = commonsPool2.borrowObject(TIMEOUT);
    commonsPool2.returnObject(m);
    return m;
  }

  @Benchmark
  public Object hikariConcurrentBag() throws InterruptedException {
    BagEntry e = bag.borrow(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    bag.requite(e);
    return e;
  }

  @Benchmark
  public Object stormpot() throws InterruptedException {
    StormMember m = stormpot.claim(stormpotTimeout);
    m.release();
    return m;
  }

  // ---------------------------------------------------------------------------------------- peers

  static final class MemberFactory extends BasePooledObjectFactory<Member> {
    @Override
    public Member create() {
      return new Member();
    }

    @Override
    public PooledObject<Member> wrap(Member m) {
      return new DefaultPooledObject<>(m);
    }
  }

  /** A ConcurrentBag entry is its own state word, as HikariCP's {@code PoolEntry} is. */
  static final class BagEntry extends AtomicInteger implements IConcurrentBagEntry {
    private static final long serialVersionUID = 1L;

    @Override
    public void setState(int state) {
      set(state);
    }

    @Override
    public int getState() {
      return get();
    }
  }

  static final class StormMember extends BasePoolable {
    StormMember(Slot slot) {
      super(slot);
    }
  }

  static final class StormAllocator implements Allocator<StormMember> {
    @Override
    public StormMember allocate(Slot slot) {
      return new StormMember(slot);
    }

    @Override
    public void deallocate(StormMember m) {}
  }
}
