package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ConnectionPoolTest {

  /** A pooled thing that knows whether it is closed, in use, or (for the validator) valid. */
  static final class Member implements AutoCloseable {
    final int id;
    final AtomicBoolean closed = new AtomicBoolean();
    final AtomicBoolean borrowed = new AtomicBoolean();
    volatile boolean valid = true;

    Member(int id) {
      this.id = id;
    }

    @Override
    public void close() {
      closed.set(true);
    }

    @Override
    public String toString() {
      return "Member" + id;
    }
  }

  /** Factory and destroyer that count members and remember the most alive at once. */
  static final class Members implements Callable<Member> {
    final AtomicInteger created = new AtomicInteger();
    final AtomicInteger destroyed = new AtomicInteger();
    final AtomicInteger live = new AtomicInteger();
    final AtomicInteger maxLive = new AtomicInteger();
    final List<Member> all = new CopyOnWriteArrayList<>();

    @Override
    public Member call() throws Exception {
      int now = live.incrementAndGet();
      maxLive.accumulateAndGet(now, Math::max);
      Member m = new Member(created.incrementAndGet());
      all.add(m);
      return m;
    }

    void destroy(Member m) {
      assertThat(m.closed.getAndSet(true)).as("destroyed twice: %s", m).isFalse();
      destroyed.incrementAndGet();
      live.decrementAndGet();
    }
  }

  private final Members members = new Members();
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<ConnectionPool<?>> pools = new ArrayList<>();

  @AfterEach
  void tearDown() throws InterruptedException {
    pools.forEach(ConnectionPool::close);
    executor.shutdownNow();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  private ConnectionPool<Member> pool(int size) {
    return track(ConnectionPool.builder(members).size(size).name("neo4j").destroyer(members::destroy).build());
  }

  private <P extends ConnectionPool<?>> P track(P pool) {
    pools.add(pool);
    return pool;
  }

  private Future<Lease<Member>> acquireAsync(ConnectionPool<Member> pool, Duration timeout) {
    return executor.submit(() -> pool.acquire(timeout));
  }

  private static Throwable failureOf(Future<?> f) throws InterruptedException {
    try {
      f.get(10, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("still running", e);
    }
  }

  // --- creation and reuse ---------------------------------------------------------------------

  @Test
  void createsLazilyInTheAcquiringThreadAndReuses() {
    AtomicLong factoryThread = new AtomicLong();
    ConnectionPool<Member> pool = track(ConnectionPool.create(() -> {
      factoryThread.set(Thread.currentThread().getId());
      return members.call();
    }, 5));
    assertThat(members.created).hasValue(0);
    assertThat(pool.size()).isEqualTo(5);
    assertThat(pool.total()).isZero();

    Member first;
    try (Lease<Member> lease = pool.acquire()) {
      first = lease.get();
      assertThat(factoryThread).hasValue(Thread.currentThread().getId());
    }
    for (int i = 0; i < 100; i++) {
      try (Lease<Member> lease = pool.acquire(Duration.ofSeconds(1))) {
        assertThat(lease.get()).isSameAs(first);
      }
    }
    assertThat(members.created).hasValue(1);
    assertThat(pool.total()).isEqualTo(1);
  }

  @Test
  void reusesFreeMembersBeforeFillingEmptySlots() {
    ConnectionPool<Member> pool = pool(4);
    Lease<Member> a = pool.acquire();
    Lease<Member> b = pool.acquire();
    assertThat(a.get()).isNotSameAs(b.get());
    a.close();
    b.close();
    // Two free members exist: two concurrent leases need no third member.
    Lease<Member> c = pool.acquire();
    Lease<Member> d = pool.acquire();
    assertThat(List.of(c.get(), d.get())).containsExactlyInAnyOrder(members.all.get(0), members.all.get(1));
    assertThat(members.created).hasValue(2);
    c.close();
    d.close();
  }

  @Test
  void defaultDestroyerClosesAutoCloseableMembers() {
    ConnectionPool<Member> pool = track(ConnectionPool.create(members, 1));
    Member m;
    try (Lease<Member> lease = pool.acquire()) {
      m = lease.get();
      lease.markBroken();
    }
    assertThat(m.closed).isTrue();
  }

  // --- bound ----------------------------------------------------------------------------------

  @Test
  void neverMoreThanSizeMembersEvenWhenExhausted() {
    ConnectionPool<Member> pool = pool(3);
    List<Lease<Member>> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(pool.acquire());
    }
    assertThat(pool.tryAcquire()).isEmpty();
    assertThatThrownBy(() -> pool.acquire(Duration.ZERO)).isInstanceOf(PoolTimeoutException.class);
    assertThat(members.created).hasValue(3);
    held.forEach(Lease::close);
  }

  // --- timeout --------------------------------------------------------------------------------

  @Test
  void timesOutExactlyOnTimeWithHikariStyleMessage() {
    ConnectionPool<Member> pool = pool(1);
    Lease<Member> held = pool.acquire();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(200)))
        .isInstanceOf(PoolTimeoutException.class)
        .hasMessage("pool 'neo4j' timed out after 200ms (total=1, active=1, idle=0, waiting=0)")
        .satisfies(e -> {
          PoolTimeoutException pte = (PoolTimeoutException) e;
          assertThat(pte.pool()).isEqualTo("neo4j");
          assertThat(pte.timeout()).isEqualTo(Duration.ofMillis(200));
          assertThat(pte.total()).isEqualTo(1);
          assertThat(pte.active()).isEqualTo(1);
        });
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(elapsedMs).isGreaterThanOrEqualTo(200).isLessThan(200 + 1000);
    assertThat(pool.waiting()).isZero();
    held.close();
  }

  @Test
  void timeoutMessageCountsOtherWaiters() throws Exception {
    ConnectionPool<Member> pool = pool(1);
    Lease<Member> held = pool.acquire();
    Future<Lease<Member>> w1 = acquireAsync(pool, Duration.ofSeconds(30));
    Future<Lease<Member>> w2 = acquireAsync(pool, Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.waiting() == 2);
    assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(50)))
        .hasMessage("pool 'neo4j' timed out after 50ms (total=1, active=1, idle=0, waiting=2)");
    pool.close();
    assertThat(failureOf(w1)).isInstanceOf(PoolClosedException.class);
    assertThat(failureOf(w2)).isInstanceOf(PoolClosedException.class);
    held.close();
  }

  @Test
  void defaultTimeoutComesFromTheBuilder() {
    ConnectionPool<Member> pool = track(ConnectionPool.builder(members).size(1).name("p")
        .acquireTimeout(Duration.ofMillis(100)).build());
    Lease<Member> held = pool.acquire();
    long t0 = System.nanoTime();
    assertThatThrownBy(pool::acquire).hasMessageStartingWith("pool 'p' timed out after 100ms");
    assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    held.close();
  }

  @Test
  void deadlineIsJudgedByTheTicker() throws Exception {
    AtomicLong now = new AtomicLong();
    ConnectionPool<Member> pool = track(ConnectionPool.builder(members).size(1).name("t")
        .ticker(now::get).build());
    Lease<Member> held = pool.acquire();
    Future<Lease<Member>> waiter = acquireAsync(pool, Duration.ofMinutes(5));
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.waiting() == 1);
    now.addAndGet(Duration.ofMinutes(5).toNanos());
    long t0 = System.nanoTime();
    assertThat(failureOf(waiter)).isInstanceOf(PoolTimeoutException.class)
        .hasMessageStartingWith("pool 't' timed out after 5m");
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
    held.close();
  }

  // --- hand-off -------------------------------------------------------------------------------

  @Test
  void releaseHandsTheMemberToAWaiter() throws Exception {
    ConnectionPool<Member> pool = pool(1);
    Lease<Member> held = pool.acquire();
    Member m = held.get();
    Future<Lease<Member>> waiter = acquireAsync(pool, Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.waiting() == 1);
    long t0 = System.nanoTime();
    held.close();
    Lease<Member> got = waiter.get(5, TimeUnit.SECONDS);
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
    assertThat(got.get()).isSameAs(m);
    assertThat(members.created).hasValue(1);
    assertThat(pool.waiting()).isZero();
    got.close();
  }

  @Test
  void everyWaiterIsServedInTurn() throws Exception {
    ConnectionPool<Member> pool = pool(1);
    Lease<Member> held = pool.acquire();
    List<Future<Member>> waiters = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      waiters.add(executor.submit(() -> {
        try (Lease<Member> lease = pool.acquire(Duration.ofSeconds(30))) {
          return lease.get(); // closing it hands it to the next waiter
        }
      }));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.waiting() == 4);
    Member m = held.get();
    held.close();
    for (Future<Member> w : waiters) {
      assertThat(w.get(5, TimeUnit.SECONDS)).isSameAs(m);
    }
    assertThat(members.created).hasValue(1);
  }

  // --- broken, validator ----------------------------------------------------------------------

  @Test
  void brokenMemberIsDestroyedAndReplacedLazily() {
    ConnectionPool<Member> pool = pool(1);
    Member first;
    try (Lease<Member> lease = pool.acquire()) {
      first = lease.get();
      lease.markBroken();
    }
    assertThat(first.closed).isTrue();
    assertThat(members.destroyed).hasValue(1);
    assertThat(pool.total()).isZero(); // slot empty, not refilled eagerly
    assertThat(members.created).hasValue(1);
    try (Lease<Member> lease = pool.acquire()) {
      assertThat(lease.get()).isNotSameAs(first);
    }
    assertThat(members.created).hasValue(2);
    assertThat(pool.total()).isEqualTo(1);
  }

  @Test
  void brokenMemberWithAWaiterLetsTheWaiterCreateTheReplacement() throws Exception {
    ConnectionPool<Member> pool = pool(1);
    Lease<Member> held = pool.acquire();
    Future<Lease<Member>> waiter = acquireAsync(pool, Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.waiting() == 1);
    held.markBroken();
    held.close();
    Lease<Member> got = waiter.get(5, TimeUnit.SECONDS);
    assertThat(got.get().id).isEqualTo(2);
    assertThat(members.maxLive).hasValue(1);
    got.close();
  }

  @Test
  void validatorReplacesInvalidMembersOnBorrow() {
    AtomicInteger validations = new AtomicInteger();
    ConnectionPool<Member> pool = track(ConnectionPool.builder(members).size(1).name("v")
        .validator(m -> {
          validations.incrementAndGet();
          return m.valid;
        })
        .destroyer(members::destroy).build());
    Member first;
    try (Lease<Member> lease = pool.acquire()) {
      first = lease.get();
    }
    assertThat(validations).as("fresh members are not validated").hasValue(0);
    try (Lease<Member> lease = pool.acquire()) {
      assertThat(lease.get()).isSameAs(first);
    }
    assertThat(validations).hasValue(1);
    first.valid = false;
    try (Lease<Member> lease = pool.acquire()) {
      assertThat(lease.get()).isNotSameAs(first);
    }
    assertThat(first.closed).isTrue();
    assertThat(members.created).hasValue(2);
    assertThat(members.maxLive).hasValue(1);
  }

  @Test
  void validatorThatThrowsCountsAsInvalid() {
    ConnectionPool<Member> pool = track(ConnectionPool.builder(members).size(1).name("v")
        .validator(m -> {
          throw new IllegalStateException("ping failed");
        })
        .destroyer(members::destroy).build());
    pool.acquire().close();
    try (Lease<Member> lease = pool.acquire()) {
      assertThat(lease.get().id).isEqualTo(2);
    }
    assertThat(members.destroyed).hasValue(1);
  }

  // --- factory failure ------------------------------------------------------------------------

  @Test
  void checkedFactoryFailureIsWrappedAndTheSlotIsNotLeaked() {
    AtomicInteger calls = new AtomicInteger();
    ConnectionPool<Member> pool = track(ConnectionPool.builder(() -> {
      if (calls.incrementAndGet() == 1) {
        throw new IOException("connection refused");
      }
      return members.call();
    }).size(1).name("neo4j").build());
    assertThatThrownBy(pool::acquire)
        .isInstanceOf(ServiceUnavailableException.class)
        .hasMessage("'neo4j' unavailable: connection factory failed (cause: IOException: connection refused)")
        .hasCauseInstanceOf(IOException.class);
    assertThat(pool.total()).isZero();
    assertThat(pool.inUse()).isZero();
    try (Lease<Member> lease = pool.acquire(Duration.ZERO)) { // the only slot is free again
      assertThat(lease.get()).isNotNull();
    }
  }

  @Test
  void uncheckedFactoryFailureIsRethrownAsIs() {
    IllegalStateException boom = new IllegalStateException("boom");
    ConnectionPool<Object> pool = track(ConnectionPool.create(() -> {
      throw boom;
    }, 2));
    assertThatThrownBy(pool::acquire).isSameAs(boom);
    assertThatThrownBy(pool::acquire).isSameAs(boom);
    assertThat(pool.total()).isZero();
    assertThat(pool.inUse()).isZero();
  }

  @Test
  void nullFromFactoryIsAFailure() {
    ConnectionPool<Object> pool = track(ConnectionPool.create(() -> null, 1));
    assertThatThrownBy(pool::acquire).isInstanceOf(ServiceUnavailableException.class)
        .hasMessageContaining("connection factory returned null");
    assertThat(pool.inUse()).isZero();
  }

  @Test
  void factoryFailureHandsTheEmptySlotToAWaiter() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    ConnectionPool<Member> pool = track(ConnectionPool.builder(() -> {
      if (calls.incrementAndGet() == 1) {
        release.await();
        throw new IOException("refused");
      }
      return members.call();
    }).size(1).name("f").build());
    Future<Lease<Member>> creator = acquireAsync(pool, Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.inUse() == 1);
    Future<Lease<Member>> waiter = acquireAsync(pool, Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.waiting() == 1);
    release.countDown();
    assertThat(failureOf(creator)).isInstanceOf(ServiceUnavailableException.class);
    Lease<Member> got = waiter.get(5, TimeUnit.SECONDS); // long before its 30 s timeout
    assertThat(got.get().id).isEqualTo(1);
    got.close();
  }

  // --- warmup ---------------------------------------------------------------------------------

  @Test
  void warmupCreatesEveryMember() {
    ConnectionPool<Member> pool = pool(5);
    pool.warmup();
    assertThat(members.created).hasValue(5);
    assertThat(pool.idle()).isEqualTo(5);
    assertThat(pool.total()).isEqualTo(5);
    List<Lease<Member>> held = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      held.add(pool.acquire(Duration.ZERO));
    }
    assertThat(members.created).hasValue(5);
    held.forEach(Lease::close);
    pool.warmup(); // nothing left to do
    assertThat(members.created).hasValue(5);
  }

  @Test
  void warmupLeavesSlotsInUseAlone() {
    ConnectionPool<Member> pool = pool(3);
    Lease<Member> held = pool.acquire();
    pool.warmup();
    assertThat(pool.total()).isEqualTo(3);
    assertThat(pool.idle()).isEqualTo(2);
    held.close();
  }

  @Test
  void warmupReportsFactoryFailureClearly() {
    AtomicInteger calls = new AtomicInteger();
    ConnectionPool<Member> pool = track(ConnectionPool.builder(() -> {
      if (calls.incrementAndGet() == 3) {
        throw new IOException("connection refused");
      }
      return members.call();
    }).size(5).name("neo4j").build());
    assertThatThrownBy(pool::warmup)
        .isInstanceOf(ServiceUnavailableException.class)
        .hasMessage("'neo4j' unavailable: warmup created 2 member(s), then the connection factory failed;"
            + " 2 of 5 alive (cause: IOException: connection refused)")
        .hasCauseInstanceOf(IOException.class);
    assertThat(pool.total()).isEqualTo(2);
    assertThat(pool.inUse()).isZero();
    pool.warmup();
    assertThat(pool.total()).isEqualTo(5);
  }

  // --- close ----------------------------------------------------------------------------------

  @Test
  void closeWakesAllWaitersPromptly() throws Exception {
    ConnectionPool<Member> pool = pool(1);
    Lease<Member> held = pool.acquire();
    List<Future<Lease<Member>>> waiters = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waiters.add(acquireAsync(pool, Duration.ofSeconds(60)));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.waiting() == 3);
    long t0 = System.nanoTime();
    pool.close();
    for (Future<Lease<Member>> w : waiters) {
      assertThat(failureOf(w)).isInstanceOf(PoolClosedException.class)
          .hasMessage("'neo4j' unavailable: pool is closed");
    }
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
    assertThat(pool.waiting()).isZero();
    held.close();
  }

  @Test
  void closeDestroysIdleMembersNowAndLentMembersOnReturn() {
    ConnectionPool<Member> pool = pool(3);
    pool.warmup();
    Lease<Member> held = pool.acquire();
    pool.close();
    assertThat(members.destroyed).hasValue(2);
    assertThat(held.get().closed).as("still usable until returned").isFalse();
    held.close();
    assertThat(members.destroyed).hasValue(3);
    assertThat(members.live).hasValue(0);
    assertThat(pool.total()).isZero();
  }

  @Test
  void afterCloseEverythingFailsFastAndCloseIsIdempotent() {
    ConnectionPool<Member> pool = pool(2);
    pool.close();
    pool.close();
    assertThatThrownBy(pool::acquire).isInstanceOf(PoolClosedException.class);
    assertThatThrownBy(() -> pool.acquire(Duration.ofMinutes(1))).isInstanceOf(PoolClosedException.class);
    assertThatThrownBy(pool::tryAcquire).isInstanceOf(PoolClosedException.class);
    assertThatThrownBy(pool::warmup).isInstanceOf(PoolClosedException.class);
    assertThat(members.created).hasValue(0);
  }

  @Test
  void acquireThatWasCreatingWhenClosedSucceedsAndItsMemberIsDestroyedOnReturn() throws Exception {
    CountDownLatch creating = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    ConnectionPool<Member> pool = track(ConnectionPool.builder(() -> {
      creating.countDown();
      proceed.await();
      return members.call();
    }).size(1).name("c").destroyer(members::destroy).build());
    Future<Lease<Member>> creator = acquireAsync(pool, Duration.ofSeconds(30));
    assertThat(creating.await(5, TimeUnit.SECONDS)).isTrue();
    pool.close(); // the slot was claimed before close: that acquire took effect first
    assertThatThrownBy(pool::acquire).isInstanceOf(PoolClosedException.class);
    proceed.countDown();
    Lease<Member> lease = creator.get(5, TimeUnit.SECONDS);
    assertThat(lease.get().closed).isFalse();
    lease.close();
    assertThat(members.live).hasValue(0);
    assertThat(pool.total()).isZero();
  }

  @Test
  void destroyerFailureIsSwallowed() {
    ConnectionPool<Member> pool = track(ConnectionPool.builder(members).size(1)
        .destroyer(m -> {
          throw new IllegalStateException("close failed");
        }).build());
    Lease<Member> lease = pool.acquire();
    lease.markBroken();
    assertThatCode(lease::close).doesNotThrowAnyException();
    assertThat(pool.total()).isZero();
    assertThat(pool.acquire(Duration.ZERO).get().id).isEqualTo(2);
  }

  // --- lease misuse, gauges, config ------------------------------------------------------------

  @Test
  void secondCloseOfALeaseIsANoOpAndGetAfterCloseFails() {
    ConnectionPool<Member> pool = pool(2);
    Lease<Member> lease = pool.acquire();
    lease.close();
    lease.close();
    lease.markBroken(); // ignored after close
    assertThat(pool.idle()).isEqualTo(1);
    assertThat(pool.inUse()).isZero();
    assertThatThrownBy(lease::get).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    try (Lease<Member> again = pool.acquire()) {
      assertThat(again.get().closed).isFalse();
    }
    assertThat(members.destroyed).hasValue(0);
  }

  @Test
  void gauges() throws Exception {
    ConnectionPool<Member> pool = pool(3);
    assertThat(List.of(pool.size(), pool.total(), pool.idle(), pool.inUse(), pool.waiting()))
        .containsExactly(3, 0, 0, 0, 0);
    Lease<Member> a = pool.acquire();
    Lease<Member> b = pool.acquire();
    assertThat(List.of(pool.total(), pool.idle(), pool.inUse())).containsExactly(2, 0, 2);
    a.close();
    assertThat(List.of(pool.total(), pool.idle(), pool.inUse())).containsExactly(2, 1, 1);
    Lease<Member> c = pool.acquire();
    Lease<Member> d = pool.acquire();
    assertThat(List.of(pool.total(), pool.idle(), pool.inUse())).containsExactly(3, 0, 3);
    Future<Lease<Member>> w = acquireAsync(pool, Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.waiting() == 1);
    assertThat(pool.toString())
        .isEqualTo("ConnectionPool[neo4j, size=3, total=3, active=3, idle=0, waiting=1]");
    b.close();
    w.get(5, TimeUnit.SECONDS).close();
    assertThat(pool.waiting()).isZero();
    c.close();
    d.close();
    assertThat(List.of(pool.total(), pool.idle(), pool.inUse())).containsExactly(3, 3, 0);
  }

  @Test
  void invalidConfigurationIsRejected() {
    assertThatThrownBy(() -> ConnectionPool.create(members, 0))
        .isInstanceOf(ConfigurationException.class).hasMessage("size=0: must be >= 1");
    assertThatThrownBy(() -> ConnectionPool.builder(members).acquireTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(ConfigurationException.class).hasMessageEndingWith(": must be >= 0");
    ConnectionPool<Member> pool = pool(1);
    assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(-1)))
        .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("timeout=");
    assertThatThrownBy(() -> ConnectionPool.builder(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void interruptWhileWaitingFailsTypedAndKeepsTheFlag() throws Exception {
    ConnectionPool<Member> pool = pool(1);
    Lease<Member> held = pool.acquire();
    AtomicReference<Throwable> caught = new AtomicReference<>();
    AtomicBoolean flag = new AtomicBoolean();
    Thread waiter = new Thread(() -> {
      try {
        pool.acquire(Duration.ofSeconds(60));
      } catch (Throwable e) {
        caught.set(e);
        flag.set(Thread.currentThread().isInterrupted());
      }
    });
    waiter.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.waiting() == 1);
    waiter.interrupt();
    waiter.join(TimeUnit.SECONDS.toMillis(5));
    assertThat(waiter.isAlive()).isFalse();
    assertThat(caught.get()).isExactlyInstanceOf(LifelineException.class)
        .hasMessage("pool 'neo4j': interrupted while waiting for a member")
        .hasCauseInstanceOf(InterruptedException.class);
    assertThat(flag).isTrue();
    assertThat(pool.waiting()).isZero();
    held.close();
  }

  @Test
  void hugeTimeoutsDoNotOverflow() {
    ConnectionPool<Member> pool = pool(1);
    try (Lease<Member> lease = pool.acquire(Duration.ofSeconds(Long.MAX_VALUE))) {
      assertThat(lease.get()).isNotNull();
    }
  }

  @Test
  void tryAcquireNeverWaits() {
    ConnectionPool<Member> pool = pool(1);
    Optional<Lease<Member>> first = pool.tryAcquire();
    assertThat(first).isPresent();
    assertThat(pool.tryAcquire()).isEmpty();
    first.get().close();
    assertThat(pool.tryAcquire()).isPresent();
  }

  // --- allocation, concurrency ----------------------------------------------------------------

  @Test
  void acquireAndReleaseAllocateNothingOnceWarm() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
    threads.setThreadAllocatedMemoryEnabled(true);
    ConnectionPool<Member> pool = pool(4);
    pool.warmup();
    Duration timeout = Duration.ofSeconds(1);
    long tid = Thread.currentThread().getId();
    int rounds = 100_000;
    long blackhole = 0;
    for (int i = 0; i < rounds; i++) { // warm: thread-local list, JIT
      Lease<Member> lease = pool.acquire(timeout);
      blackhole += lease.get().id;
      lease.close();
    }
    long before = threads.getThreadAllocatedBytes(tid);
    for (int i = 0; i < rounds; i++) {
      Lease<Member> lease = pool.acquire(timeout);
      blackhole += lease.get().id;
      lease.close();
    }
    long allocated = threads.getThreadAllocatedBytes(tid) - before;
    assertThat(blackhole).isPositive();
    // One object per round would be >= 1.6 MB; allow a little for the measurement itself.
    assertThat(allocated).as("bytes allocated by %d acquire+release", rounds).isLessThan(4096);
  }

  @Test
  void stressBoundedAndExclusive() throws Exception {
    int threads = 8;
    int size = 3;
    int iterations = 20_000;
    ConnectionPool<Member> pool = track(ConnectionPool.builder(members).size(size).name("stress")
        .destroyer(members::destroy).build());
    ConcurrentHashMap<String, Throwable> errors = new ConcurrentHashMap<>();
    AtomicInteger timeouts = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int seed = t;
      workers.add(executor.submit(() -> {
        start.await();
        for (int i = 0; i < iterations; i++) {
          try (Lease<Member> lease = (i + seed) % 3 == 0 ? pool.tryAcquire().orElse(null)
              : pool.acquire(Duration.ofSeconds(10))) {
            if (lease == null) {
              continue;
            }
            Member m = lease.get();
            if (!m.borrowed.compareAndSet(false, true)) {
              errors.put("shared " + m, new AssertionError());
            }
            if (m.closed.get()) {
              errors.put("closed " + m, new AssertionError());
            }
            if (members.live.get() > size) {
              errors.put("live " + members.live.get(), new AssertionError());
            }
            if ((i * 31 + seed) % 97 == 0) {
              lease.markBroken();
            }
            m.borrowed.set(false);
          } catch (PoolTimeoutException e) {
            timeouts.incrementAndGet();
          }
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> w : workers) {
      w.get(120, TimeUnit.SECONDS);
    }
    assertThat(errors).isEmpty();
    assertThat(timeouts).hasValue(0);
    assertThat(members.maxLive.get()).isLessThanOrEqualTo(size);
    assertThat(members.destroyed.get()).isPositive(); // broken members were replaced
    assertThat(pool.inUse()).isZero();
    assertThat(pool.waiting()).isZero();
    assertThat(pool.total()).isEqualTo(pool.idle()).isEqualTo(members.live.get());
    pool.close();
    assertThat(members.live).hasValue(0);
    assertThat(members.created.get()).isEqualTo(members.destroyed.get());
  }

  @Test
  void worksOnVirtualThreads() throws Exception {
    Method factoryMethod;
    try {
      factoryMethod = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
    } catch (NoSuchMethodException jdk17) {
      Assumptions.abort("virtual threads need JDK 21+");
      return;
    }
    ConnectionPool<Member> pool = track(ConnectionPool.builder(members).size(4).name("vt")
        .destroyer(members::destroy).build());
    AtomicInteger done = new AtomicInteger();
    ExecutorService vts = (ExecutorService) factoryMethod.invoke(null);
    try {
      for (int i = 0; i < 10_000; i++) {
        vts.submit(() -> {
          try (Lease<Member> lease = pool.acquire(Duration.ofSeconds(30))) {
            if (!lease.get().borrowed.compareAndSet(false, true)) {
              throw new AssertionError("shared");
            }
            Thread.yield();
            lease.get().borrowed.set(false);
          }
          done.incrementAndGet();
          return null;
        });
      }
    } finally {
      vts.shutdown();
      assertThat(vts.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(done).hasValue(10_000);
    assertThat(members.maxLive.get()).isLessThanOrEqualTo(4);
    assertThat(pool.inUse()).isZero();
  }
}
