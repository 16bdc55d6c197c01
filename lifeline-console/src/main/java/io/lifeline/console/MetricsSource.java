package io.lifeline.console;

/**
 * What {@code GET /metrics} answers: the Prometheus text of a registry, e.g. {@code
 * prometheusMeterRegistry::scrape} once {@code LifelineMetrics.bindTo(registry)} has instrumented
 * Lifeline. A functional interface so the console needs no Micrometer on its class path.
 */
@FunctionalInterface
public interface MetricsSource {
  /** Content type of the Prometheus text exposition format 0.0.4. */
  String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  /** The current metrics text. Called once per request, on a console thread. */
  String scrape();

  /** Content type of {@link #scrape()}; Prometheus text unless overridden. */
  default String contentType() {
    return PROMETHEUS_TEXT;
  }
}
