package io.lifeline.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.exceptions.AuthenticationException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;

/** The embedded Neo4j: Bolt through the proxy, auth, restart on the same port with the same driver. */
class Neo4jServerTest {
  @RegisterExtension
  static final Neo4jServerExtension NEO4J = Neo4jServerExtension.withAuth("s3cret-pass");

  private static Config fast() {
    return Config.builder().withConnectionTimeout(2, TimeUnit.SECONDS)
        .withConnectionAcquisitionTimeout(3, TimeUnit.SECONDS)
        .withMaxTransactionRetryTime(0, TimeUnit.SECONDS) // else the driver retries for 30 s while down
        .withoutEncryption().build();
  }

  @Test
  void servesBoltWithAuthThroughTheProxyAndSurvivesARestartOnTheSamePort() {
    try (Driver driver = GraphDatabase.driver(NEO4J.proxyUri(), AuthTokens.basic("neo4j", "s3cret-pass"), fast())) {
      assertThat(driver.executableQuery("RETURN 1 AS x").execute().records().get(0).get("x").asInt()).isEqualTo(1);
      assertThat(NEO4J.proxy().acceptedConnections()).isPositive();

      NEO4J.server().stop();
      assertThatThrownBy(() -> driver.executableQuery("RETURN 1").execute())
          .isInstanceOf(ServiceUnavailableException.class);

      NEO4J.server().start();
      assertThat(NEO4J.server().lastStartTime()).isLessThan(Duration.ofSeconds(30));
      assertThat(driver.executableQuery("RETURN 2 AS x").execute().records().get(0).get("x").asInt()).isEqualTo(2);
    }
  }

  @Test
  void rejectsAWrongPassword() {
    try (Driver driver = GraphDatabase.driver(NEO4J.directUri(), AuthTokens.basic("neo4j", "wrong-pass"), fast())) {
      assertThatThrownBy(driver::verifyConnectivity).isInstanceOf(AuthenticationException.class);
    }
  }
}
