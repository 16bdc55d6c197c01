package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeline.core.CircuitBreaker.SlidingWindowType;
import io.lifeline.core.CircuitBreaker.State;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The failure-rate settings in {@link RetryConfig}: defaults, env keys, validation, and the Guard's breaker. */
class RetryConfigFailureRateTest {

  @Test
  void offByDefaultSoTheBreakerCountsConsecutiveFailures() {
    RetryConfig c = RetryConfig.defaults();
    assertThat(c.failureRateMode()).isFalse();
    assertThat(c.circuitBreakerSlidingWindowType()).isEqualTo(SlidingWindowType.COUNT_BASED);
    assertThat(c.circuitBreakerSlidingWindowSize()).isEqualTo(100);
    assertThat(c.circuitBreakerMinimumNumberOfCalls()).isEqualTo(100);
    assertThat(c.circuitBreakerSlowCallDurationThreshold()).isZero();
    assertThat(c.circuitBreakerSlowCallRateThreshold()).isEqualTo(100.0);
    assertThat(new RetryConfig(5, Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, true, 10,
        Duration.ofSeconds(300), 1, 0.2, 10, Duration.ofSeconds(10))).isEqualTo(c);
  }

  @Test
  void boundFromTheEnvironmentTheGuardOpensOnTheRate() {
    RetryConfig c = RetryConfig.fromMap(Map.of(
        "ORDERS_MAX_RETRIES", "0",
        "ORDERS_CIRCUIT_BREAKER_FAILURE_RATE_THRESHOLD", "50",
        "ORDERS_CIRCUIT_BREAKER_SLIDING_WINDOW_TYPE", "count_based",
        "ORDERS_CIRCUIT_BREAKER_SLIDING_WINDOW_SIZE", "4",
        "ORDERS_CIRCUIT_BREAKER_MINIMUM_NUMBER_OF_CALLS", "4",
        "ORDERS_CIRCUIT_BREAKER_SLOW_CALL_DURATION_THRESHOLD", "2s",
        "ORDERS_CIRCUIT_BREAKER_SLOW_CALL_RATE_THRESHOLD", "80"), "ORDERS_");
    assertThat(c.failureRateMode()).isTrue();
    assertThat(c.circuitBreakerSlowCallDurationThreshold()).isEqualTo(Duration.ofSeconds(2));
    Guard g = Guard.of("orders", c);
    for (String outcome : new String[] {"ok", "fail", "ok", "fail"}) {
      try {
        g.call(() -> {
          if (outcome.equals("fail")) {
            throw new java.io.IOException("reset");
          }
          return outcome;
        });
      } catch (ServiceUnavailableException expected) {
        // the two failures
      }
    }
    assertThat(g.circuitBreaker().state()).isEqualTo(State.OPEN); // 2 of 4 = 50 %
    assertThat(g.circuitBreaker().startTime()).isNotEqualTo(CircuitBreaker.NOT_TIMED);
  }

  @Test
  void everyBadValueIsNamedByItsEnvironmentKeyAtOnce() {
    assertThatThrownBy(() -> RetryConfig.fromMap(Map.of(
        "X_CIRCUIT_BREAKER_FAILURE_RATE_THRESHOLD", "150",
        "X_CIRCUIT_BREAKER_SLIDING_WINDOW_TYPE", "SESSION",
        "X_CIRCUIT_BREAKER_SLIDING_WINDOW_SIZE", "0",
        "X_CIRCUIT_BREAKER_MINIMUM_NUMBER_OF_CALLS", "-1",
        "X_CIRCUIT_BREAKER_SLOW_CALL_DURATION_THRESHOLD", "2d",
        "X_CIRCUIT_BREAKER_SLOW_CALL_RATE_THRESHOLD", "0"), "X_"))
        .isInstanceOf(ConfigurationException.class)
        .satisfies(e -> assertThat(((ConfigurationException) e).problems())
            .extracting(ConfigurationException.Problem::toString)
            .containsExactlyInAnyOrder(
                "X_CIRCUIT_BREAKER_SLIDING_WINDOW_TYPE=SESSION: must be COUNT_BASED or TIME_BASED",
                "X_CIRCUIT_BREAKER_FAILURE_RATE_THRESHOLD=150.0: must be a number between 0 and 100",
                "X_CIRCUIT_BREAKER_SLIDING_WINDOW_SIZE=0: must be between 1 and 10000",
                "X_CIRCUIT_BREAKER_MINIMUM_NUMBER_OF_CALLS=-1: must be between 1 and 1000000000",
                "X_CIRCUIT_BREAKER_SLOW_CALL_DURATION_THRESHOLD=2d: must be 0 (off) or between 1ms and 1d",
                "X_CIRCUIT_BREAKER_SLOW_CALL_RATE_THRESHOLD=0.0: must be a percentage above 0 and at most 100"));
  }

  @Test
  void timeBasedWindowSizeIsInSeconds() {
    assertThatThrownBy(() -> RetryConfig.builder().circuitBreakerFailureRateThreshold(50)
        .circuitBreakerSlidingWindowType(SlidingWindowType.TIME_BASED)
        .circuitBreakerSlidingWindowSize(5000).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("circuitBreakerSlidingWindowSize=5000: must be between 1 and 3600 (seconds, TIME_BASED)");
  }
}
