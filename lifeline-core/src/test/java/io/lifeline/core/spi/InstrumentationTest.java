package io.lifeline.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.ConnectionPool;
import io.lifeline.core.Guard;
import io.lifeline.core.RetryConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The registry a binder listens to: components registered before the listener are replayed to it,
 * later ones are told as they come, closed or collected ones are unregistered, and a refresh
 * describes a component again. Pure logic: a recording sink, no metrics library.
 */
class InstrumentationTest {

  /** Records what components describe, by registration. */
  static final class Recorder implements Instrumentation.Listener {
    final Map<Long, List<String>> described = new ConcurrentHashMap<>();
    final List<Long> unregistered = new CopyOnWriteArrayList<>();

    @Override
    public void registered(Instrumentation.Registration r) {
      Instrumented c = r.component();
      if (c == null) {
        return;
      }
      List<String> names = new ArrayList<>();
      c.describeMeters(new MeterSink() {
        @Override
        public <T> void gauge(String name, String description, String unit, T source,
            ToDoubleFunction<T> value, String... tags) {
          names.add(name + tags(tags));
        }

        @Override
        public <T> void counter(String name, String description, String unit, T source,
            ToDoubleFunction<T> count, String... tags) {
          names.add(name + tags(tags));
        }

        @Override
        public void timer(String name, String description, Timing timing, String... tags) {
          names.add(name + tags(tags));
        }

        @Override
        public void calls(Guard guard, String... tags) {
          names.add("calls:" + guard.name() + tags(tags));
        }
      });
      described.put(r.id(), names);
    }

    @Override
    public void unregistered(Instrumentation.Registration r) {
      unregistered.add(r.id());
    }

    boolean saw(String entry) {
      return described.values().stream().anyMatch(l -> l.contains(entry));
    }

    static String tags(String[] tags) {
      return java.util.Arrays.toString(tags);
    }
  }

  @Test
  void aLateListenerSeesExistingComponentsAndNewOnes() throws Exception {
    Guard early = Guard.of("early-guard", RetryConfig.defaults());
    Recorder rec = new Recorder();
    try (AutoCloseable sub = Instrumentation.addListener(rec)) {
      assertThat(rec.saw("calls:early-guard[service, early-guard, backend, guard]")).isTrue();
      Guard late = Guard.builder("late-guard").backend("orders").build();
      assertThat(rec.saw("calls:late-guard[service, late-guard, backend, orders]")).isTrue();
      Guard hidden = Guard.builder("hidden-guard").instrument(false).build();
      assertThat(rec.saw("calls:hidden-guard[service, hidden-guard, backend, guard]"))
          .as("a manager's own guard is described by the manager").isFalse();
      assertThat(late.backend()).isEqualTo("orders");
      assertThat(hidden.name()).isEqualTo("hidden-guard");
    }
    assertThat(early.name()).isEqualTo("early-guard"); // kept reachable until here
  }

  @Test
  void closingAPoolUnregistersItsMeters() throws Exception {
    Recorder rec = new Recorder();
    try (AutoCloseable sub = Instrumentation.addListener(rec)) {
      ConnectionPool<Object> pool = ConnectionPool.builder(Object::new).name("spi-pool").size(1).build();
      assertThat(rec.saw("lifeline.pool.active[pool, spi-pool]")).isTrue();
      assertThat(rec.saw("lifeline.pool.acquire.duration[pool, spi-pool]")).isTrue();
      int before = rec.unregistered.size();
      pool.close();
      assertThat(rec.unregistered).hasSize(before + 1);
    }
  }

  @Test
  void aCollectedGuardIsUnregisteredAtTheNextRegistryOperation() throws Exception {
    Recorder rec = new Recorder();
    try (AutoCloseable sub = Instrumentation.addListener(rec)) {
      Guard.of("garbage-guard", RetryConfig.defaults()); // unreachable at once
      long id = rec.described.entrySet().stream()
          .filter(e -> e.getValue().contains("calls:garbage-guard[service, garbage-guard, backend, guard]"))
          .findFirst().orElseThrow().getKey();
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        System.gc();
        Instrumentation.size(); // purges collected components
        return rec.unregistered.contains(id);
      });
    }
  }

  @Test
  void refreshDescribesAgainAndTimingSkipsTheClockWhileUnobserved() throws Exception {
    Timing timing = Timing.of("outcome");
    assertThat(timing.isObserved()).isFalse();
    timing.record(5, "ok"); // nobody listens: nothing happens
    List<String> seen = new ArrayList<>();
    AutoCloseable l = timing.addListener((nanos, v1, v2) -> seen.add(nanos + ":" + v1 + ":" + v2));
    assertThat(timing.isObserved()).isTrue();
    timing.record(7, "ok");
    l.close();
    l.close(); // idempotent
    timing.record(9, "late");
    assertThat(seen).containsExactly("7:ok:null");
    assertThat(timing.isObserved()).isFalse();

    String[] current = {"v1"};
    Instrumented component = sink -> sink.gauge("spi.test." + current[0], "d", null, current,
        c -> 1, "k", "v");
    Recorder rec = new Recorder();
    try (AutoCloseable sub = Instrumentation.addListener(rec);
        Instrumentation.Registration r = Instrumentation.register(component)) {
      assertThat(rec.described.get(r.id())).containsExactly("spi.test.v1[k, v]");
      current[0] = "v2";
      r.refresh();
      assertThat(rec.described.get(r.id())).containsExactly("spi.test.v2[k, v]");
    }
  }
}
