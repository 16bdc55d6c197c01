package io.lifeline.cli;

import io.lifeline.core.health.ServiceType;
import java.util.Locale;
import java.util.Set;

/** The {@code type:} of a configured service, with the keys it accepts besides the common ones. */
public enum ServiceKind {
  REDIS(ServiceType.REDIS, Set.of("url", "password", "passwordFile")),
  POSTGRES(ServiceType.DATABASE, Set.of("url", "user", "password", "passwordFile")),
  /** Any JDBC URL whose driver is on the class path (PostgreSQL's ships with the jar). */
  JDBC(ServiceType.DATABASE, Set.of("url", "user", "password", "passwordFile")),
  NEO4J(ServiceType.NEO4J, Set.of("uri", "user", "password", "passwordFile", "database")),
  HTTP(ServiceType.HTTP, Set.of("url", "expectStatus", "bodyContains")),
  ELASTICSEARCH(ServiceType.ELASTICSEARCH, Set.of("url", "user", "password", "passwordFile")),
  MILVUS(ServiceType.MILVUS, Set.of("url")),
  /** A Graphiti server: {@code GET /healthcheck} through {@code GraphitiConnectionManager}; {@code token} is a bearer token. */
  GRAPHITI(ServiceType.HTTP, Set.of("url", "token", "tokenFile")),
  TCP(ServiceType.CUSTOM, Set.of("address"));

  /** Keys every service accepts. */
  public static final Set<String> COMMON_KEYS = Set.of("type", "timeout", "features", "alerts");

  private final ServiceType healthType;
  private final Set<String> keys;

  ServiceKind(ServiceType healthType, Set<String> keys) {
    this.healthType = healthType;
    this.keys = keys;
  }

  /** The health manager's type for this kind. */
  public ServiceType healthType() {
    return healthType;
  }

  /** Keys of this kind, besides {@link #COMMON_KEYS}. */
  public Set<String> keys() {
    return keys;
  }

  /** As written in YAML: {@code redis}, {@code postgres} ... */
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
