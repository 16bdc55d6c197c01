package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lifeline.core.internal.BagConnectionPool;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@code leakDetectionThreshold}: a lease held too long is logged once with its acquirer's stack, and counted. */
class PoolLeakDetectionTest {
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();
  private final Logger poolLog = (Logger) LoggerFactory.getLogger(ConnectionPool.class);

  private Level level;

  @BeforeEach
  void capture() {
    level = poolLog.getLevel();
    poolLog.setLevel(Level.INFO);
    events.start();
    poolLog.addAppender(events);
  }

  @AfterEach
  void release() {
    poolLog.detachAppender(events);
    poolLog.setLevel(level);
  }

  private List<ILoggingEvent> logged(Level level) {
    return snapshot(events).stream().filter(e -> e.getLevel() == level).collect(Collectors.toList());
  }

  @Test
  void aLeaseHeldPastTheThresholdIsLoggedOnceWithTheAcquirersStackAndCounted() {
    FakeTicker ticker = new FakeTicker();
    ConnectionPool<Object> pool = ConnectionPool.builder(Object::new).name("orders").size(2)
        .ticker(ticker).leakDetectionThreshold(Duration.ofSeconds(2)).build();
    BagConnectionPool<?> bag = (BagConnectionPool<?>) pool;
    Lease<Object> held = acquireInANamedMethod(pool);
    try (Lease<Object> quick = pool.acquire()) {
      assertThat(quick.get()).isNotNull();
    }
    ticker.advance(Duration.ofMillis(1_999));
    // 1 ms left: the next scan is due then (no sooner than 10 ms, so short leases cannot spin it)
    assertThat(bag.maintainLeakDetection(ticker.read())).isEqualTo(Duration.ofMillis(10).toNanos());
    assertThat(pool.leaksDetected()).isZero();
    ticker.advance(Duration.ofMillis(1));
    bag.maintainLeakDetection(ticker.read());
    for (int i = 0; i < 5; i++) { // later scans do not report it again
      ticker.advance(Duration.ofSeconds(10));
      bag.maintainLeakDetection(ticker.read());
    }
    assertThat(pool.leaksDetected()).isEqualTo(1);
    List<ILoggingEvent> warns = logged(Level.WARN);
    assertThat(warns).hasSize(1);
    ILoggingEvent warn = warns.get(0);
    assertThat(warn.getFormattedMessage()).isEqualTo("pool 'orders': a lease has been held for 2s,"
        + " longer than leakDetectionThreshold (2s); possible leak (a lease not closed)");
    assertThat(warn.getThrowableProxy().getMessage())
        .isEqualTo("lease acquired here, by thread '" + Thread.currentThread().getName() + "'");
    assertThat(warn.getThrowableProxy().getStackTraceElementProxyArray())
        .anySatisfy(f -> assertThat(f.getSTEAsString()).contains("acquireInANamedMethod"));

    held.close();
    assertThat(logged(Level.INFO)).extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("pool 'orders': the lease reported as leaked was returned after 52s");
    ticker.advance(Duration.ofSeconds(10));
    bag.maintainLeakDetection(ticker.read());
    assertThat(pool.leaksDetected()).isEqualTo(1);
    pool.close();
  }

  private static Lease<Object> acquireInANamedMethod(ConnectionPool<Object> pool) {
    return pool.acquire();
  }

  /** End to end on the real clock: the shared scheduler finds the leak without anyone calling maintain. */
  @Test
  void theSchedulerFindsALeakOnTheRealClock() {
    ConnectionPool<Object> pool = ConnectionPool.builder(Object::new).size(1)
        .leakDetectionThreshold(Duration.ofMillis(50)).build();
    Lease<Object> held = pool.acquire();
    await().atMost(Duration.ofSeconds(20)).until(() -> pool.leaksDetected() == 1);
    held.close();
    try (Lease<Object> again = pool.acquire()) {
      assertThat(again.get()).isNotNull(); // a prompt lease is not a leak
    }
    assertThat(pool.leaksDetected()).isEqualTo(1);
    pool.close();
  }

  @Test
  void offByDefault() {
    ConnectionPool<Object> pool = ConnectionPool.create(Object::new, 1);
    Lease<Object> held = pool.acquire();
    assertThat(((BagConnectionPool<?>) pool).maintainLeakDetection(Long.MAX_VALUE)).isEqualTo(-1);
    assertThat(pool.leaksDetected()).isZero();
    held.close();
    pool.close();
  }

  @Test
  void thresholdOutOfRangeIsRejectedNamingTheKey() {
    assertThatThrownBy(() -> ConnectionPool.builder(Object::new).leakDetectionThreshold(Duration.ofMillis(5)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("leakDetectionThreshold=5ms: must be 0 (off) or between 10ms and 1d");
    assertThatThrownBy(() -> ConnectionPool.builder(Object::new).leakDetectionThreshold(Duration.ofDays(2)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("leakDetectionThreshold=2d: must be 0 (off) or between 10ms and 1d");
  }

  /**
   * The events so far: copied under the appender's own lock (logback's {@code AppenderBase} appends
   * under it), as other threads keep logging while the test reads.
   */
  private static java.util.List<ch.qos.logback.classic.spi.ILoggingEvent> snapshot(
      ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> a) {
    synchronized (a) {
      return new java.util.ArrayList<>(a.list);
    }
  }
}
