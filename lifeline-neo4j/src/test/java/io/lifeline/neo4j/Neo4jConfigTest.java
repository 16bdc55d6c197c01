package io.lifeline.neo4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeline.core.ConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Neo4jConfigTest {

  @Test
  void defaultsAreTheDesignDocuments() {
    Neo4jConfig c = Neo4jConfig.fromMap(Map.of());
    assertThat(c.uri()).isEqualTo("bolt://localhost:7687");
    assertThat(c.user()).isEqualTo("neo4j");
    assertThat(c.password()).isNull();
    assertThat(c.database()).isNull();
    assertThat(c.maxConnectionLifetime()).isEqualTo(Duration.ofSeconds(3600));
    assertThat(c.maxConnectionPoolSize()).isEqualTo(50);
    assertThat(c.connectionAcquisitionTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.connectionTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.livenessCheckTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.retry().maxRetries()).isEqualTo(3);
    assertThat(c.retry().baseDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.retry().exponentialBase()).isEqualTo(2.0);
  }

  @Test
  void bindsEveryVariable() {
    Neo4jConfig c = Neo4jConfig.fromMap(Map.ofEntries(
        Map.entry("NEO4J_URI", "neo4j+s://graph.example.com:7687"),
        Map.entry("NEO4J_USER", "app"),
        Map.entry("NEO4J_PASSWORD", "hunter2-secret"),
        Map.entry("NEO4J_DATABASE", "movies"),
        Map.entry("NEO4J_MAX_CONNECTION_LIFETIME", "1800"),
        Map.entry("NEO4J_MAX_CONNECTION_POOL_SIZE", "100"),
        Map.entry("NEO4J_CONNECTION_ACQUISITION_TIMEOUT", "30"),
        Map.entry("NEO4J_CONNECTION_TIMEOUT", "5s"),
        Map.entry("NEO4J_LIVENESS_CHECK_TIMEOUT", "2m"),
        Map.entry("NEO4J_QUERY_TIMEOUT", "PT20S"),
        Map.entry("NEO4J_MAX_RETRIES", "5"),
        Map.entry("NEO4J_RETRY_DELAY", "0.5"),
        Map.entry("NEO4J_RETRY_BACKOFF", "3.0")));
    assertThat(c.uri()).isEqualTo("neo4j+s://graph.example.com:7687");
    assertThat(c.user()).isEqualTo("app");
    assertThat(c.password()).isEqualTo("hunter2-secret");
    assertThat(c.database()).isEqualTo("movies");
    assertThat(c.maxConnectionLifetime()).isEqualTo(Duration.ofSeconds(1800));
    assertThat(c.maxConnectionPoolSize()).isEqualTo(100);
    assertThat(c.connectionAcquisitionTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.connectionTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.livenessCheckTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.queryTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.retry().maxRetries()).isEqualTo(5);
    assertThat(c.retry().baseDelay()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.retry().exponentialBase()).isEqualTo(3.0);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "NEO4J_URI|http://localhost:7474|bolt",
      "NEO4J_URI|bolt://|host",
      "NEO4J_URI|not a uri|scheme",
      "NEO4J_MAX_CONNECTION_LIFETIME|forever|duration",
      "NEO4J_MAX_CONNECTION_LIFETIME|0|between",
      "NEO4J_MAX_CONNECTION_POOL_SIZE|0|between 1 and 10000",
      "NEO4J_MAX_CONNECTION_POOL_SIZE|lots|whole number",
      "NEO4J_CONNECTION_ACQUISITION_TIMEOUT|-5|duration",
      "NEO4J_CONNECTION_TIMEOUT|2h|between",
      "NEO4J_LIVENESS_CHECK_TIMEOUT|soon|duration",
      "NEO4J_QUERY_TIMEOUT|0|between",
      "NEO4J_MAX_RETRIES|-1|between 0 and 1000",
      "NEO4J_RETRY_DELAY|x|duration",
      "NEO4J_RETRY_BACKOFF|0.5|between 1 and 100",
  })
  void invalidValuesNameTheVariableTheValueAndWhatIsAllowed(String key, String value, String allowed) {
    assertThatThrownBy(() -> Neo4jConfig.fromMap(Map.of(key, value)))
        .isInstanceOfSatisfying(ConfigurationException.class, e -> {
          assertThat(e.key()).isEqualTo(key);
          assertThat(e.getMessage()).startsWith(key + "=").contains(allowed);
        });
  }

  @Test
  void codeErrorsNameTheField() {
    assertThatThrownBy(() -> Neo4jConfig.builder().maxConnectionPoolSize(-1).build())
        .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.key()).isEqualTo("maxConnectionPoolSize"));
    assertThatThrownBy(() -> Neo4jConfig.builder().uri("redis://h").build())
        .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.key()).isEqualTo("uri"));
  }

  @Test
  void thePasswordNeverShows() {
    Neo4jConfig c = Neo4jConfig.builder().password("hunter2-secret").build();
    assertThat(c.toString()).doesNotContain("hunter2").contains("password=****");
    assertThat(c.toBuilder().toString()).doesNotContain("hunter2");
    // credentials in the URI are refused, and the error does not echo them
    assertThatThrownBy(() -> Neo4jConfig.fromMap(Map.of("NEO4J_URI", "bolt://neo4j:hunter2-secret@h:7687")))
        .isInstanceOf(ConfigurationException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
  }

  @Test
  void systemPropertiesOverrideTheEnvironment() {
    System.setProperty("NEO4J_MAX_CONNECTION_POOL_SIZE", "7");
    try {
      assertThat(Neo4jConfig.fromEnv().maxConnectionPoolSize()).isEqualTo(7);
      System.setProperty("NEO4J_MAX_CONNECTION_POOL_SIZE", "seven");
      assertThatThrownBy(Neo4jConfig::fromEnv).isInstanceOf(ConfigurationException.class)
          .hasMessageStartingWith("NEO4J_MAX_CONNECTION_POOL_SIZE=seven");
    } finally {
      System.clearProperty("NEO4J_MAX_CONNECTION_POOL_SIZE");
    }
  }
}
