package io.lifeline.micrometer;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeline.core.Guard;
import io.lifeline.core.RetriesExhaustedException;
import io.lifeline.core.RetryConfig;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LifelineObservations} with Micrometer's {@link TestObservationRegistry}: a call that
 * succeeds on its third attempt is one {@code lifeline.call} observation with three {@code
 * lifeline.call.attempt} children (attempt 1 and 2 failed, 3 succeeded), sync and async; the
 * error a span carries is sanitized.
 */
class CallObservationTest {

  private static RetryConfig retries() {
    return RetryConfig.builder().maxRetries(3).baseDelay(Duration.ofMillis(1))
        .maxDelay(Duration.ofMillis(2)).build();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aCallThatSucceedsOnTheThirdAttemptIsOneCallWithThreeAttempts(boolean async) {
    TestObservationRegistry registry = TestObservationRegistry.create();
    List<Observation.Context> stopped = collect(registry);
    try (LifelineObservations tracing = LifelineObservations.bindTo(registry)) {
      Guard guard = Guard.builder("profile").retryConfig(retries()).backend("http").build();
      AtomicInteger n = new AtomicInteger();
      String result;
      if (async) {
        result = guard.callAsync(() -> n.incrementAndGet() < 3
            ? CompletableFuture.failedFuture(new IOException("reset by peer"))
            : CompletableFuture.completedFuture("ok")).join();
      } else {
        result = guard.call(() -> {
          if (n.incrementAndGet() < 3) {
            throw new IOException("reset by peer");
          }
          return "ok";
        });
      }
      assertThat(result).isEqualTo("ok");
      awaitCallStopped(stopped); // async: the call ends on the completing thread, maybe after join()

      assertThat(registry)
          .hasNumberOfObservationsWithNameEqualTo(CallObservations.CALL, 1)
          .hasNumberOfObservationsWithNameEqualTo(CallObservations.ATTEMPT, 3)
          .hasObservationWithNameEqualTo(CallObservations.CALL).that()
          .hasBeenStarted().hasBeenStopped()
          .hasLowCardinalityKeyValue("service", "profile")
          .hasLowCardinalityKeyValue("backend", "http")
          .hasLowCardinalityKeyValue("outcome", "success")
          .doesNotHaveError();
      List<Observation.Context> attempts = stopped.stream()
          .filter(c -> c.getName().equals(CallObservations.ATTEMPT))
          .collect(Collectors.toList());
      Observation.Context call = stopped.stream()
          .filter(c -> c.getName().equals(CallObservations.CALL)).findFirst().orElseThrow();
      assertThat(attempts).extracting(c -> c.getHighCardinalityKeyValue("attempt").getValue())
          .containsExactly("1", "2", "3");
      assertThat(attempts).extracting(c -> c.getLowCardinalityKeyValue("outcome").getValue())
          .containsExactly("failure", "failure", "success");
      assertThat(attempts).allSatisfy(c -> assertThat(c.getParentObservation().getContextView())
          .isSameAs(call));
      assertThat(attempts.get(0).getError()).hasMessageContaining("reset by peer");
      assertThat(attempts.get(2).getError()).isNull();
      assertThat(call.getHighCardinalityKeyValues()).as("high cardinality: the attempt number only")
          .isEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aFailedCallCarriesItsOutcomeAndASanitizedError(boolean async) {
    TestObservationRegistry registry = TestObservationRegistry.create();
    List<Observation.Context> stopped = collect(registry);
    try (LifelineObservations tracing = LifelineObservations.bindTo(registry)) {
      Guard guard = Guard.builder("billing").retryConfig(retries().toBuilder().maxRetries(1).build()).build();
      IOException leak = new IOException("cannot reach redis://:hunter2@cache:6379/0");
      if (async) {
        assertThatThrownBy(() -> guard.callAsync(() -> CompletableFuture.failedFuture(leak)).join())
            .hasCauseInstanceOf(RetriesExhaustedException.class);
      } else {
        assertThatThrownBy(() -> guard.call(() -> {
          throw leak;
        })).isInstanceOf(RetriesExhaustedException.class);
      }
      awaitCallStopped(stopped);
      assertThat(registry).hasObservationWithNameEqualTo(CallObservations.CALL).that()
          .hasLowCardinalityKeyValue("outcome", "failure").hasError();
      assertThat(stopped).hasSize(3);
      stopped.forEach(c -> {
        Throwable error = c.getError();
        assertThat(error).isNotNull();
        assertThat(error.getMessage()).doesNotContain("hunter2");
        assertThat(error.getCause()).isNull();
      });
      assertThat(registry).hasNumberOfObservationsWithNameEqualTo(CallObservations.ATTEMPT, 2);
    }
  }

  private static void awaitCallStopped(List<Observation.Context> stopped) {
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> stopped.stream().anyMatch(c -> c.getName().equals(CallObservations.CALL)));
  }

  /** Every context, in the order its observation stopped. */
  private static List<Observation.Context> collect(TestObservationRegistry registry) {
    List<Observation.Context> stopped = new java.util.concurrent.CopyOnWriteArrayList<>();
    registry.observationConfig().observationHandler(new ObservationHandler<Observation.Context>() {
      @Override
      public boolean supportsContext(Observation.Context context) {
        return true;
      }

      @Override
      public void onStop(Observation.Context context) {
        stopped.add(context);
      }
    });
    return stopped;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void afterCloseNoObservationIsMade(boolean closeFirst) {
    TestObservationRegistry registry = TestObservationRegistry.create();
    Guard before = Guard.of("before", retries());
    LifelineObservations tracing = LifelineObservations.bindTo(registry);
    before.call(() -> 1); // a guard built before the binding is observed too
    assertThat(registry).hasNumberOfObservationsWithNameEqualTo(CallObservations.CALL, 1);
    tracing.close();
    Guard after = Guard.of("after", retries());
    (closeFirst ? after : before).call(() -> 1);
    assertThat(registry).hasNumberOfObservationsWithNameEqualTo(CallObservations.CALL, 1);
  }
}
