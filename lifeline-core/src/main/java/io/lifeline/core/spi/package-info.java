/**
 * Hooks for instrumentation (the service-provider side of Lifeline; {@code lifeline-micrometer} is
 * its first user): {@link io.lifeline.core.spi.Instrumentation}, the process-wide registry every
 * Guard, pool, health manager and connection manager announces itself to, including ones created
 * after a binder started listening; {@link io.lifeline.core.spi.Instrumented}, how a component
 * describes its meters to a {@link io.lifeline.core.spi.MeterSink}; {@link
 * io.lifeline.core.spi.CallObserver} for the calls of a {@link io.lifeline.core.Guard}; and {@link
 * io.lifeline.core.spi.Timing} for other timed events (pool acquires, health checks).
 *
 * <p>No metrics library is referenced here: a component only says which numbers it has (as
 * functions over state it already keeps) and which events it times; a binder maps them to its
 * library. When nobody listens, a component pays one field read per event and allocates nothing.
 */
package io.lifeline.core.spi;
