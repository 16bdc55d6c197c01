package io.lifeline.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.core.ConnectionState;
import io.lifeline.core.Lifeline;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.http.GraphitiConfig;
import io.lifeline.http.GraphitiConnectionManager;
import io.lifeline.jdbc.DatabaseConfig;
import io.lifeline.jdbc.DatabaseConnectionManager;
import io.lifeline.neo4j.Neo4jConfig;
import io.lifeline.neo4j.Neo4jConnectionManager;
import io.lifeline.redis.RedisConfig;
import io.lifeline.redis.RedisConnectionManager;
import io.lifeline.testkit.PostgresServerExtension;
import io.lifeline.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code Lifeline.closeAll()} closes the global manager of every module on the classpath — Redis,
 * database, Neo4j, Graphiti and the health manager — found through core's registry, without core
 * depending on any of them.
 */
class CloseAllTest {

  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.builder().build();

  @RegisterExtension
  static final PostgresServerExtension PG = PostgresServerExtension.builder().build();

  @AfterEach
  void cleanUp() {
    Lifeline.closeAll();
  }

  @Test
  void closeAllClosesEveryModulesGlobalManagerOnceAndIsIdempotent() throws Exception {
    ConnectionHealthManager health = ConnectionHealthManager.global();
    RedisConnectionManager redis =
        RedisConnectionManager.initializeGlobal(RedisConfig.builder().url(REDIS.url()).build());
    DatabaseConnectionManager db =
        DatabaseConnectionManager.initializeGlobal(
            DatabaseConfig.builder().url(PG.jdbcUrl()).username("postgres").poolSize(2).build());
    // Neo4j and Graphiti need no server to be created and closed: nothing listens on port 1.
    Neo4jConnectionManager neo4j =
        Neo4jConnectionManager.initializeGlobal(Neo4jConfig.builder().uri("bolt://127.0.0.1:1").build());
    GraphitiConnectionManager graphiti =
        GraphitiConnectionManager.initializeGlobal(GraphitiConfig.builder().url("http://127.0.0.1:1").build());

    redis.set("k", "v", Duration.ofMinutes(1));
    assertThat(redis.get("k")).isEqualTo("v");
    assertThat(db.query("SELECT 1")).isEqualTo(1);

    List<String> registered = Lifeline.registered();
    assertThat(registered).hasSize(5);
    assertThat(registered.get(0)).isEqualTo("health"); // created first, closed last

    Lifeline.closeAllAsync().get(30, TimeUnit.SECONDS);

    assertThat(Lifeline.registered()).isEmpty();
    assertThat(health.isRunning()).isFalse();
    assertThat(List.of(redis.state(), db.state(), neo4j.state(), graphiti.state()))
        .containsOnly(ConnectionState.CLOSED);

    Lifeline.closeAll(); // idempotent: nothing left, nothing thrown
    assertThat(Lifeline.registered()).isEmpty();

    // the globals can be created again after closeAll
    RedisConnectionManager again =
        RedisConnectionManager.initializeGlobal(RedisConfig.builder().url(REDIS.url()).build());
    assertThat(again).isNotSameAs(redis);
    assertThat(again.get("k")).isEqualTo("v");
  }
}
