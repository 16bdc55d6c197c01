package io.lifeline.core.health;

import static io.lifeline.core.health.ServiceStatus.DEGRADED;
import static io.lifeline.core.health.ServiceStatus.HEALTHY;
import static io.lifeline.core.health.ServiceStatus.RECOVERING;
import static io.lifeline.core.health.ServiceStatus.UNAVAILABLE;
import static io.lifeline.core.health.StatusMachine.Signal.FAILURE;
import static io.lifeline.core.health.StatusMachine.Signal.SLOW;
import static io.lifeline.core.health.StatusMachine.Signal.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeline.core.ConfigurationException;
import io.lifeline.core.health.StatusMachine.Signal;
import io.lifeline.core.health.StatusMachine.State;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every row of {@link StatusMachine}'s table, with unavailableThreshold 3 and recoveryThreshold 2. */
class StatusMachineTest {
  private final StatusMachine m = new StatusMachine(3, 2);

  static Stream<Arguments> table() {
    return Stream.of(
        // from state, signal, expected state
        row(HEALTHY, 0, 0, SUCCESS, HEALTHY, 0, 1),
        row(HEALTHY, 0, 5, SLOW, DEGRADED, 0, 0),
        row(HEALTHY, 0, 5, FAILURE, DEGRADED, 1, 0),
        row(DEGRADED, 0, 0, SUCCESS, DEGRADED, 0, 1),
        row(DEGRADED, 0, 1, SUCCESS, HEALTHY, 0, 2),
        row(DEGRADED, 0, 1, SLOW, DEGRADED, 0, 0),
        row(DEGRADED, 1, 0, FAILURE, DEGRADED, 2, 0),
        row(DEGRADED, 2, 0, FAILURE, UNAVAILABLE, 3, 0),
        row(DEGRADED, 2, 0, SUCCESS, DEGRADED, 0, 1),
        row(UNAVAILABLE, 3, 0, FAILURE, UNAVAILABLE, 4, 0),
        row(UNAVAILABLE, 3, 0, SUCCESS, RECOVERING, 0, 1),
        row(UNAVAILABLE, 3, 0, SLOW, RECOVERING, 0, 0),
        row(RECOVERING, 0, 1, SUCCESS, HEALTHY, 0, 2),
        row(RECOVERING, 0, 0, SUCCESS, RECOVERING, 0, 1),
        row(RECOVERING, 0, 1, SLOW, DEGRADED, 0, 0),
        row(RECOVERING, 0, 1, FAILURE, UNAVAILABLE, 1, 0));
  }

  private static Arguments row(ServiceStatus from, int f, int s, Signal sig, ServiceStatus to, int f2, int s2) {
    return Arguments.of(new State(from, f, s), sig, new State(to, f2, s2));
  }

  @ParameterizedTest(name = "{0} + {1} -> {2}")
  @MethodSource("table")
  void transition(State from, Signal signal, State expected) {
    assertThat(m.next(from, signal)).isEqualTo(expected);
  }

  @Test
  void thresholdOfOneGoesStraightThrough() {
    StatusMachine quick = new StatusMachine(1, 1);
    assertThat(quick.next(State.INITIAL, FAILURE).status()).isEqualTo(UNAVAILABLE);
    assertThat(quick.next(new State(UNAVAILABLE, 1, 0), SUCCESS).status()).isEqualTo(HEALTHY);
  }

  @Test
  void validatesThresholds() {
    assertThatThrownBy(() -> new StatusMachine(0, 2)).isInstanceOf(ConfigurationException.class)
        .hasMessage("unavailableThreshold=0: must be between 1 and 1000");
    assertThatThrownBy(() -> new StatusMachine(3, 0)).hasMessage("recoveryThreshold=0: must be between 1 and 1000");
  }
}
