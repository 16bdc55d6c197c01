package io.lifeline.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReminderTest {
  private static final long S = 1_000_000_000L;

  @Test
  void dueAtMostOncePerIntervalFromTheReset() {
    Reminder r = new Reminder(30 * S);
    long t0 = -5 * S; // nanoTime may be negative
    r.reset(t0);
    assertThat(r.due(t0)).isFalse();
    assertThat(r.due(t0 + 29 * S)).isFalse();
    assertThat(r.due(t0 + 30 * S)).isTrue();
    assertThat(r.due(t0 + 31 * S)).isFalse();
    assertThat(r.due(t0 + 59 * S)).isFalse();
    assertThat(r.due(t0 + 61 * S)).isTrue();
    r.reset(t0 + 62 * S); // a new outage starts the count again
    assertThat(r.due(t0 + 91 * S)).isFalse();
    assertThat(r.due(t0 + 92 * S)).isTrue();
  }

  @Test
  void concurrentAskersGetOneTrue() throws Exception {
    Reminder r = new Reminder(S);
    r.reset(0);
    AtomicInteger trues = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    Thread[] ts = new Thread[8];
    for (int i = 0; i < ts.length; i++) {
      ts[i] = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int k = 0; k < 1000; k++) {
          if (r.due(2 * S)) {
            trues.incrementAndGet();
          }
        }
      });
      ts[i].start();
    }
    go.countDown();
    for (Thread t : ts) {
      t.join();
    }
    assertThat(trues).hasValue(1);
  }

  @Test
  void rejectsANonPositiveInterval() {
    assertThatThrownBy(() -> new Reminder(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
