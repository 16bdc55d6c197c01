package io.lifeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lifeline.cli.internal.DidYouMean;
import io.lifeline.core.ConfigurationException;
import io.lifeline.core.Secrets;
import io.lifeline.core.health.HealthStatus;
import io.lifeline.core.health.ServiceStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lifeline check}: checks every configured service (or one) once, concurrently, each bounded
 * by {@code health.timeout}, and prints a table or JSON. Exit 0 all healthy, 1 degraded, 2
 * unavailable, 3 bad configuration or usage.
 */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Check the configured services once and print their status. "
        + "Exit 0 all healthy, 1 degraded, 2 unavailable, 3 bad configuration or usage.")
final class CheckCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Cli.Context ctx;

  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML configuration.")
  String config;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Option(names = "--service", paramLabel = "NAME", description = "Check only this service.")
  String service;

  CheckCommand(Cli.Context ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() throws Exception {
    LifelineConfig c = new ConfigLoader(ctx.env()).load(config);
    List<LifelineConfig.Service> services = c.services();
    if (service != null) {
      services = services.stream().filter(s -> s.name().equals(service)).collect(Collectors.toList());
      if (services.isEmpty()) {
        List<String> names = c.services().stream().map(LifelineConfig.Service::name).collect(Collectors.toList());
        String hint = DidYouMean.closest(service, names).map(n -> "; did you mean '" + n + "'?").orElse("");
        throw new ConfigurationException(List.of(new ConfigurationException.Problem("--service",
            Secrets.redact(service), "must be a service of " + config + " (" + String.join(", ", names) + ")" + hint)));
      }
    }
    Map<String, HealthStatus> results;
    try (Monitor m = Monitor.open(c, services, true)) {
      results = m.health().checkAll();
    }
    List<HealthStatus> rows = new ArrayList<>();
    for (LifelineConfig.Service s : services) {
      rows.add(results.get(s.name()));
    }
    int code = exitCode(rows);
    if (json) {
      ctx.out().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json(rows, services, code)));
    } else {
      ctx.out().print(table(rows, services));
    }
    return code;
  }

  static int exitCode(List<HealthStatus> rows) {
    int code = ExitCodes.OK;
    for (HealthStatus h : rows) {
      if (h.status() == ServiceStatus.UNAVAILABLE) {
        return ExitCodes.UNAVAILABLE;
      }
      if (h.status() != ServiceStatus.HEALTHY) {
        code = ExitCodes.DEGRADED;
      }
    }
    return code;
  }

  private static String latency(HealthStatus h) {
    return h.responseTime() == null || h.status() == ServiceStatus.UNAVAILABLE ? "-" : h.responseTime().toMillis() + " ms";
  }

  private static String error(HealthStatus h) {
    return h.lastError() == null || h.status() == ServiceStatus.HEALTHY ? "-" : Secrets.redact(h.lastError());
  }

  static String table(List<HealthStatus> rows, List<LifelineConfig.Service> services) {
    List<String[]> lines = new ArrayList<>();
    lines.add(new String[] {"SERVICE", "TYPE", "STATUS", "LATENCY", "ERROR"});
    for (int i = 0; i < rows.size(); i++) {
      HealthStatus h = rows.get(i);
      lines.add(new String[] {h.service(), services.get(i).type().yamlName(), h.status().name(), latency(h),
          oneLine(error(h))});
    }
    int[] width = new int[5];
    for (String[] l : lines) {
      for (int i = 0; i < 4; i++) {
        width[i] = Math.max(width[i], l[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] l : lines) {
      for (int i = 0; i < 4; i++) {
        sb.append(String.format("%-" + width[i] + "s  ", l[i]));
      }
      sb.append(l[4]).append(System.lineSeparator());
    }
    return sb.toString();
  }

  private static String oneLine(String s) {
    return s.replaceAll("[\\r\\n]+", " ");
  }

  static ObjectNode json(List<HealthStatus> rows, List<LifelineConfig.Service> services, int code) {
    ObjectNode root = JSON.createObjectNode();
    root.put("status", code == ExitCodes.OK ? "HEALTHY" : code == ExitCodes.DEGRADED ? "DEGRADED" : "UNAVAILABLE");
    root.put("exitCode", code);
    ArrayNode list = root.putArray("services");
    for (int i = 0; i < rows.size(); i++) {
      HealthStatus h = rows.get(i);
      ObjectNode n = list.addObject();
      n.put("name", h.service());
      n.put("type", services.get(i).type().yamlName());
      n.put("status", h.status().name());
      if (h.responseTime() != null && h.status() != ServiceStatus.UNAVAILABLE) {
        n.put("latencyMs", h.responseTime().toMillis());
      } else {
        n.putNull("latencyMs");
      }
      String e = error(h);
      if (e.equals("-")) {
        n.putNull("error");
      } else {
        n.put("error", e);
      }
    }
    return root;
  }
}
