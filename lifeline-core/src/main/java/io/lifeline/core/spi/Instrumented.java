package io.lifeline.core.spi;

/**
 * A component that has meters: it describes them to a {@link MeterSink} on request. Registered
 * with {@link Instrumentation#register}.
 *
 * <p>{@link #describeMeters} is called once when a binder starts listening (or when the component
 * registers, whichever is later) and again after each {@link Instrumentation.Registration#refresh()}
 * (e.g. when a health manager registers a service); each call describes the complete current set,
 * and a binder drops meters that a later description no longer contains.
 *
 * <p>Implementations must describe only bounded tags (names given in code or configuration, enum
 * values), never keys, queries, URLs or bodies, and must not block.
 */
@FunctionalInterface
public interface Instrumented {
  void describeMeters(MeterSink sink);
}
