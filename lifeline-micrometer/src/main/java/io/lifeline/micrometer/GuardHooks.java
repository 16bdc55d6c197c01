package io.lifeline.micrometer;

import io.lifeline.core.CircuitBreaker;
import io.lifeline.core.Guard;
import io.lifeline.core.spi.CallObserver;
import io.lifeline.core.spi.CallOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What a Guard's calls record: one sample of {@code lifeline.call.duration} by outcome (timer
 * created on an outcome's first call, then one array read: no allocation on the call path beyond
 * what Micrometer's timer does). {@code lifeline.calls} is a function counter over that timer's
 * count, so counting costs nothing more per call. {@code lifeline.breaker.transitions} comes from a
 * breaker listener (on Lifeline's event threads, never the caller's).
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
  private final AtomicReferenceArray<FunctionCounter> counters = new AtomicReferenceArray<>(OUTCOMES.length);
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
      t = createMeters(i);
    }
    t.record(nanos, TimeUnit.NANOSECONDS);
  }

  private Timer createMeters(int i) {
    Tags outcome = tags.and("outcome", OUTCOMES[i].tag());
    Timer t = Timers.timer(registry, CALL_DURATION,
        "Duration of guarded calls, all attempts and backoff included", outcome);
    // the registry returns the same meters to a racing thread
    counters.compareAndSet(i, null, FunctionCounter.builder(CALLS, t, Timer::count)
        .description("Guarded calls by outcome").tags(outcome).register(registry));
    timers.compareAndSet(i, null, t);
    return t;
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
      FunctionCounter c = counters.getAndSet(i, null);
      if (c != null) {
        registry.remove(c);
      }
    }
  }
}
