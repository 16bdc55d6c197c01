package io.lifeline.neo4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.testkit.Bytecode;
import org.junit.jupiter.api.Test;

/** Virtual threads must never pin in lifeline-neo4j: no monitor in any of its classes. */
class NoMonitorsTest {

  @Test
  void noClassUsesAMonitor() {
    assertThat(Bytecode.monitorsIn(Neo4jConnectionManager.class)).as("monitors in lifeline-neo4j").isEmpty();
  }
}
