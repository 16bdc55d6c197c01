package io.lifeline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.testkit.Bytecode;
import org.junit.jupiter.api.Test;

/** Virtual threads must never pin in lifeline-redis: no monitor in any of its classes. */
class RedisNoMonitorsTest {

  @Test
  void noClassUsesAMonitor() {
    assertThat(Bytecode.monitorsIn(RedisConnectionManager.class)).as("monitors in lifeline-redis").isEmpty();
  }
}
