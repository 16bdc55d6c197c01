package io.lifeline.cli.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * {@code LIFELINE_*} environment variables that override scalar values of {@code lifeline.yml}, so a
 * container can retune one value without a new file: the variable's name is the value's path in
 * upper case, with {@code .} and {@code -} as {@code _} and camelCase split, e.g. {@code
 * LIFELINE_HEALTH_INTERVAL=5s}, {@code LIFELINE_SERVICES_ORDERS_DB_TIMEOUT=3s}, {@code
 * LIFELINE_FEATURES_CACHING_CRITICAL=true}, {@code LIFELINE_ALERTS_OPS_URL=...}.
 *
 * <p>Only paths of sections and services that the file declares can be overridden (an override
 * cannot invent a service). Lists (a service's {@code features} and {@code alerts}, a sink's {@code
 * on}) take comma-separated values, e.g. {@code LIFELINE_SERVICES_CACHE_FEATURES=sessions,caching}
 * (blanks around items are dropped; an empty value is an empty list). A {@code LIFELINE_} variable that
 * names no such path is a configuration problem with a "did you mean", like an unknown key;
 * two paths that map to one name make that name ambiguous (a problem when it is set). The
 * variables the launcher and the console read themselves ({@link #PROCESS_VARIABLES}) are left alone.
 */
public final class EnvOverrides {
  public static final String PREFIX = "LIFELINE_";
  /** Read by the launcher, the console or logging, not by the file. */
  public static final Set<String> PROCESS_VARIABLES = Set.of("LIFELINE_TOKEN", "LIFELINE_CONSOLE_BIND",
      "LIFELINE_CONSOLE_PORT", "LIFELINE_LOG_LEVEL", "LIFELINE_JAVA_OPTS", "LIFELINE_MAVEN_OPTS", "LIFELINE_JAR",
      "LIFELINE_CDS");

  private EnvOverrides() {}

  /** {@code services.orders-db.latencyThreshold} → {@code LIFELINE_SERVICES_ORDERS_DB_LATENCY_THRESHOLD}. */
  public static String variableFor(String path) {
    StringBuilder b = new StringBuilder(PREFIX);
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '.' || c == '-') {
        b.append('_');
      } else if (Character.isUpperCase(c) && i > 0 && Character.isLowerCase(path.charAt(i - 1))) {
        b.append('_').append(c);
      } else {
        b.append(Character.toUpperCase(c));
      }
    }
    return b.toString().toUpperCase(Locale.ROOT);
  }

  /**
   * Applies the overrides found in {@code env} to {@code top} and returns the new tree; records in
   * {@code applied} which path each variable replaced (problems are then named by the variable).
   *
   * @param serviceKeys a service's scalar keys from its {@code type:} text (null when the type is unknown)
   */
  public static YamlNode.Mapping apply(YamlNode.Mapping top, Map<String, String> env, Binder b,
      Set<String> healthKeys, Set<String> alertKeys, Function<String, Set<String>> serviceKeys,
      Map<String, String> applied) {
    Map<String, List<String>> candidates = new TreeMap<>(); // variable → paths
    Set<String> lists = new java.util.HashSet<>(); // paths whose value is a list
    for (String k : healthKeys) {
      add(candidates, "health." + k);
    }
    for (String name : names(top, "features")) {
      add(candidates, "features." + name + ".critical");
    }
    for (String name : names(top, "alerts")) {
      for (String k : alertKeys) {
        add(candidates, "alerts." + name + "." + k);
        if (k.equals("on")) {
          lists.add("alerts." + name + "." + k);
        }
      }
    }
    YamlNode services = top.entries().get("services");
    if (services instanceof YamlNode.Mapping sm) {
      for (Map.Entry<String, YamlNode> s : sm.entries().entrySet()) {
        String type = s.getValue() instanceof YamlNode.Mapping m && m.entries().get("type") instanceof YamlNode.Scalar t
            && t.value() instanceof String ts ? ts : null;
        Set<String> keys = type == null ? null : serviceKeys.apply(type);
        if (keys != null) {
          for (String k : keys) {
            if (!k.equals("type")) {
              add(candidates, "services." + s.getKey() + "." + k);
            }
            if (k.equals("features") || k.equals("alerts")) {
              lists.add("services." + s.getKey() + "." + k);
            }
          }
        }
      }
    }
    YamlNode.Mapping out = top;
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      String var = e.getKey();
      if (!var.startsWith(PREFIX) || PROCESS_VARIABLES.contains(var)) {
        continue;
      }
      List<String> paths = candidates.get(var);
      if (paths == null) {
        String hint = DidYouMean.closest(var, candidates.keySet()).map(k -> "; did you mean " + k + "?").orElse("");
        b.problem(var, "(set)", "is not an override of this file: LIFELINE_ followed by the path of a value it "
            + "declares (e.g. LIFELINE_HEALTH_INTERVAL, LIFELINE_SERVICES_<NAME>_TIMEOUT)" + hint, null);
        continue;
      }
      if (paths.size() > 1) {
        b.problem(var, "(set)", "names more than one value (" + String.join(", ", new TreeSet<>(paths))
            + "): rename a service or feature so their names differ in more than '-', '.' and case", null);
        continue;
      }
      String path = paths.get(0);
      applied.put(path, var);
      YamlNode value = lists.contains(path) ? listOf(e.getValue())
          : new YamlNode.Scalar(e.getValue(), e.getValue(), 0);
      out = set(out, path.split("\\.", -1), 0, value);
    }
    return out;
  }

  /** {@code "a, b,c"} → a list of the scalars a, b, c; blank items are dropped. */
  static YamlNode.Sequence listOf(String commaSeparated) {
    List<YamlNode> items = new ArrayList<>();
    for (String item : commaSeparated.split(",", -1)) {
      String t = item.strip();
      if (!t.isEmpty()) {
        items.add(new YamlNode.Scalar(t, t, 0));
      }
    }
    return new YamlNode.Sequence(List.copyOf(items), 0);
  }

  private static void add(Map<String, List<String>> candidates, String path) {
    candidates.computeIfAbsent(variableFor(path), k -> new ArrayList<>()).add(path);
  }

  private static Set<String> names(YamlNode.Mapping top, String section) {
    return top.entries().get(section) instanceof YamlNode.Mapping m ? m.entries().keySet() : Set.of();
  }

  /** A copy of {@code m} with {@code path[i..]} set to {@code value} (missing mappings are created). */
  private static YamlNode.Mapping set(YamlNode.Mapping m, String[] path, int i, YamlNode value) {
    Map<String, YamlNode> entries = new LinkedHashMap<>(m.entries());
    if (i == path.length - 1) {
      entries.put(path[i], value);
    } else {
      YamlNode child = entries.get(path[i]);
      YamlNode.Mapping cm = child instanceof YamlNode.Mapping c ? c : new YamlNode.Mapping(Map.of(), List.of(), 0);
      entries.put(path[i], set(cm, path, i + 1, value));
    }
    return new YamlNode.Mapping(entries, m.duplicates(), m.line());
  }
}
