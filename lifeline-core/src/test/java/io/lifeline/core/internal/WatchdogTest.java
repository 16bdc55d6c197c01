package io.lifeline.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WatchdogTest {

  @Test
  void interruptsABlockedCallAtItsDeadlineAndClearsTheInterruptOnFinish() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    long start = System.nanoTime();
    Watchdog.Watch w = Watchdog.watch(TimeUnit.MILLISECONDS.toNanos(50));
    boolean interrupted = false;
    try {
      never.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      interrupted = true;
    }
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(interrupted).isTrue();
    assertThat(tookMs).isGreaterThanOrEqualTo(50).isLessThan(2_000);
    assertThat(w.finish()).isTrue();
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
  }

  @Test
  void aCallFinishedInTimeIsNeverInterruptedAndLeavesTheQueue() throws Exception {
    for (int i = 0; i < 1_000; i++) {
      Watchdog.Watch w = Watchdog.watch(TimeUnit.MILLISECONDS.toNanos(30));
      assertThat(w.finish()).isFalse();
    }
    // past every deadline: nothing fires for finished calls
    CountDownLatch pause = new CountDownLatch(1);
    assertThat(pause.await(60, TimeUnit.MILLISECONDS)).isFalse();
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    await().atMost(Duration.ofSeconds(5)).until(() -> Watchdog.watched() == 0);
  }

  @Test
  void theSweeperParksWhenNothingIsWatched() {
    Watchdog.watch(TimeUnit.MILLISECONDS.toNanos(10)).finish();
    await().atMost(Duration.ofSeconds(5)).until(() -> Watchdog.watched() == 0);
    Thread sweeper = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("lifeline-watchdog")).findFirst().orElseThrow();
    await().atMost(Duration.ofSeconds(5)).until(() -> sweeper.getState() == Thread.State.WAITING);
  }
}
