package io.lifeline.cli;

import io.lifeline.cli.alert.Alerts;
import io.lifeline.core.health.ConnectionHealthManager;
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
import java.util.function.Function;

/**
 * What {@code lifeline serve} runs: a started {@link Monitor} on the configured services, the alert
 * sinks listening to it, and a {@link LifelineConsole} serving it ({@code /health}, {@code
 * /health/live}, {@code /health/ready} with the configured critical features, {@code /metrics} from
 * the given source). {@link #apply} changes the services in place (hot reload). Close to stop all.
 */
public final class LifelineServer implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LifelineServer.class);
  private final Monitor monitor;
  private final Alerts alerts;
  private final Function<LifelineConfig.Console, ConsoleOptions.Builder> consoleOptions;
  private final MetricsSource metrics;
  private volatile LifelineConsole console;
  private volatile LifelineConfig current;
  private volatile Map<String, Object> configStatus = Map.of();

  private LifelineServer(Monitor monitor, Alerts alerts, LifelineConfig config,
      Function<LifelineConfig.Console, ConsoleOptions.Builder> consoleOptions, MetricsSource metrics) {
    this.monitor = monitor;
    this.alerts = alerts;
    this.consoleOptions = consoleOptions;
    this.metrics = metrics;
    this.current = config;
    this.console = startConsole(config.console(), 0);
  }

  /** The console for {@code c}; {@code port} (when not 0) in place of a configured "any free port". */
  private LifelineConsole startConsole(LifelineConfig.Console c, int port) {
    return LifelineConsole.start(monitor.health(), consoleOptions(c, port));
  }

  private ConsoleOptions consoleOptions(LifelineConfig.Console c, int port) {
    ConsoleOptions.Builder b = consoleOptions.apply(c)
        .criticalFeaturesFrom(() -> current.criticalFeatures())
        .reportExtras(() -> configStatus.isEmpty() ? Map.of() : Map.of("config", configStatus))
        .metrics(metrics);
    ConsoleOptions options = b.build();
    if (port != 0 && options.port() == 0) {
      options = b.port(port).build(); // a reload keeps the port an "any free port" start was given
    }
    return options;
  }

  /**
   * Starts monitoring, alerting and serving.
   *
   * @param options the console's options (bind, port, token) for a {@code console:} section, at start
   *     and after each reload that changes it; critical features and metrics are set here
   * @param metrics what {@code /metrics} serves, or null for none (404)
   */
  public static LifelineServer start(LifelineConfig config,
      Function<LifelineConfig.Console, ConsoleOptions.Builder> options, MetricsSource metrics) {
    Monitor monitor = Monitor.open(config, config.services(), false);
    Alerts alerts = null;
    try {
      alerts = Alerts.start(config.alerts().values());
      alerts.routes(routes(config));
      alerts.secrets(secrets(config));
      alerts.attach(monitor.health());
      monitor.health().start();
      return new LifelineServer(monitor, alerts, config, Objects.requireNonNull(options, "options"), metrics);
    } catch (RuntimeException e) {
      if (alerts != null) {
        alerts.close();
      }
      monitor.close();
      throw e;
    }
  }

  /** {@link #start(LifelineConfig, Function, MetricsSource)} with the same console options whatever the file says. */
  public static LifelineServer start(LifelineConfig config, ConsoleOptions.Builder options, MetricsSource metrics) {
    ConsoleOptions fixed = options.build();
    return start(config, c -> ConsoleOptions.builder().bindAddress(fixed.bindAddress()).port(fixed.port()),
        metrics);
  }

  /**
   * A changed {@code console:} section. A new token on the same address and port is taken in place
   * ({@link LifelineConsole#useTokenOf}): probes see no gap. A new port: the new console starts
   * before the old one stops. The same port on a new address: the old one stops first (the socket
   * may conflict), so there is a moment with no listener. When the new console cannot start (the
   * port is taken, the address is not local, a non-loopback bind without a token), the old
   * settings serve on and the reason is returned; null when the new settings serve.
   */
  private String applyConsole(LifelineConfig.Console was, LifelineConfig.Console now) {
    LifelineConsole old = console;
    int port = old.port();
    try {
      ConsoleOptions next = consoleOptions(now, port);
      if (next.port() == port && next.address().equals(old.address())) {
        old.useTokenOf(next);
        return null;
      }
      if (next.port() != port) {
        console = LifelineConsole.start(monitor.health(), next);
        old.close();
      } else {
        old.close();
        try {
          console = LifelineConsole.start(monitor.health(), next);
        } catch (RuntimeException e) {
          console = startConsole(was, port);
          throw e;
        }
      }
      LOG.info("console restarted with the new settings on {}", console.uri());
      return null;
    } catch (RuntimeException e) {
      LOG.warn("console settings not applied, the previous ones serve on: {}", e.getMessage());
      return "console (" + e.getMessage() + ")";
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
   * {@link Alerts#reconfigure}), which services alert where, and the {@code health:} schedule and
   * thresholds ({@link ConnectionHealthManager#retune}; reported as {@code "health"} in {@link
   * Applied#retuned()}), and the {@code console:} section (a new token in place, a new port or
   * address by a new console: {@code "console"} in {@link Applied#retuned()}; if they cannot
   * serve, the old ones serve on and the reason is in {@link Applied#needRestart()}). Not thread-safe: one caller at
   * a time (the reloader's thread).
   */
  public Applied apply(LifelineConfig next) {
    Objects.requireNonNull(next, "next");
    LifelineConfig before = current;
    // first: the only step that can still refuse the configuration, so a refusal changes nothing
    boolean healthChanged = !Objects.equals(before.health(), next.health());
    if (healthChanged) {
      LifelineConfig.Health h = next.health();
      monitor.health().retune(h.interval(), h.timeout(), h.latencyThreshold(), h.unavailableThreshold(),
          h.recoveryThreshold());
    }
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
    if (healthChanged) {
      retuned.add("health");
    }
    if (!Objects.equals(before.console(), next.console())) {
      String refused = applyConsole(before.console(), next.console());
      if (refused == null) {
        retuned.add("console");
      } else {
        needRestart.add(refused);
      }
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
