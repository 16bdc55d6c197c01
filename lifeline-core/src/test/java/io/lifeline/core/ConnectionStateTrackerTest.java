package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConnectionStateTrackerTest {

  @Test
  void startsDisconnectedAndNotifiesEachTransitionOnceInOrder() {
    ConnectionStateTracker t = new ConnectionStateTracker("neo4j");
    List<String> seen = new CopyOnWriteArrayList<>();
    List<ConnectionState> simple = new CopyOnWriteArrayList<>();
    t.addStateListener((from, to) -> seen.add(from + ">" + to));
    t.addStateListener(state -> { simple.add(state); });
    assertThat(t.current()).isEqualTo(ConnectionState.DISCONNECTED);
    assertThat(t.transitionTo(ConnectionState.CONNECTING)).isTrue();
    assertThat(t.transitionTo(ConnectionState.CONNECTING)).isFalse(); // no self-transition
    assertThat(t.transitionTo(ConnectionState.CONNECTED)).isTrue();
    assertThat(t.transitionTo(ConnectionState.FAILED)).isTrue();
    assertThat(t.compareAndTransition(ConnectionState.CONNECTED, ConnectionState.CLOSED)).isFalse();
    assertThat(t.transitionTo(ConnectionState.CLOSED)).isTrue();
    assertThat(t.transitionTo(ConnectionState.CONNECTING)).isFalse(); // CLOSED is terminal
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(seen).hasSize(4));
    assertThat(seen).containsExactly("DISCONNECTED>CONNECTING", "CONNECTING>CONNECTED", "CONNECTED>FAILED",
        "FAILED>CLOSED");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(simple).containsExactly(
        ConnectionState.CONNECTING, ConnectionState.CONNECTED, ConnectionState.FAILED, ConnectionState.CLOSED));
  }

  @Test
  void deliveredOffTheCallersThreadAndAThrowingListenerIsIsolated() throws Exception {
    ConnectionStateTracker t = new ConnectionStateTracker("redis");
    List<String> threads = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(3);
    t.addStateListener((from, to) -> {
      throw new IllegalStateException("listener bug");
    });
    t.addStateListener((from, to) -> {
      threads.add(Thread.currentThread().getName());
      done.countDown();
    });
    t.transitionTo(ConnectionState.CONNECTING);
    t.transitionTo(ConnectionState.CONNECTED);
    t.transitionTo(ConnectionState.FAILED);
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(threads).hasSize(3).allSatisfy(n -> assertThat(n).isNotEqualTo(Thread.currentThread().getName()));
  }

  @Test
  void concurrentTransitionsAreEachDeliveredExactlyOnceAsAConsistentChain() throws Exception {
    ConnectionStateTracker t = new ConnectionStateTracker("flappy");
    List<ConnectionState[]> seen = new CopyOnWriteArrayList<>();
    t.addStateListener((from, to) -> seen.add(new ConnectionState[] {from, to}));
    ConnectionState[] cycle = {ConnectionState.CONNECTING, ConnectionState.CONNECTED, ConnectionState.FAILED};
    int threads = 4;
    int[] made = new int[threads];
    List<Thread> ts = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int id = i;
      Thread th = new Thread(() -> {
        for (int k = 0; k < 10_000; k++) {
          if (t.transitionTo(cycle[(k + id) % 3])) {
            made[id]++;
          }
        }
      });
      ts.add(th);
      th.start();
    }
    for (Thread th : ts) {
      th.join();
    }
    int total = 0;
    for (int m : made) {
      total += m;
    }
    int expected = total;
    // a cheap condition (not untilAsserted, whose failure message prints tens of thousands of
    // entries per poll and starved the delivery it waits for on a busy machine); a generous bound:
    // this test is about exactly-once and order, not speed
    await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() >= expected);
    assertThat(seen.size()).isEqualTo(expected);
    assertThat(seen.get(0)[0]).isEqualTo(ConnectionState.DISCONNECTED);
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i)[0]).isEqualTo(seen.get(i - 1)[1]);
    }
    assertThat(seen.get(seen.size() - 1)[1]).isEqualTo(t.current());
  }
}
