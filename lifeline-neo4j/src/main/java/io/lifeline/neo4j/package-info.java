/**
 * Resilient Neo4j access on the official Java driver: {@link io.lifeline.neo4j.Neo4jConnectionManager}
 * (one retry layer, typed errors, commit-time outcome detection, state, metrics, health check),
 * {@link io.lifeline.neo4j.Neo4jConfig} (code or {@code NEO4J_*} environment) and the error rules in
 * {@link io.lifeline.neo4j.Neo4jErrors}.
 */
package io.lifeline.neo4j;
