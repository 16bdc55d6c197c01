/** Neo4jConnectionManager on the official Neo4j Java driver, with one retry layer. */
package io.lifeline.neo4j;
