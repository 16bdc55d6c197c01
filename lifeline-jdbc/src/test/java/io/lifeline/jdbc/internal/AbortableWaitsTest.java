package io.lifeline.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The abort handshake on real threads: every registered wait released once, no interrupt leaks. */
class AbortableWaitsTest {

  /** What a waiter saw: aborted?, interrupt flag after finish(), interrupted inside the wait? */
  private record Seen(boolean aborted, boolean flagAfter, boolean wokenByInterrupt) {}

  @Test
  void abortAllReleasesEveryRegisteredWaitAndClearsTheInterrupt() throws Exception {
    AbortableWaits waits = new AbortableWaits();
    SynchronousQueue<Object> never = new SynchronousQueue<>();
    ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Thread t = new Thread(() -> {
        boolean woken = false;
        AbortableWaits.Wait w = waits.begin();
        try {
          never.poll(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          woken = true;
        } finally {
          boolean aborted = w.finish();
          seen.add(new Seen(aborted, Thread.currentThread().isInterrupted(), woken));
        }
      });
      t.start();
      threads.add(t);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> waits.size() == 16);
    assertThat(waits.abortAll()).isEqualTo(16);
    for (Thread t : threads) {
      t.join(5_000);
    }
    assertThat(seen).hasSize(16).allMatch(s -> s.aborted() && s.wokenByInterrupt() && !s.flagAfter());
    assertThat(waits.size()).isZero();
    assertThat(waits.abortAll()).isZero();
  }

  @Test
  void aFinishedWaitIsNeverInterruptedAndAForeignInterruptIsKept() throws Exception {
    AbortableWaits waits = new AbortableWaits();
    AbortableWaits.Wait w = waits.begin();
    assertThat(w.finish()).isFalse();
    assertThat(waits.abortAll()).isZero();
    assertThat(Thread.currentThread().isInterrupted()).isFalse();

    Thread.currentThread().interrupt(); // someone else's interrupt, not an abort
    AbortableWaits.Wait w2 = waits.begin();
    assertThat(w2.finish()).isFalse();
    assertThat(Thread.interrupted()).as("a foreign interrupt survives finish()").isTrue();
  }

  @Test
  void racingFinishAndAbortNeverLeakAnInterrupt() throws Exception {
    AbortableWaits waits = new AbortableWaits();
    for (int round = 0; round < 2_000; round++) {
      boolean[] leaked = new boolean[1];
      Thread t = new Thread(() -> {
        AbortableWaits.Wait w = waits.begin();
        Thread.yield();
        w.finish();
        leaked[0] = Thread.currentThread().isInterrupted();
      });
      t.start();
      waits.abortAll();
      t.join();
      assertThat(leaked[0]).as("round %d", round).isFalse();
    }
  }
}
