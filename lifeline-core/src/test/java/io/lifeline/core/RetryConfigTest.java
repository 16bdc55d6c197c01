package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class RetryConfigTest {

  @Test
  void defaultsComeFromTheDesignDocument() {
    RetryConfig c = RetryConfig.defaults();
    assertThat(c.maxRetries()).isEqualTo(5);
    assertThat(c.baseDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.maxDelay()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.exponentialBase()).isEqualTo(2.0);
    assertThat(c.jitter()).isTrue();
    assertThat(c.circuitBreakerThreshold()).isEqualTo(10);
    assertThat(c.circuitBreakerTimeout()).isEqualTo(Duration.ofSeconds(300));
    assertThat(c.halfOpenProbes()).isEqualTo(1);
    assertThat(c.retryBudgetRatio()).isEqualTo(0.2);
    assertThat(c.retryBudgetMinPerSecond()).isEqualTo(10);
    assertThat(c.retryBudgetWindow()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void builderSetsEveryValueAndToBuilderCopies() {
    RetryConfig c = RetryConfig.builder().maxRetries(3).baseDelay(Duration.ofMillis(500))
        .maxDelay(Duration.ofSeconds(5)).exponentialBase(3).jitter(false).circuitBreakerThreshold(4)
        .circuitBreakerTimeout(Duration.ofSeconds(7)).halfOpenProbes(2).retryBudgetRatio(0.5)
        .retryBudgetMinPerSecond(1).retryBudgetWindow(Duration.ofSeconds(30)).build();
    assertThat(c).isEqualTo(new RetryConfig(3, Duration.ofMillis(500), Duration.ofSeconds(5), 3.0, false,
        4, Duration.ofSeconds(7), 2, 0.5, 1, Duration.ofSeconds(30)));
    assertThat(c.toBuilder().build()).isEqualTo(c);
    assertThat(c.toBuilder().maxRetries(9).build().maxRetries()).isEqualTo(9);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        bad(b -> b.maxRetries(-1), "maxRetries=-1: must be between 0 and 1000"),
        bad(b -> b.maxRetries(1001), "maxRetries=1001: must be between 0 and 1000"),
        bad(b -> b.baseDelay(Duration.ofMillis(-5)), "baseDelay=PT-0.005S: must be between 0ms and 1d"),
        bad(b -> b.baseDelay(Duration.ofSeconds(10)).maxDelay(Duration.ofSeconds(2)),
            "maxDelay=2s: must be >= baseDelay (10s)"),
        bad(b -> b.exponentialBase(0.5), "exponentialBase=0.5: must be a number between 1 and 100"),
        bad(b -> b.exponentialBase(Double.NaN), "exponentialBase=NaN: must be a number between 1 and 100"),
        bad(b -> b.circuitBreakerThreshold(0), "circuitBreakerThreshold=0: must be between 1 and 1000000"),
        bad(b -> b.circuitBreakerTimeout(Duration.ofSeconds(-1)), "circuitBreakerTimeout=PT-1S: must be between 0ms and 365d"),
        bad(b -> b.halfOpenProbes(0), "halfOpenProbes=0: must be between 1 and 255"),
        bad(b -> b.retryBudgetRatio(-0.1), "retryBudgetRatio=-0.1: must be a number between 0 and 1000"),
        bad(b -> b.retryBudgetMinPerSecond(-1), "retryBudgetMinPerSecond=-1: must be between 0 and 100000"),
        bad(b -> b.retryBudgetWindow(Duration.ofMillis(10)), "retryBudgetWindow=10ms: must be between 1s and 1h"));
  }

  private static Arguments bad(Consumer<RetryConfig.Builder> change, String message) {
    return Arguments.of(change, message);
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void invalidValuesNameKeyValueAndWhatIsAllowed(Consumer<RetryConfig.Builder> change, String message) {
    RetryConfig.Builder b = RetryConfig.builder();
    change.accept(b);
    assertThatThrownBy(b::build).isInstanceOf(ConfigurationException.class).hasMessageStartingWith(message);
  }

  @Test
  void bindsFromEnvironmentStyleMapWithPrefixAndSeedAliases() {
    RetryConfig c = RetryConfig.fromMap(Map.of(
        "GRAPHITI_MAX_RETRIES", "3",
        "GRAPHITI_RETRY_DELAY", "1.0",
        "GRAPHITI_RETRY_BACKOFF", "2.0",
        "GRAPHITI_MAX_DELAY", "30s",
        "GRAPHITI_JITTER", "off",
        "GRAPHITI_CIRCUIT_BREAKER_THRESHOLD", "4",
        "GRAPHITI_CIRCUIT_BREAKER_TIMEOUT", "PT1M",
        "OTHER_MAX_RETRIES", "99"), "GRAPHITI_");
    assertThat(c.maxRetries()).isEqualTo(3);
    assertThat(c.baseDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.exponentialBase()).isEqualTo(2.0);
    assertThat(c.maxDelay()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.jitter()).isFalse();
    assertThat(c.circuitBreakerThreshold()).isEqualTo(4);
    assertThat(c.circuitBreakerTimeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.retryBudgetRatio()).isEqualTo(RetryConfig.DEFAULT_RETRY_BUDGET_RATIO);
  }

  @Test
  void absentKeysKeepDefaults() {
    assertThat(RetryConfig.fromMap(Map.of(), "X_")).isEqualTo(RetryConfig.defaults());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "GRAPHITI_MAX_RETRIES|three|GRAPHITI_MAX_RETRIES=three: must be a whole number",
      "GRAPHITI_MAX_RETRIES|-1|GRAPHITI_MAX_RETRIES=-1: must be between 0 and 1000",
      "GRAPHITI_RETRY_DELAY|soon|GRAPHITI_RETRY_DELAY=soon: must be a duration",
      "GRAPHITI_RETRY_DELAY|-2|GRAPHITI_RETRY_DELAY=-2: must be a duration",
      "GRAPHITI_RETRY_BACKOFF|0.5|GRAPHITI_RETRY_BACKOFF=0.5: must be a number between 1 and 100",
      "GRAPHITI_RETRY_BACKOFF|x|GRAPHITI_RETRY_BACKOFF=x: must be a number",
      "GRAPHITI_JITTER|maybe|GRAPHITI_JITTER=maybe: must be one of true/false",
      "GRAPHITI_CIRCUIT_BREAKER_TIMEOUT|PTX|GRAPHITI_CIRCUIT_BREAKER_TIMEOUT=PTX: must be a duration",
      "GRAPHITI_RETRY_BUDGET_RATIO|NaN|GRAPHITI_RETRY_BUDGET_RATIO=NaN: must be a finite number",
  })
  void unparsableOrInvalidEnvValuesNameTheVariable(String key, String value, String message) {
    assertThatThrownBy(() -> RetryConfig.fromMap(Map.of(key, value), "GRAPHITI_"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith(message)
        .satisfies(e -> assertThat(((ConfigurationException) e).key()).isEqualTo(key));
  }

  @Test
  void crossFieldErrorNamesTheEnvVariables() {
    assertThatThrownBy(() -> RetryConfig.fromMap(
        Map.of("APP_BASE_DELAY", "10", "APP_MAX_DELAY", "2"), "APP_"))
        .hasMessage("APP_MAX_DELAY=2s: must be >= APP_BASE_DELAY (10s)");
  }

  @Test
  void settingAKeyAndItsAliasIsAnError() {
    assertThatThrownBy(() -> RetryConfig.fromMap(
        Map.of("G_BASE_DELAY", "1", "G_RETRY_DELAY", "2"), "G_"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("G_RETRY_DELAY=2: must not be set together with G_BASE_DELAY");
  }

  @Test
  void overridingInCodeAfterBindingReportsTheCodeName() {
    assertThatThrownBy(() -> RetryConfig.builder()
        .apply(Settings.of(Map.of("G_MAX_RETRIES", "2")).withPrefix("G_")).maxRetries(-3).build())
        .hasMessageStartingWith("maxRetries=-3");
  }

  @Test
  void toStringIsReadable() {
    assertThat(RetryConfig.defaults().toString()).contains("maxRetries=5", "baseDelay=1s", "maxDelay=1m",
        "circuitBreakerTimeout=5m");
  }
}
