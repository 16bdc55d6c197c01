package io.lifeline.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The closer's bound: while its thread is stuck on one close, at most {@code capacity} more wait;
 * beyond that each caller closes its own connection, so nothing piles up during a long outage and
 * no connection is ever left unclosed (a stand-in connection records who closed it: pure queueing
 * logic, no database involved).
 */
class BrokenConnectionCloserTest {

  @Test
  void atMostCapacityClosesWaitAndTheRestCloseOnTheCallersThread() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Set<String> closedBy = ConcurrentHashMap.newKeySet();
    AtomicInteger closed = new AtomicInteger();
    BrokenConnectionCloser closer = new BrokenConnectionCloser("t", 3);
    try {
      closer.close(connection(() -> {
        awaitQuietly(release); // the closer's thread is stuck on this one
        closed.incrementAndGet();
      }));
      await().atMost(Duration.ofSeconds(5)).until(() -> closer.pending() == 0); // taken by the thread
      String caller = Thread.currentThread().getName();
      for (int i = 0; i < 10; i++) {
        closer.close(connection(() -> {
          closedBy.add(Thread.currentThread().getName());
          closed.incrementAndGet();
        }));
        assertThat(closer.pending()).isLessThanOrEqualTo(3);
      }
      assertThat(closer.capacity()).isEqualTo(3);
      assertThat(closed.get()).as("7 closed at once by the caller, 3 queued").isEqualTo(7);
      assertThat(closedBy).containsExactly(caller);
      release.countDown();
      await().atMost(Duration.ofSeconds(5)).until(() -> closed.get() == 11);
      assertThat(closedBy).hasSize(2).contains(caller).anyMatch(n -> n.startsWith("lifeline-db-t-closer-"));
    } finally {
      release.countDown();
      closer.shutdown();
    }
  }

  @Test
  void afterShutdownTheCallerClosesItsOwn() throws Exception {
    BrokenConnectionCloser closer = new BrokenConnectionCloser("t", 2);
    closer.shutdown();
    AtomicInteger closed = new AtomicInteger();
    closer.close(connection(closed::incrementAndGet));
    assertThat(closed.get()).isEqualTo(1);
  }

  private static Connection connection(Runnable onClose) {
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          if (method.getName().equals("close")) {
            onClose.run();
            return null;
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
