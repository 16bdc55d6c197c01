/**
 * {@code ./lifeline demo}: real embedded backends (Redis, PostgreSQL, Neo4j) and a Graphiti demo stub
 * on loopback, a sample application that uses them through the Lifeline managers, the console's
 * dashboard with chaos controls, and the scripted {@code --chaos} scenario.
 */
package io.lifeline.demo;
