package io.lifeline.neo4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lifeline.core.ConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 12, part 4: each defect found in Neo4jConfig, as an example that failed before the fix. */
class Neo4jConfigIssue12Test {

  @Test
  void upperCaseSchemesAreAcceptedAndNormalizedForTheDriver() {
    assertThat(Neo4jConfig.fromMap(Map.of("NEO4J_URI", "BOLT://db:7687")).uri()).isEqualTo("bolt://db:7687");
    assertThat(Neo4jConfig.builder().uri("Neo4j+S://db").build().uri()).isEqualTo("neo4j+s://db");
  }

  @Test
  void nullsGivenToTheBuilderAreConfigurationErrorsNamingTheMethod() {
    Throwable t = catchThrowable(() -> Neo4jConfig.builder().retry(null).queryTimeout(null).build());
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage()).contains("retry=null: must be set", "queryTimeout=null: must be set");
  }

  @Test
  void hugeDurationsAreShownReadablyWithTheirBounds() {
    assertThatThrownBy(() -> Neo4jConfig.fromMap(Map.of("NEO4J_QUERY_TIMEOUT", "PT100000000000000H")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("NEO4J_QUERY_TIMEOUT=PT100000000000000H: must be between 1ms and 1d");
    assertThatThrownBy(() -> Neo4jConfig.builder().connectionTimeout(Duration.ofSeconds(Long.MIN_VALUE)).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("connectionTimeout=PT-2562047788015215H-30M-8S: must be between 1ms and 10m");
  }

  @Test
  void aHostWithASpaceIsNamedClearly() {
    assertThatThrownBy(() -> Neo4jConfig.fromMap(Map.of("NEO4J_URI", "bolt://graph db:7687")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith("NEO4J_URI=bolt://graph db:7687: must name a valid host")
        .hasMessageEndingWith("found a space");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    Throwable t = catchThrowable(() -> Neo4jConfig.fromMap(Map.of(
        "NEO4J_URI", "http://db", "NEO4J_MAX_CONNECTION_POOL_SIZE", "0", "NEO4J_MAX_RETRIES", "x")));
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage().lines().map(l -> l.substring(0, l.indexOf('='))))
        .containsExactlyInAnyOrder("NEO4J_URI", "NEO4J_MAX_CONNECTION_POOL_SIZE", "NEO4J_MAX_RETRIES");
  }
}
