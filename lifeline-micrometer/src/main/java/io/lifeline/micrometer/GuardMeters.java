package io.lifeline.micrometer;

import io.lifeline.core.CircuitBreaker;
import io.lifeline.core.ConnectionMetrics;
import io.lifeline.core.Guard;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The function meters of a {@link Guard}: read at scrape time from the counters and the breaker
 * state the Guard keeps anyway, so the call path records nothing for them.
 */
final class GuardMeters {
  private GuardMeters() {}

  static final String ATTEMPTS = "lifeline.attempts";
  static final String RETRIES = "lifeline.retries";
  static final String BUDGET_REJECTIONS = "lifeline.retry.budget.rejections";
  static final String BREAKER_STATE = "lifeline.breaker.state";

  static List<Meter> describe(MeterRegistry registry, Guard guard, Tags tags) {
    ConnectionMetrics m = guard.metrics();
    List<Meter> out = new ArrayList<>();
    out.add(FunctionCounter.builder(ATTEMPTS, m, ConnectionMetrics::successfulConnections)
        .description("Attempts (a call makes one or more) by outcome")
        .tags(tags).tag("outcome", "success").register(registry));
    out.add(FunctionCounter.builder(ATTEMPTS, m, ConnectionMetrics::failedConnections)
        .description("Attempts (a call makes one or more) by outcome")
        .tags(tags).tag("outcome", "failure").register(registry));
    out.add(FunctionCounter.builder(RETRIES, m, ConnectionMetrics::totalRetries)
        .description("Retries made after a failed attempt").tags(tags).register(registry));
    out.add(FunctionCounter.builder(BUDGET_REJECTIONS, m, x -> x.snapshot().budgetRefusals())
        .description("Retries the retry budget refused").tags(tags).register(registry));
    CircuitBreaker breaker = guard.circuitBreaker();
    for (CircuitBreaker.State s : CircuitBreaker.State.values()) {
      out.add(Gauge.builder(BREAKER_STATE, breaker, b -> b.state() == s ? 1 : 0)
          .description("1 when the circuit breaker is in this state, else 0 (one series per state)")
          .tags(tags).tag("state", s.name().toLowerCase(Locale.ROOT)).register(registry));
    }
    return out;
  }
}
