package io.lifeline.cli;

import io.lifeline.cli.alert.Alerts;
import io.lifeline.console.ConsoleOptions;
import io.lifeline.console.LifelineConsole;
import io.lifeline.console.MetricsSource;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What {@code lifeline serve} runs: a started {@link Monitor} on the configured services, the alert
 * sinks listening to it, and a {@link LifelineConsole} serving it ({@code /health}, {@code
 * /health/live}, {@code /health/ready} with the configured critical features, {@code /metrics} from
 * the given source). {@link #apply} changes the services in place (hot reload). Close to stop all.
 */
public final class LifelineServer implements AutoCloseable {
  private final Monitor monitor;
  private final Alerts alerts;
  private final LifelineConfig started;
  private final LifelineConsole console;
  private volatile LifelineConfig current;
  private volatile Map<String, Object> configStatus = Map.of();

  private LifelineServer(Monitor monitor, Alerts alerts, LifelineConfig config, ConsoleOptions.Builder options) {
    this.monitor = monitor;
    this.alerts = alerts;
    this.started = config;
    this.current = config;
    this.console = LifelineConsole.start(monitor.health(), options
        .criticalFeaturesFrom(() -> current.criticalFeatures())
        .reportExtras(() -> configStatus.isEmpty() ? Map.of() : Map.of("config", configStatus))
        .build());
  }

  /**
   * Starts monitoring, alerting and serving.
   *
   * @param options the console's options (bind, port, token); critical features and metrics are set here
   * @param metrics what {@code /metrics} serves, or null for none (404)
   */
  public static LifelineServer start(LifelineConfig config, ConsoleOptions.Builder options, MetricsSource metrics) {
    Monitor monitor = Monitor.open(config, config.services(), false);
    Alerts alerts = null;
    try {
      alerts = Alerts.start(config.alerts().values());
      alerts.routes(routes(config));
      alerts.secrets(secrets(config));
      alerts.attach(monitor.health());
      monitor.health().start();
      return new LifelineServer(monitor, alerts, config, options.metrics(metrics));
    } catch (RuntimeException e) {
      if (alerts != null) {
        alerts.close();
      }
      monitor.close();
      throw e;
    }
  }

  /** What changed in one {@link #apply}. */
  public record Applied(List<String> added, List<String> removed, List<String> retuned, List<String> alertSinks,
      List<String> needRestart) {
    public Applied {
      added = List.copyOf(added);
      removed = List.copyOf(removed);
      retuned = List.copyOf(retuned);
      alertSinks = List.copyOf(alertSinks);
      needRestart = List.copyOf(needRestart);
    }

    @Override
    public String toString() {
      return "added " + added + ", removed " + removed + ", retuned " + retuned
          + (alertSinks.isEmpty() ? "" : ", alert sinks changed " + alertSinks)
          + (needRestart.isEmpty() ? "" : ", not applied until restart: " + needRestart);
    }
  }

  /**
   * Applies a new, already validated configuration without a restart: services added, removed and
   * retuned (a changed service gets a new manager; a check of the old one still running finishes
   * and is not recorded), features and their criticality, the alert sinks (added, changed, removed:
   * {@link Alerts#reconfigure}) and which services alert where. The {@code health:} and {@code
   * console:} sections are fixed at start (the check scheduler and the listening socket): a change
   * to them is reported in {@link Applied#needRestart()} and the running values stay. Not
   * thread-safe: one caller at a time (the reloader's thread).
   */
  public Applied apply(LifelineConfig next) {
    Objects.requireNonNull(next, "next");
    LifelineConfig before = current;
    Map<String, LifelineConfig.Service> old = byName(before.services());
    Map<String, LifelineConfig.Service> now = byName(next.services());
    List<String> added = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    List<String> retuned = new ArrayList<>();
    for (LifelineConfig.Service s : next.services()) {
      LifelineConfig.Service was = old.get(s.name());
      if (was == null) {
        monitor.add(s);
        added.add(s.name());
      } else if (!was.equals(s)) {
        monitor.add(s);
        retuned.add(s.name());
      }
    }
    for (String name : old.keySet()) {
      if (!now.containsKey(name)) {
        monitor.remove(name);
        removed.add(name);
      }
    }
    alerts.secrets(secrets(next));
    List<String> sinks = alerts.reconfigure(next.alerts().values());
    alerts.routes(routes(next));
    List<String> needRestart = new ArrayList<>();
    if (!Objects.equals(started.health(), next.health())) {
      needRestart.add("health");
    }
    if (!Objects.equals(started.console(), next.console())) {
      needRestart.add("console");
    }
    current = next;
    return new Applied(added, removed, retuned, sinks, needRestart);
  }

  /** The configuration's status shown under {@code "config"} in {@code /health} (plain data, no secret). */
  void configStatus(Map<String, Object> status) {
    this.configStatus = Map.copyOf(status);
  }

  /** The configuration now applied. */
  public LifelineConfig config() {
    return current;
  }

  /** {@code http://host:port/} the console listens on. */
  public URI uri() {
    return console.uri();
  }

  public Monitor monitor() {
    return monitor;
  }

  /** The alert sinks (their counters, for metrics). */
  public Alerts alerts() {
    return alerts;
  }

  @Override
  public void close() {
    console.close();
    alerts.close(monitor.health());
    monitor.close();
  }

  private static Map<String, LifelineConfig.Service> byName(List<LifelineConfig.Service> services) {
    Map<String, LifelineConfig.Service> m = new LinkedHashMap<>();
    services.forEach(s -> m.put(s.name(), s));
    return m;
  }

  static Map<String, Alerts.Route> routes(LifelineConfig c) {
    Map<String, Alerts.Route> r = new LinkedHashMap<>();
    List<String> all = List.copyOf(c.alerts().keySet());
    for (LifelineConfig.Service s : c.services()) {
      r.put(s.name(), new Alerts.Route(s.type().yamlName(), s.features(), s.alerts() == null ? all : s.alerts()));
    }
    return r;
  }

  /** Every secret value of the configuration, masked in alert texts. */
  static Set<String> secrets(LifelineConfig c) {
    Set<String> out = new java.util.HashSet<>();
    for (LifelineConfig.Service s : c.services()) {
      if (s.password() != null) {
        out.add(s.password().reveal());
      }
    }
    if (c.console() != null && c.console().token() != null) {
      out.add(c.console().token().reveal());
    }
    return out;
  }
}
