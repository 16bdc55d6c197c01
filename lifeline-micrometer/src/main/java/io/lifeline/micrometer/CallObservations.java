package io.lifeline.micrometer;

import io.lifeline.core.Guard;
import io.lifeline.core.Secrets;
import io.lifeline.core.spi.CallObserver;
import io.lifeline.core.spi.CallOutcome;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/** The {@link CallObserver} behind {@link LifelineObservations}: one Observation per call and attempt. */
final class CallObservations implements CallObserver {
  static final String CALL = "lifeline.call";
  static final String ATTEMPT = "lifeline.call.attempt";
  static final Observation.Event ATTEMPT_FAILED =
      Observation.Event.of("lifeline.attempt.failed", "attempt failed");

  private final ObservationRegistry registry;
  private final String service;
  private final String backend;

  CallObservations(ObservationRegistry registry, Guard guard) {
    this.registry = registry;
    this.service = guard.name();
    this.backend = guard.backend();
  }

  /** The observations of one call: the call's, and the current attempt's. */
  private static final class Span {
    final Observation call;
    Observation attempt; // attempts of one call never overlap

    Span(Observation call) {
      this.call = call;
    }
  }

  @Override
  public Object callStarted(String guard) {
    if (registry.isNoop()) {
      return null;
    }
    Observation call = Observation.createNotStarted(CALL, registry)
        .contextualName(service)
        .lowCardinalityKeyValue("service", service)
        .lowCardinalityKeyValue("backend", backend)
        .start();
    return new Span(call);
  }

  @Override
  public void attemptStarted(Object token, int attempt) {
    if (token == null) {
      return;
    }
    Span s = (Span) token;
    s.attempt = Observation.createNotStarted(ATTEMPT, registry)
        .parentObservation(s.call)
        .contextualName(service + " attempt")
        .lowCardinalityKeyValue("service", service)
        .lowCardinalityKeyValue("backend", backend)
        .highCardinalityKeyValue("attempt", Integer.toString(attempt))
        .start();
  }

  @Override
  public void attemptEnded(Object token, int attempt, Throwable error) {
    if (token == null) {
      return;
    }
    Span s = (Span) token;
    Observation a = s.attempt;
    s.attempt = null;
    if (a == null) {
      return;
    }
    if (error != null) {
      a.error(sanitized(error));
      s.call.event(ATTEMPT_FAILED);
    }
    a.lowCardinalityKeyValue("outcome", error == null ? "success" : "failure");
    a.stop();
  }

  @Override
  public void callEnded(Object token, long nanos, CallOutcome outcome, Throwable error) {
    if (token == null) {
      return;
    }
    Observation call = ((Span) token).call;
    call.lowCardinalityKeyValue("outcome", outcome.tag());
    if (error != null) {
      call.error(sanitized(error));
    }
    call.stop();
  }

  /** What a span may carry of a failure: its sanitized description, no cause, no stack. */
  static Throwable sanitized(Throwable t) {
    return new ObservedFailure(Secrets.describe(t));
  }

  /** A failure as a span shows it. */
  static final class ObservedFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ObservedFailure(String description) {
      super(description, null, false, false);
    }
  }
}
