package io.lifeline.cli;

import io.lifeline.console.ConsoleOptions;
import io.lifeline.console.LifelineConsole;
import io.lifeline.console.MetricsSource;
import java.net.URI;

/**
 * What {@code lifeline serve} runs: a started {@link Monitor} on the configured services and a
 * {@link LifelineConsole} serving it ({@code /health}, {@code /health/live}, {@code /health/ready}
 * with the configured critical features, {@code /metrics} from the given source). Close to stop both.
 */
public final class LifelineServer implements AutoCloseable {
  private final Monitor monitor;
  private final LifelineConsole console;

  private LifelineServer(Monitor monitor, LifelineConsole console) {
    this.monitor = monitor;
    this.console = console;
  }

  /**
   * Starts monitoring and serving.
   *
   * @param options the console's options (bind, port, token); critical features and metrics are set here
   * @param metrics what {@code /metrics} serves, or null for none (404)
   */
  public static LifelineServer start(LifelineConfig config, ConsoleOptions.Builder options, MetricsSource metrics) {
    ConsoleOptions built = options.criticalFeatures(config.criticalFeatures()).metrics(metrics).build();
    Monitor monitor = Monitor.open(config, config.services(), false);
    try {
      monitor.health().start();
      return new LifelineServer(monitor, LifelineConsole.start(monitor.health(), built));
    } catch (RuntimeException e) {
      monitor.close();
      throw e;
    }
  }

  /** {@code http://host:port/} the console listens on. */
  public URI uri() {
    return console.uri();
  }

  public Monitor monitor() {
    return monitor;
  }

  @Override
  public void close() {
    console.close();
    monitor.close();
  }
}
