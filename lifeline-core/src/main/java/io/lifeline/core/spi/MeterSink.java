package io.lifeline.core.spi;

import io.lifeline.core.Guard;
import java.util.function.ToDoubleFunction;

/**
 * Where an {@link Instrumented} component describes its meters; implemented by a binder (e.g.
 * {@code lifeline-micrometer}). Names are dotted lower case ({@code lifeline.pool.active}); units
 * are base units ({@code seconds}, {@code bytes}) or null; {@code tags} are alternating keys and
 * values with bounded values.
 *
 * <p>Values are read by functions over state the component already keeps, so nothing is recorded
 * twice: a binder should hold {@code source} weakly, as Micrometer's function meters do.
 */
public interface MeterSink {

  /** A value that goes up and down, read by {@code value} at each scrape. */
  <T> void gauge(String name, String description, String unit, T source, ToDoubleFunction<T> value,
      String... tags);

  /** A count that only grows, read by {@code count} at each scrape. */
  <T> void counter(String name, String description, String unit, T source, ToDoubleFunction<T> count,
      String... tags);

  /**
   * A distribution of event durations the component records into {@code timing} (tag values of the
   * timing's own keys are appended to {@code tags} per event).
   */
  void timer(String name, String description, Timing timing, String... tags);

  /** The calls of {@code guard}: the binder attaches a {@link CallObserver} to it. */
  void calls(Guard guard, String... tags);
}
