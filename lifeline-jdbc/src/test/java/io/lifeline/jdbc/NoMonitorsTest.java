package io.lifeline.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.testkit.Bytecode;
import org.junit.jupiter.api.Test;

/** Virtual threads must never pin in lifeline-jdbc: no monitor in any of its classes. */
class NoMonitorsTest {

  @Test
  void noClassUsesAMonitor() {
    assertThat(Bytecode.monitorsIn(DatabaseConnectionManager.class)).as("monitors in lifeline-jdbc").isEmpty();
  }
}
