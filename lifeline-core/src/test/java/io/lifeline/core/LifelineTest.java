package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.core.health.ConnectionHealthManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LifelineTest {

  @AfterEach
  void cleanUp() {
    Lifeline.closeAll();
  }

  @Test
  void closeAllClosesNewestFirstOnceAndEmptiesTheRegistry() {
    List<String> closed = new ArrayList<>();
    Lifeline.register("a", () -> closed.add("a"));
    Lifeline.register("b", () -> closed.add("b"));
    Lifeline.register("c", () -> closed.add("c"));
    assertThat(Lifeline.registered()).containsExactly("a", "b", "c");

    Lifeline.closeAll();
    Lifeline.closeAll();

    assertThat(closed).containsExactly("c", "b", "a");
    assertThat(Lifeline.registered()).isEmpty();
  }

  @Test
  void aFailingCloseDoesNotStopTheOthers() {
    List<String> closed = new ArrayList<>();
    Lifeline.register("ok", () -> closed.add("ok"));
    Lifeline.register(
        "broken",
        () -> {
          throw new IllegalStateException("boom");
        });
    Lifeline.closeAll();
    assertThat(closed).containsExactly("ok");
  }

  @Test
  void unregisterRemovesWithoutClosing() {
    List<String> closed = new ArrayList<>();
    Lifeline.Registration r = Lifeline.register("x", () -> closed.add("x"));
    r.unregister();
    Lifeline.closeAll();
    assertThat(closed).isEmpty();
  }

  @Test
  void closeAllAsyncCompletes() throws Exception {
    List<String> closed = new ArrayList<>();
    Lifeline.register("x", () -> closed.add("x"));
    Lifeline.closeAllAsync().get(5, TimeUnit.SECONDS);
    assertThat(closed).containsExactly("x");
  }

  @Test
  void healthManagerGlobalIsClosedByCloseAll() {
    ConnectionHealthManager m =
        ConnectionHealthManager.initializeGlobal(
            ConnectionHealthManager.builder().checkInterval(Duration.ofSeconds(30)));
    assertThat(Lifeline.registered()).contains("health");
    assertThat(m.isRunning()).isTrue();

    Lifeline.closeAll();

    assertThat(m.isRunning()).isFalse();
    assertThat(Lifeline.registered()).doesNotContain("health");
    // a new global can be created afterwards
    ConnectionHealthManager again = ConnectionHealthManager.global();
    assertThat(again).isNotSameAs(m);
    ConnectionHealthManager.shutdownGlobal();
    assertThat(Lifeline.registered()).doesNotContain("health");
  }

  @Test
  void shutdownHookCanBeDisabled() {
    boolean before = Lifeline.isShutdownHookEnabled();
    try {
      Lifeline.setShutdownHookEnabled(false);
      assertThat(Lifeline.isShutdownHookEnabled()).isFalse();
    } finally {
      Lifeline.setShutdownHookEnabled(before);
    }
  }
}
