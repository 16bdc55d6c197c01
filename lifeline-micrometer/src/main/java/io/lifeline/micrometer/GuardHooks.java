package io.lifeline.micrometer;

import io.lifeline.core.CircuitBreaker;
import io.lifeline.core.Guard;
import io.lifeline.core.spi.CallObserver;
import io.lifeline.core.spi.CallOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What a Guard's calls record: {@code lifeline.calls} and {@code lifeline.call.duration} by
 * outcome (meters created on an outcome's first call, then one array read each: no allocation on
 * the call path beyond what Micrometer's timer does), and {@code lifeline.breaker.transitions} from
 * a breaker listener (on Lifeline's event threads, never the caller's).
 */
final class GuardHooks implements RegistryBinding.Hook, CallObserver, CircuitBreaker.Listener {
  static final String CALLS = "lifeline.calls";
  static final String CALL_DURATION = "lifeline.call.duration";
  static final String TRANSITIONS = "lifeline.breaker.transitions";

  private static final CallOutcome[] OUTCOMES = CallOutcome.values();

  private final MeterRegistry registry;
  private final Guard guard;
  private final Tags tags;
  private final AtomicReferenceArray<Timer> timers = new AtomicReferenceArray<>(OUTCOMES.length);
  private final AtomicReferenceArray<Counter> counters = new AtomicReferenceArray<>(OUTCOMES.length);
  private final Map<CircuitBreaker.State, Counter> transitions = new EnumMap<>(CircuitBreaker.State.class);
  private final AutoCloseable observation;

  GuardHooks(MeterRegistry registry, Guard guard, Tags tags) {
    this.registry = registry;
    this.guard = guard;
    this.tags = tags;
    for (CircuitBreaker.State s : CircuitBreaker.State.values()) {
      transitions.put(s, Counter.builder(TRANSITIONS)
          .description("Circuit breaker transitions by the state entered")
          .tags(tags).tag("to", s.name().toLowerCase(Locale.ROOT)).register(registry));
    }
    guard.circuitBreaker().addListener(this);
    this.observation = guard.addCallObserver(this);
  }

  @Override
  public Object callStarted(String name) {
    return null;
  }

  @Override
  public void callEnded(Object token, long nanos, CallOutcome outcome, Throwable error) {
    int i = outcome.ordinal();
    Timer t = timers.get(i);
    if (t == null) {
      t = createTimer(i);
    }
    Counter c = counters.get(i);
    if (c == null) {
      c = createCounter(i);
    }
    t.record(nanos, TimeUnit.NANOSECONDS);
    c.increment();
  }

  private Timer createTimer(int i) {
    Timer t = Timers.timer(registry, CALL_DURATION, "Duration of guarded calls, all attempts and backoff included",
        tags.and("outcome", OUTCOMES[i].tag()));
    timers.compareAndSet(i, null, t); // the registry returns the same timer to a racing thread
    return t;
  }

  private Counter createCounter(int i) {
    Counter c = Counter.builder(CALLS).description("Guarded calls by outcome")
        .tags(tags).tag("outcome", OUTCOMES[i].tag()).register(registry);
    counters.compareAndSet(i, null, c);
    return c;
  }

  @Override
  public void onTransition(CircuitBreaker.Transition transition) {
    Counter c = transitions.get(transition.to());
    if (c != null) {
      c.increment();
    }
  }

  @Override
  public void close() {
    try {
      observation.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    guard.circuitBreaker().removeListener(this);
    transitions.values().forEach(registry::remove);
    for (int i = 0; i < OUTCOMES.length; i++) {
      Timer t = timers.getAndSet(i, null);
      if (t != null) {
        registry.remove(t);
      }
      Counter c = counters.getAndSet(i, null);
      if (c != null) {
        registry.remove(c);
      }
    }
  }
}
