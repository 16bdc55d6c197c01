package io.lifeline.cli;

import io.lifeline.cli.alert.AlertSink;
import io.lifeline.cli.internal.Binder;
import io.lifeline.cli.internal.LibraryConfigs;
import io.lifeline.cli.internal.YamlNode;
import io.lifeline.cli.internal.YamlReader;
import io.lifeline.core.ConfigurationException;
import io.lifeline.core.ConfigurationException.Problem;
import io.lifeline.core.Secrets;
import io.lifeline.core.Validation;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a {@code lifeline.yml} into a {@link LifelineConfig}, validating it as a whole: every
 * problem is reported in one {@link ConfigurationException}, one {@link Problem} per problem, named
 * by its path as written ({@code services.orders-db.timeout}), with the value (masked for secret
 * keys) and what is allowed. The file is read (bounded, strict UTF-8), parsed into a tree, then
 * bound in one pass: nothing is validated while parsing. Each service's settings are finally run
 * through its library configuration ({@code RedisConfig}, {@code DatabaseConfig} ...), so the CLI
 * accepts exactly what the managers accept.
 *
 * <p>Thread-safe (no state but the environment).
 */
public final class ConfigLoader {
  /** Largest configuration file read: 1 MiB. */
  public static final int MAX_FILE_BYTES = 1 << 20;
  /** Largest {@code passwordFile} read: 64 KiB. */
  public static final int MAX_SECRET_FILE_BYTES = 64 << 10;
  /** Most services in one file. */
  public static final int MAX_SERVICES = 1_000;

  static final Set<String> ROOT_KEYS = Set.of("health", "console", "features", "alerts", "services");
  static final Set<String> HEALTH_KEYS = Set.of("interval", "timeout", "latencyThreshold",
      "unavailableThreshold", "recoveryThreshold");
  static final Set<String> CONSOLE_KEYS = Set.of("bind", "port", "token");
  static final Set<String> FEATURE_KEYS = Set.of("critical");
  static final Set<String> ALERT_KEYS = Set.of("type", "url", "timeout", "minInterval", "on", "queueCapacity",
      "instance");
  /** Most alert sinks in one file. */
  public static final int MAX_ALERT_SINKS = 32;

  private final Map<String, String> env;

  /** Substitutes {@code ${NAME}} from {@code env}. */
  public ConfigLoader(Map<String, String> env) {
    this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
  }

  /** With the process environment. */
  public static ConfigLoader withSystemEnv() {
    return new ConfigLoader(System.getenv());
  }

  /** Reads and validates the file named {@code file} (as given on the command line). */
  public LifelineConfig load(String file) {
    Path p;
    try {
      p = Path.of(file);
    } catch (java.nio.file.InvalidPathException e) {
      throw fileProblem(file, "not a file name (" + e.getReason() + ")", "must be a readable YAML file");
    }
    return load(p, file);
  }

  /** Reads and validates {@code file}; {@code shown} names it in problems as the user wrote it. */
  public LifelineConfig load(Path file, String shown) {
    return parse(readText(file, shown), shown);
  }

  /** Validates YAML text. */
  public LifelineConfig parse(String text, String shown) {
    YamlNode root;
    try {
      root = YamlReader.read(text);
    } catch (YamlReader.BrokenYamlException e) {
      throw fileProblem(shown, e.line() > 0 ? "line " + e.line() : "unreadable",
          "must be valid YAML (" + e.getMessage() + ")");
    }
    Binder b = new Binder(env);
    if (!(root instanceof YamlNode.Mapping)) {
      throw fileProblem(shown, root instanceof YamlNode.Scalar s && s.value() == null ? "empty" : root.shown(),
          "must be a YAML mapping with a services: section (see `lifeline config example`)");
    }
    YamlNode.Mapping top = b.mapping("", root, ROOT_KEYS);
    Map<String, String> overridden = new LinkedHashMap<>();
    top = io.lifeline.cli.internal.EnvOverrides.apply(top, env, b, HEALTH_KEYS, ALERT_KEYS,
        type -> serviceKeys(type), overridden);
    LifelineConfig.Health health = health(b, top.entries().get("health"));
    LifelineConfig.Console console = console(b, top.entries().get("console"));
    Map<String, Boolean> features = features(b, top.entries().get("features"));
    Map<String, AlertSink> alerts = alerts(b, top.entries().get("alerts"));
    List<LifelineConfig.Service> services = services(b, top.entries().get("services"), features, alerts.keySet());
    Validation v = b.validation();
    if (v.isValid()) {
      for (LifelineConfig.Service s : services) {
        LibraryConfigs.validate(s, v);
      }
      LibraryConfigs.validateConsole(console, v);
    }
    try {
      v.throwIfAny();
    } catch (ConfigurationException e) {
      throw overridden.isEmpty() ? e : renamed(e, overridden);
    }
    return new LifelineConfig(health, console, features, services, alerts);
  }

  /** A service type's keys as written, or null for an unknown type. */
  private static Set<String> serviceKeys(String type) {
    for (ServiceKind k : ServiceKind.values()) {
      if (k.yamlName().equals(type)) {
        Set<String> keys = new TreeSet<>(ServiceKind.COMMON_KEYS);
        keys.addAll(k.keys());
        return keys;
      }
    }
    return null;
  }

  /** Problems of values set by a {@code LIFELINE_*} variable name the variable, as the user set it. */
  private static ConfigurationException renamed(ConfigurationException e, Map<String, String> overridden) {
    List<Problem> out = new ArrayList<>();
    for (Problem p : e.problems()) {
      String key = p.key();
      int item = key.indexOf('[');
      // a list item (services.cache.features[1]) was set by the list's variable
      String var = overridden.get(item > 0 && key.endsWith("]") ? key.substring(0, item) : key);
      out.add(var == null ? p : new Problem(var + " (overrides " + p.key() + ")", p.value(), p.allowed()));
    }
    return new ConfigurationException(out);
  }

  private static Map<String, AlertSink> alerts(Binder b, YamlNode node) {
    Map<String, AlertSink> out = new LinkedHashMap<>();
    YamlNode.Mapping m = b.mapping("alerts", node, null);
    if (m == null) {
      return out;
    }
    if (m.entries().size() > MAX_ALERT_SINKS) {
      b.problem("alerts", m.entries().size() + " sinks", "must list at most " + MAX_ALERT_SINKS, node);
      return out;
    }
    for (Map.Entry<String, YamlNode> a : m.entries().entrySet()) {
      String path = Binder.path("alerts", a.getKey());
      checkName(b, path, a.getKey(), a.getValue());
      YamlNode.Mapping am = b.mapping(path, a.getValue(), ALERT_KEYS);
      if (am == null) {
        b.problem(path, a.getValue(), "must be a mapping with type: (webhook or slack) and url:");
        continue;
      }
      Map<String, YamlNode> e = am.entries();
      String typeText = required(b, path + ".type", e.get("type"), a.getValue(), "webhook or slack");
      AlertSink.Format format = null;
      if (typeText != null) {
        if (typeText.equals("webhook")) {
          format = AlertSink.Format.WEBHOOK;
        } else if (typeText.equals("slack")) {
          format = AlertSink.Format.SLACK;
        } else {
          String hint = io.lifeline.cli.internal.DidYouMean.closest(typeText, List.of("webhook", "slack"))
              .map(k -> "; did you mean '" + k + "'?").orElse("");
          b.problem(path + ".type", e.get("type"), "must be webhook or slack" + hint);
        }
      }
      java.net.URI url = alertUrl(b, path + ".url", e.get("url"), a.getValue());
      Duration timeout = b.duration(path + ".timeout", e.get("timeout"), Duration.ofMillis(100), Duration.ofMinutes(5),
          AlertSink.DEFAULT_TIMEOUT);
      Duration minInterval = b.duration(path + ".minInterval", e.get("minInterval"), Duration.ZERO, Duration.ofDays(1),
          AlertSink.DEFAULT_MIN_INTERVAL);
      Integer capacity = b.integer(path + ".queueCapacity", e.get("queueCapacity"), 1, 100_000,
          AlertSink.DEFAULT_QUEUE_CAPACITY);
      String instance = b.string(path + ".instance", e.get("instance"));
      Set<io.lifeline.core.health.ServiceStatus> on = alertOn(b, path + ".on", e.get("on"));
      if (format != null && url != null && timeout != null && minInterval != null && capacity != null && on != null) {
        out.put(a.getKey(), new AlertSink(a.getKey(), format, url, timeout, minInterval, on, capacity,
            instance == null || instance.isBlank() ? defaultInstance() : instance));
      }
    }
    return out;
  }

  private static final List<String> ALERTABLE = List.of("HEALTHY", "DEGRADED", "UNAVAILABLE", "RECOVERING");

  private static Set<io.lifeline.core.health.ServiceStatus> alertOn(Binder b, String path, YamlNode node) {
    if (node == null) {
      return AlertSink.DEFAULT_ON;
    }
    List<String> listed = b.strings(path, node);
    Set<io.lifeline.core.health.ServiceStatus> on = new java.util.HashSet<>();
    boolean ok = true;
    for (int i = 0; i < listed.size(); i++) {
      String v = listed.get(i);
      String upper = v == null ? null : v.toUpperCase(java.util.Locale.ROOT);
      if (upper == null || !ALERTABLE.contains(upper)) {
        b.problem(path + "[" + i + "]", v, "must be one of " + String.join(", ", ALERTABLE), node);
        ok = false;
      } else {
        on.add(io.lifeline.core.health.ServiceStatus.valueOf(upper));
      }
    }
    if (ok && on.isEmpty()) {
      b.problem(path, "[]", "must list at least one of " + String.join(", ", ALERTABLE) + " (or omit it: "
          + "UNAVAILABLE, HEALTHY)", node);
      return null;
    }
    return ok ? on : null;
  }

  /**
   * An alert URL: http or https with a valid host and port. Treated as a secret (a Slack webhook's
   * path is its credential): problems show the scheme and host only.
   */
  private static java.net.URI alertUrl(Binder b, String path, YamlNode node, YamlNode parent) {
    String raw = required(b, path, node, parent, "an http:// or https:// URL to POST alerts to");
    if (raw == null) {
      return null;
    }
    java.net.URI u;
    try {
      u = new java.net.URI(raw.strip());
    } catch (java.net.URISyntaxException ex) {
      b.problem(path, Secrets.MASK, "must be an http:// or https:// URL (" + ex.getReason() + " at index "
          + ex.getIndex() + ")", node);
      return null;
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
    String shown = u.getHost() == null ? Secrets.MASK : scheme + "://" + u.getHost() + "/" + Secrets.MASK;
    if (!scheme.equals("http") && !scheme.equals("https")) {
      b.problem(path, shown, "must be an http:// or https:// URL", node);
      return null;
    }
    if (u.getHost() == null || Validation.hostError(u.getHost()) != null) {
      b.problem(path, shown, "must be an http:// or https:// URL with a valid host", node);
      return null;
    }
    if (u.getPort() != -1 && !Validation.isPort(u.getPort())) {
      b.problem(path, shown, "must have a port between 1 and " + Validation.MAX_PORT, node);
      return null;
    }
    if (u.getRawUserInfo() != null) {
      b.problem(path, shown, "must not carry credentials in the URL (put a token in its path or query)", node);
      return null;
    }
    return u;
  }

  private static String defaultInstance() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) {
      return h;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException | RuntimeException e) {
      return "lifeline";
    }
  }

  private static LifelineConfig.Health health(Binder b, YamlNode node) {
    YamlNode.Mapping m = b.mapping("health", node, HEALTH_KEYS);
    if (m == null) {
      return null;
    }
    Map<String, YamlNode> e = m.entries();
    return new LifelineConfig.Health(
        b.duration("health.interval", e.get("interval"), Duration.ofMillis(10), Duration.ofDays(1),
            LifelineConfig.Health.DEFAULT_INTERVAL),
        b.duration("health.timeout", e.get("timeout"), Duration.ofMillis(1), Duration.ofHours(1),
            LifelineConfig.Health.DEFAULT_TIMEOUT),
        b.duration("health.latencyThreshold", e.get("latencyThreshold"), Duration.ZERO, Duration.ofHours(1),
            LifelineConfig.Health.DEFAULT_LATENCY_THRESHOLD),
        orZero(b.integer("health.unavailableThreshold", e.get("unavailableThreshold"), 1, 1000,
            LifelineConfig.Health.DEFAULT_UNAVAILABLE_THRESHOLD)),
        orZero(b.integer("health.recoveryThreshold", e.get("recoveryThreshold"), 1, 1000,
            LifelineConfig.Health.DEFAULT_RECOVERY_THRESHOLD)));
  }

  private static LifelineConfig.Console console(Binder b, YamlNode node) {
    YamlNode.Mapping m = b.mapping("console", node, CONSOLE_KEYS);
    if (m == null) {
      return null;
    }
    Map<String, YamlNode> e = m.entries();
    String bind = b.string("console.bind", e.get("bind"));
    String token = b.string("console.token", e.get("token"));
    return new LifelineConfig.Console(bind == null ? LifelineConfig.Console.DEFAULT_BIND : bind,
        orZero(b.integer("console.port", e.get("port"), 0, Validation.MAX_PORT, LifelineConfig.Console.DEFAULT_PORT)),
        token == null || token.isEmpty() ? null : new Secret(token));
  }

  private static Map<String, Boolean> features(Binder b, YamlNode node) {
    YamlNode.Mapping m = b.mapping("features", node, null);
    Map<String, Boolean> out = new LinkedHashMap<>();
    if (m == null) {
      return out;
    }
    for (Map.Entry<String, YamlNode> f : m.entries().entrySet()) {
      String path = Binder.path("features", f.getKey());
      checkName(b, path, f.getKey(), f.getValue());
      YamlNode.Mapping fm = b.mapping(path, f.getValue(), FEATURE_KEYS);
      Boolean critical = fm == null ? Boolean.FALSE : b.bool(path + ".critical", fm.entries().get("critical"), false);
      out.put(f.getKey(), Boolean.TRUE.equals(critical));
    }
    return out;
  }

  private static List<LifelineConfig.Service> services(Binder b, YamlNode node, Map<String, Boolean> features,
      Set<String> sinks) {
    List<LifelineConfig.Service> out = new ArrayList<>();
    if (node == null) {
      b.problem("services", "null", "must list at least one service (see `lifeline config example`)", null);
      return out;
    }
    YamlNode.Mapping m = b.mapping("services", node, null);
    if (m == null) {
      return out;
    }
    if (m.entries().isEmpty()) {
      b.problem("services", node, "must list at least one service (see `lifeline config example`)");
    }
    if (m.entries().size() > MAX_SERVICES) {
      b.problem("services", m.entries().size() + " services", "must list at most " + MAX_SERVICES, node);
      return out;
    }
    for (Map.Entry<String, YamlNode> s : m.entries().entrySet()) {
      LifelineConfig.Service svc = service(b, s.getKey(), s.getValue(), features, sinks);
      if (svc != null) {
        out.add(svc);
      }
    }
    return out;
  }

  private static LifelineConfig.Service service(Binder b, String name, YamlNode node, Map<String, Boolean> features,
      Set<String> sinks) {
    String path = Binder.path("services", name);
    checkName(b, path, name, node);
    if (!(node instanceof YamlNode.Mapping m)) {
      b.problem(path, node, "must be a mapping with at least type: (one of " + kinds() + ")");
      return null;
    }
    Map<String, YamlNode> e = m.entries();
    String typeText = b.string(path + ".type", e.get("type"));
    ServiceKind kind = null;
    if (typeText == null) {
      if (e.get("type") == null) {
        b.problem(path + ".type", "null", "must be set: one of " + kinds(), node);
      }
    } else {
      for (ServiceKind k : ServiceKind.values()) {
        if (k.yamlName().equals(typeText)) {
          kind = k;
        }
      }
      if (kind == null) {
        String hint = io.lifeline.cli.internal.DidYouMean.closest(typeText, kindNames())
            .map(k -> "; did you mean '" + k + "'?").orElse("");
        b.problem(path + ".type", e.get("type"), "must be one of " + kinds() + hint);
      }
    }
    Set<String> known = new TreeSet<>(ServiceKind.COMMON_KEYS);
    if (kind != null) {
      known.addAll(kind.keys());
      b.keys(path, m, known);
    } else {
      b.keys(path, m, null); // keys cannot be judged without a type; repeats still can
    }
    Duration timeout = b.duration(path + ".timeout", e.get("timeout"), Duration.ofMillis(250),
        Duration.ofMinutes(10), LifelineConfig.Service.DEFAULT_TIMEOUT);
    Set<String> fs = new LinkedHashSet<>();
    List<String> listed = b.strings(path + ".features", e.get("features"));
    for (int i = 0; i < listed.size(); i++) {
      String f = listed.get(i);
      if (!features.containsKey(f)) {
        String hint = io.lifeline.cli.internal.DidYouMean.closest(f, features.keySet())
            .map(k -> "; did you mean '" + k + "'?").orElse("");
        String declared = features.isEmpty() ? "none declared" : "declared: " + String.join(", ", new TreeSet<>(features.keySet()));
        b.problem(path + ".features[" + i + "]", f, "must be a feature declared under features: (" + declared + ")" + hint,
            e.get("features"));
      }
      fs.add(f);
    }
    List<String> alerts = null;
    if (e.get("alerts") != null) {
      alerts = b.strings(path + ".alerts", e.get("alerts"));
      for (int i = 0; i < alerts.size(); i++) {
        String a = alerts.get(i);
        if (!sinks.contains(a)) {
          String hint = io.lifeline.cli.internal.DidYouMean.closest(a, sinks).map(k -> "; did you mean '" + k + "'?")
              .orElse("");
          String declared = sinks.isEmpty() ? "none declared" : "declared: " + String.join(", ", new TreeSet<>(sinks));
          b.problem(path + ".alerts[" + i + "]", a, "must be an alert sink declared under alerts: (" + declared + ")"
              + hint, e.get("alerts"));
        }
      }
    }
    if (kind == null) {
      return null;
    }
    String url = null;
    String host = null;
    int port = 0;
    switch (kind) {
      case NEO4J:
        url = required(b, path + ".uri", e.get("uri"), node, "a bolt:// or neo4j:// URI, e.g. bolt://localhost:7687");
        break;
      case TCP: {
        String address = required(b, path + ".address", e.get("address"), node, "host:port, e.g. localhost:9092");
        if (address != null) {
          int colon = address.lastIndexOf(':');
          Integer p = null;
          if (colon > 0 && address.substring(colon + 1).matches("\\d{1,5}")) {
            p = Integer.parseInt(address.substring(colon + 1));
          }
          host = colon > 0 ? address.substring(0, colon) : null;
          if (p == null || !Validation.isPort(p) || Validation.hostError(host) != null) {
            b.problem(path + ".address", e.get("address"), "must be host:port with a port between 1 and "
                + Validation.MAX_PORT + ", e.g. localhost:9092");
          } else {
            port = p;
          }
        }
        break;
      }
      default:
        url = required(b, path + ".url", e.get("url"), node, "a URL");
    }
    String user = b.string(path + ".user", e.get("user"));
    Secret password = kind == ServiceKind.GRAPHITI ? password(b, path, e, "token", "tokenFile")
        : password(b, path, e, "password", "passwordFile");
    String database = b.string(path + ".database", e.get("database"));
    Integer expect = b.integer(path + ".expectStatus", e.get("expectStatus"), 100, 599, 0);
    String body = b.string(path + ".bodyContains", e.get("bodyContains"));
    if (body != null && body.isEmpty()) {
      b.problem(path + ".bodyContains", "\"\"", "must not be empty (omit it to accept any body)", e.get("bodyContains"));
    }
    if (timeout == null) {
      return null;
    }
    return new LifelineConfig.Service(name, kind, timeout, fs, url, user, password, database, host, port,
        orZero(expect), body, alerts);
  }

  private static String required(Binder b, String path, YamlNode node, YamlNode parent, String what) {
    if (node == null || (node instanceof YamlNode.Scalar s && s.value() == null)) {
      b.problem(path, "null", "must be set: " + what, parent);
      return null;
    }
    return b.string(path, node);
  }

  private static Secret password(Binder b, String path, Map<String, YamlNode> e, String key, String fileKey) {
    String inline = b.string(path + "." + key, e.get(key));
    String file = b.string(path + "." + fileKey, e.get(fileKey));
    if (inline != null && file != null) {
      b.problem(path + "." + fileKey, file, "must not be set together with " + key + " (keep one)", e.get(fileKey));
      return null;
    }
    if (inline != null) {
      return inline.isEmpty() ? null : new Secret(inline);
    }
    if (file == null) {
      return null;
    }
    try {
      Path p = Path.of(file);
      if (Files.size(p) > MAX_SECRET_FILE_BYTES) {
        b.problem(path + "." + fileKey, file, "must be a file of at most " + MAX_SECRET_FILE_BYTES + " bytes",
            e.get(fileKey));
        return null;
      }
      String value = decode(Files.readAllBytes(p)).strip();
      if (value.isEmpty()) {
        b.problem(path + "." + fileKey, file, "must not be empty", e.get(fileKey));
        return null;
      }
      return new Secret(value);
    } catch (IOException | RuntimeException ex) {
      b.problem(path + "." + fileKey, file, "must be a readable UTF-8 file (" + ex.getClass().getSimpleName() + ")",
          e.get(fileKey));
      return null;
    }
  }

  /** Names become map keys, metric tags and log words: keep them plain. */
  private static void checkName(Binder b, String path, String name, YamlNode node) {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
      b.problem(path, name, "must be a name of 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit", node);
    }
  }

  private static String kinds() {
    return String.join(", ", kindNames());
  }

  private static List<String> kindNames() {
    List<String> names = new ArrayList<>();
    for (ServiceKind k : ServiceKind.values()) {
      names.add(k.yamlName());
    }
    return names;
  }

  private static int orZero(Integer i) {
    return i == null ? 0 : i;
  }

  // ------------------------------------------------------------------------------------ the file

  /** The file's text: at most {@link #MAX_FILE_BYTES}, strictly UTF-8 (a BOM is skipped). */
  static String readText(Path file, String shown) {
    byte[] bytes;
    try {
      if (!Files.isRegularFile(file)) {
        throw fileProblem(shown, Files.exists(file) ? "not a regular file" : "no such file", "must be a readable YAML file");
      }
      try (InputStream in = Files.newInputStream(file)) {
        bytes = in.readNBytes(MAX_FILE_BYTES + 1);
      }
    } catch (IOException e) {
      throw fileProblem(shown, "unreadable (" + e.getClass().getSimpleName() + ")", "must be a readable YAML file");
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw fileProblem(shown, "more than " + MAX_FILE_BYTES + " bytes", "must be at most 1 MiB");
    }
    try {
      return decode(bytes);
    } catch (CharacterCodingException e) {
      throw fileProblem(shown, "not UTF-8", "must be UTF-8 text (save it as UTF-8)");
    }
  }

  private static String decode(byte[] bytes) throws CharacterCodingException {
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    String s = d.decode(ByteBuffer.wrap(bytes)).toString();
    return s.startsWith("\uFEFF") ? s.substring(1) : s;
  }

  /** A problem with the file as a whole; its name is shown as given (it is not a secret's key). */
  private static ConfigurationException fileProblem(String shown, String what, String allowed) {
    return new ConfigurationException(List.of(new Problem(Secrets.redact(shown), what, allowed)));
  }
}
