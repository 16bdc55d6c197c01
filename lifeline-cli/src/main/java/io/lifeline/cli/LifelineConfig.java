package io.lifeline.cli;

import io.lifeline.cli.alert.AlertSink;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated {@code lifeline.yml}: what {@link ConfigLoader} returns once every value has passed.
 * Immutable; secrets are {@link Secret}s, so {@code toString()} never shows one.
 *
 * @param health how the health manager checks (one rhythm for every service)
 * @param console where {@code serve} listens
 * @param features declared features: name → whether it is critical for {@code /health/ready}
 * @param services the services in the order written
 * @param alerts the alert sinks by name, in the order written
 */
public record LifelineConfig(Health health, Console console, Map<String, Boolean> features,
    List<Service> services, Map<String, AlertSink> alerts) {

  public LifelineConfig {
    features = Map.copyOf(features);
    services = List.copyOf(services);
    alerts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(alerts));
  }

  /** Without alert sinks. */
  public LifelineConfig(Health health, Console console, Map<String, Boolean> features, List<Service> services) {
    this(health, console, features, services, Map.of());
  }

  /** Critical features: {@code /health/ready} is 503 while one is unavailable. */
  public Set<String> criticalFeatures() {
    return features.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey)
        .collect(java.util.stream.Collectors.toUnmodifiableSet());
  }

  /** The {@code health:} section. */
  public record Health(Duration interval, Duration timeout, Duration latencyThreshold,
      int unavailableThreshold, int recoveryThreshold) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_LATENCY_THRESHOLD = Duration.ofSeconds(1);
    public static final int DEFAULT_UNAVAILABLE_THRESHOLD = 3;
    public static final int DEFAULT_RECOVERY_THRESHOLD = 2;
  }

  /** The {@code console:} section; {@code token} null for none. */
  public record Console(String bind, int port, Secret token) {
    public static final String DEFAULT_BIND = "127.0.0.1";
    public static final int DEFAULT_PORT = 9464;
  }

  /**
   * One entry of {@code services:}. Fields a kind does not use are null (0 for {@code port} and
   * {@code expectStatus}).
   *
   * @param url redis/jdbc/http/elasticsearch/milvus URL, or the neo4j {@code uri}
   * @param host {@code tcp}: the host of {@code address}
   * @param port {@code tcp}: the port of {@code address}
   * @param expectStatus {@code http}: the status that means healthy (0: any 2xx)
   * @param bodyContains {@code http}: text the body must contain, or null
   * @param alerts the alert sinks this service alerts, by name; null for every sink
   */
  public record Service(String name, ServiceKind type, Duration timeout, Set<String> features,
      String url, String user, Secret password, String database, String host, int port,
      int expectStatus, String bodyContains, List<String> alerts) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    public Service {
      features = Set.copyOf(features);
      alerts = alerts == null ? null : List.copyOf(alerts);
    }

    /** Alerting every sink. */
    public Service(String name, ServiceKind type, Duration timeout, Set<String> features, String url, String user,
        Secret password, String database, String host, int port, int expectStatus, String bodyContains) {
      this(name, type, timeout, features, url, user, password, database, host, port, expectStatus, bodyContains, null);
    }
  }
}
