package io.lifeline.bomit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.core.ConnectionState;
import io.lifeline.neo4j.Neo4jConfig;
import io.lifeline.neo4j.Neo4jConnectionManager;
import io.lifeline.testkit.Neo4jServerExtension;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.GraphDatabase;

/**
 * With only the BOM on the build path, the Neo4j manager connects to Neo4j. The proof goes around
 * Lifeline (the bare driver or the server itself sees what the manager did), so an answer from a
 * fallback or a degraded path cannot pass. One class per backend, so one backend's failure cannot
 * hide another's.
 */
class BomNeo4jTest {

  @RegisterExtension static final Neo4jServerExtension NEO4J = Neo4jServerExtension.create();

  @Test
  void neo4jManagerWritesToTheRealServer() {
    try (Neo4jConnectionManager neo4j =
        new Neo4jConnectionManager(Neo4jConfig.builder().uri(NEO4J.directUri()).build())) {
      neo4j.executeWrite("CREATE (:BomIt {v: $v})", Map.of("v", "from-lifeline"));

      assertThat(neo4j.state()).isEqualTo(ConnectionState.CONNECTED);
      try (var driver = GraphDatabase.driver(NEO4J.directUri(), AuthTokens.none());
          var session = driver.session()) {
        assertThat(session.run("MATCH (n:BomIt) RETURN n.v AS v").single().get("v").asString())
            .isEqualTo("from-lifeline");
      }
    }
  }
}
