/**
 * Test support for code that uses Lifeline: tools to run tests against real backends (Redis,
 * PostgreSQL, Neo4j Bolt, HTTP) and to make those backends misbehave.
 *
 * <p>{@link io.lifeline.testkit.FaultProxy} is a loopback TCP proxy placed between a client and a
 * real server that injects faults on demand: latency, a black hole (hung peer), connection resets,
 * refused connections, and cut connections.
 *
 * <p>{@link io.lifeline.testkit.Neo4jServer} runs a real Neo4j 5 in the test's JVM (optional
 * dependency {@code org.neo4j.test:neo4j-harness}), restartable on the same Bolt port, optionally
 * with authentication; {@link io.lifeline.testkit.Neo4jServerExtension} gives one per test class
 * with a {@code FaultProxy} in front.
 *
 * <p>Everything in this package is meant for tests; none of it is needed at runtime. Unless a type
 * says otherwise, its instances are thread-safe.
 */
package io.lifeline.testkit;
