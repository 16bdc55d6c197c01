package io.lifeline.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.neo4j.Neo4jConnectionManager;
import io.lifeline.testkit.Neo4jServerExtension;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * A real Spring Boot application (full auto-configuration, Actuator health, Boot's
 * ObservationRegistry) against the testkit's real Neo4j, configured only with Boot's own
 * {@code spring.neo4j.uri}: the Neo4j manager is a bean, its health indicator follows the server
 * down and back up by itself, "graph" is critical so readiness follows too, and each guarded call
 * is an Observation in Boot's registry (a span once Micrometer Tracing is on the class path).
 */
class LifelineSpringNeo4jApplicationTest {

  @RegisterExtension
  static final Neo4jServerExtension NEO4J = Neo4jServerExtension.create();

  static ConfigurableApplicationContext app;

  /** Every Observation Boot's registry starts, as a tracing bridge would see them. */
  static final List<Observation.Context> OBSERVED = new CopyOnWriteArrayList<>();

  /** The application: a graph lookup. Boot registers the handler bean with its ObservationRegistry. */
  @SpringBootConfiguration
  @EnableAutoConfiguration(excludeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
  static class GraphApplication {
    @Bean
    ObservationHandler<Observation.Context> recordingHandler() {
      return new ObservationHandler<>() {
        @Override
        public void onStop(Observation.Context context) {
          OBSERVED.add(context);
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
          return true;
        }
      };
    }
  }

  @BeforeAll
  static void startApplication() {
    app = new SpringApplicationBuilder(GraphApplication.class).web(WebApplicationType.NONE)
        .properties(LifelineSpringApplicationTest.QUICK_HEALTH)
        .properties(
            "spring.neo4j.uri=" + NEO4J.directUri(),
            "lifeline.health.check-timeout=2s",
            "lifeline.neo4j.connection-timeout=1s",
            "lifeline.health.critical-features=graph")
        .run();
  }

  @AfterAll
  static void stopApplication() {
    if (app != null) {
      app.close();
    }
  }

  private static Status health(String... path) {
    return app.getBean(HealthEndpoint.class).healthForPath(path).getStatus();
  }

  @Test
  void neo4jFromBootsPropertiesGoesDownWithTheServerAndComesBackByItself() {
    Neo4jConnectionManager neo4j = app.getBean(Neo4jConnectionManager.class);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(health("lifeline", "neo4j")).isEqualTo(Status.UP);
      assertThat(health("readiness")).isEqualTo(Status.UP);
    });
    neo4j.executeWrite("CREATE (:Product {id: $id})", Map.of("id", "p1"));
    assertThat(neo4j.executeRead("MATCH (p:Product) RETURN p.id AS id", Map.of()))
        .containsExactly(Map.of("id", "p1"));

    NEO4J.server().stop();
    try {
      assertThatThrownBy(() -> neo4j.executeRead("MATCH (p:Product) RETURN p.id AS id", Map.of()))
          .isInstanceOf(ServiceUnavailableException.class);
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        assertThat(health("lifeline", "neo4j")).isEqualTo(Status.DOWN);
        assertThat(health("readiness")).isEqualTo(Status.OUT_OF_SERVICE); // "graph" is critical
      });
      assertThat(health("liveness")).isEqualTo(Status.UP);
    } finally {
      NEO4J.server().start();
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(health("lifeline", "neo4j")).isEqualTo(Status.UP);
      assertThat(health("readiness")).isEqualTo(Status.UP);
    });
    assertThat(neo4j.executeQuery("RETURN 1 AS one")).containsExactly(Map.of("one", 1L));
  }

  @Test
  void everyGuardedCallIsAnObservationInBootsRegistry() {
    Neo4jConnectionManager neo4j = app.getBean(Neo4jConnectionManager.class);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(health("lifeline", "neo4j")).isEqualTo(Status.UP));
    OBSERVED.clear();
    neo4j.executeQuery("RETURN 1 AS one");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(OBSERVED).anySatisfy(c -> {
          assertThat(c.getName()).isEqualTo("lifeline.call");
          assertThat(c.getLowCardinalityKeyValue("service").getValue()).isEqualTo("neo4j");
          assertThat(c.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("success");
        }));
    assertThat(OBSERVED).anySatisfy(c -> assertThat(c.getName()).isEqualTo("lifeline.call.attempt"));
  }
}
