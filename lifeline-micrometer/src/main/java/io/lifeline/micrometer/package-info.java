/**
 * Micrometer for Lifeline: {@link io.lifeline.micrometer.LifelineMetrics#bindTo} gives every
 * Guard, pool, connection manager and health manager meters in a {@code MeterRegistry}, including
 * those created later; {@link io.lifeline.micrometer.GuardMetrics} and {@link
 * io.lifeline.micrometer.InstrumentedMetrics} are the per-component binders; {@link
 * io.lifeline.micrometer.LifelineObservations} adds an {@code Observation} per call and per
 * attempt. The README's "Observability" section lists every meter.
 */
package io.lifeline.micrometer;
