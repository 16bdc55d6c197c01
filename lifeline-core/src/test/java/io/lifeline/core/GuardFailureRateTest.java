package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeline.core.CircuitBreaker.State;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A Guard over a failure-rate breaker: outcomes and call durations reach the window on both paths. */
class GuardFailureRateTest {
  private final FakeTicker ticker = new FakeTicker();

  private Guard guard(CircuitBreaker breaker) {
    return Guard.builder("svc").retryConfig(RetryConfig.builder().maxRetries(0).build())
        .circuitBreaker(breaker).ticker(ticker).build();
  }

  private CircuitBreaker.Builder breaker() {
    return CircuitBreaker.builder("svc").withTicker(ticker).withSlidingWindowSize(4)
        .withMinimumNumberOfCalls(4);
  }

  @ParameterizedTest
  @EnumSource(GuardTest.Mode.class)
  void failuresOpenAtTheRate(GuardTest.Mode mode) {
    Guard g = guard(breaker().withFailureRateThreshold(50).build());
    mode.call(g, () -> "ok");
    mode.call(g, () -> "ok");
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> mode.call(g, () -> {
        throw new IOException("connection reset");
      })).isInstanceOf(ServiceUnavailableException.class);
    }
    assertThat(g.circuitBreaker().state()).isEqualTo(State.OPEN);
    assertThatThrownBy(() -> mode.call(g, () -> "ok")).isInstanceOf(CircuitOpenException.class);
  }

  @ParameterizedTest
  @EnumSource(GuardTest.Mode.class)
  void slowSuccessesOpenAtTheSlowRate(GuardTest.Mode mode) {
    Guard g = guard(breaker().withSlowCallDurationThreshold(Duration.ofMillis(100))
        .withSlowCallRateThreshold(75).build());
    mode.call(g, () -> "fast");
    for (int i = 0; i < 2; i++) {
      mode.call(g, () -> {
        ticker.advance(Duration.ofMillis(150)); // the injected latency, on the fake clock
        return "slow";
      });
    }
    assertThat(g.circuitBreaker().state()).isEqualTo(State.CLOSED);
    mode.call(g, () -> {
      ticker.advance(Duration.ofMillis(100));
      return "slow";
    });
    assertThat(g.circuitBreaker().state()).isEqualTo(State.OPEN); // 3 of 4 slow = 75 %
  }
}
