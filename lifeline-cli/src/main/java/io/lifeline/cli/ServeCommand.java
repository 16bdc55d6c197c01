package io.lifeline.cli;

import io.lifeline.cli.internal.LibraryConfigs;
import io.lifeline.micrometer.LifelineMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lifeline serve}: watches the configured services and serves the console endpoints until
 * stopped (SIGTERM / Ctrl-C), delivering alerts and reloading the file when it changes. {@code
 * /metrics} is the Prometheus text of {@link #registry}.
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

  @Option(names = "--no-reload", description = "Do not watch the configuration file (by default a valid change "
      + "to its services or features is applied within a second, an invalid one rejected and shown in /health).")
  boolean noReload;

  ServeCommand(Cli.Context ctx) {
    this.ctx = ctx;
  }

  /**
   * A Prometheus registry with every Lifeline component bound to it, before the managers are made
   * (LifelineMetrics also instruments those created later). Lives as long as the process.
   */
  static PrometheusMeterRegistry registry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    LifelineMetrics.bindTo(registry);
    return registry;
  }

  @Override
  public Integer call() throws Exception {
    ConfigLoader loader = new ConfigLoader(ctx.env());
    Path file;
    try {
      file = Path.of(config);
    } catch (java.nio.file.InvalidPathException e) {
      loader.load(config); // reports the bad name as a configuration problem
      throw e;
    }
    String text = ConfigLoader.readText(file, config);
    LifelineConfig c = loader.parse(text, config);
    PrometheusMeterRegistry registry = registry();
    try (LifelineServer server = LifelineServer.start(c,
        section -> LibraryConfigs.consoleOptions(section, bind, port, ctx.env()), registry::scrape);
         ConfigReloader reloader = noReload ? null
             : new ConfigReloader(file, config, text, loader, server, RELOAD_EVERY)) {
      server.alerts().bindTo(registry);
      ctx.out().println("lifeline serving " + c.services().size() + " services on " + server.uri()
          + " (/health, /health/live, /health/ready, /metrics)" + (noReload ? "" : "; watching " + config));
      ctx.out().flush();
      ctx.stop().await();
    }
    return ExitCodes.OK;
  }

  /** How often the configuration file is read for changes. */
  static final java.time.Duration RELOAD_EVERY = java.time.Duration.ofSeconds(1);
}
