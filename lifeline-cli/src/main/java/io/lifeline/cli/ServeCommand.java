package io.lifeline.cli;

import io.lifeline.cli.internal.LibraryConfigs;
import io.lifeline.console.MetricsSource;
import io.lifeline.micrometer.LifelineMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lifeline serve}: watches the configured services and serves the console endpoints until
 * stopped (SIGTERM / Ctrl-C). {@code /metrics} is the Prometheus text of {@link #metricsSource}.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Watch the configured services and serve /health, /health/live, /health/ready and /metrics "
        + "until stopped. Binding anything but loopback needs a token (console.token or LIFELINE_TOKEN).")
final class ServeCommand implements Callable<Integer> {
  private final Cli.Context ctx;

  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML configuration.")
  String config;

  @Option(names = "--port", paramLabel = "N", description = "Port (overrides console.port; 0 = any free port).")
  Integer port;

  @Option(names = "--bind", paramLabel = "ADDR", description = "Address (overrides console.bind).")
  String bind;

  ServeCommand(Cli.Context ctx) {
    this.ctx = ctx;
  }

  /** What /metrics serves; null until a metrics registry is wired in (404 meanwhile). */
  /**
   * A Prometheus registry with every Lifeline component bound to it, before the managers are made
   * (LifelineMetrics also instruments those created later). Lives as long as the process.
   */
  MetricsSource metricsSource() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    LifelineMetrics.bindTo(registry);
    return registry::scrape;
  }

  @Override
  public Integer call() throws Exception {
    LifelineConfig c = new ConfigLoader(ctx.env()).load(config);
    try (LifelineServer server = LifelineServer.start(c,
        LibraryConfigs.consoleOptions(c.console(), bind, port, ctx.env()), metricsSource())) {
      ctx.out().println("lifeline serving " + c.services().size() + " services on " + server.uri()
          + " (/health, /health/live, /health/ready, /metrics)");
      ctx.out().flush();
      ctx.stop().await();
    }
    return ExitCodes.OK;
  }
}
