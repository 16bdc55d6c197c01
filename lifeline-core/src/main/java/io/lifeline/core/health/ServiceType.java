package io.lifeline.core.health;

/** Kinds of dependency a {@link ConnectionHealthManager} watches (design document 004). */
public enum ServiceType {
  REDIS,
  DATABASE,
  NEO4J,
  HTTP,
  ELASTICSEARCH,
  MILVUS,
  CUSTOM
}
