package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 12, part 4, in core: the exception itself, Settings and RetryConfig. */
class ConfigurationErrorsTest {

  @Test
  void aChainedCauseNeverCarriesTheRawUrlWithItsPassword() {
    String url = "postgresql://app:S3cretPw42@bad host:5432/db";
    Throwable parserError = new IllegalArgumentException("Illegal character in authority at index 30: " + url,
        new IllegalStateException(url));
    ConfigurationException e = new ConfigurationException("DATABASE_URL", url, "must be a valid URL", parserError);
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t.getMessage())).doesNotContain("S3cretPw42");
    }
    assertThat(e.getCause()).hasMessageStartingWith("java.lang.IllegalArgumentException: Illegal character");
    assertThat(e.getCause().getStackTrace()).isEqualTo(parserError.getStackTrace());
  }

  @Test
  void aValueWithLineBreaksCannotForgeAProblemLine() {
    ConfigurationException e = new ConfigurationException("APP_NAME", "x\nAPP_OTHER=fine: ok", "must be a name");
    assertThat(e.getMessage().lines()).hasSize(1);
    assertThat(e.getMessage()).isEqualTo("APP_NAME=x\\u000AAPP_OTHER=fine: ok: must be a name");
  }

  @Test
  void allProblemsOfOneConfigAreReportedTogetherOneLineEach() {
    Throwable t = catchThrowable(() -> RetryConfig.fromMap(Map.of(
        "APP_MAX_RETRIES", "-1",
        "APP_RETRY_DELAY", "soon",
        "APP_CIRCUIT_BREAKER_TIMEOUT", "PT100000000000000H"), "APP_"));
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage().lines()).containsExactlyInAnyOrder(
        "APP_MAX_RETRIES=-1: must be between 0 and 1000",
        "APP_RETRY_DELAY=soon: must be a duration: seconds (1.5), a number with a unit (250ms, 2s, 5m, 1h)"
            + " or ISO-8601 (PT30S)",
        "APP_CIRCUIT_BREAKER_TIMEOUT=PT100000000000000H: must be between 0ms and 365d");
  }

  @Test
  void hugeAndNegativeDurationsAreClearErrorsWithTheirBound() {
    assertThatThrownBy(() -> RetryConfig.builder().maxDelay(Duration.ofSeconds(Long.MAX_VALUE)).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("maxDelay=PT2562047788015215H30M7S: must be between 0ms and 1d");
    assertThatThrownBy(() -> RetryConfig.builder().retryBudgetWindow(Duration.ofSeconds(Long.MIN_VALUE)).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("retryBudgetWindow=PT-2562047788015215H-30M-8S: must be between 1s and 1h");
    assertThatThrownBy(() -> Settings.parseDuration("K", "PT9999999999999999999H"))
        .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("K=PT9999999999999999999H: must be a duration")
        .hasNoCause();
  }

  @Test
  void nullDurationsInTheBuilderNameTheMethod() {
    assertThatThrownBy(() -> RetryConfig.builder().retryBudgetWindow(null).baseDelay(null).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("baseDelay=null: must be set")
        .hasMessageContaining("retryBudgetWindow=null: must be set");
  }

  @Test
  void numberParseErrorsDoNotChainTheParserExceptionThatEchoesTheValue() {
    assertThatThrownBy(() -> Settings.parseInt("APP_TOKEN_TTL", "hunter2secret")).hasNoCause();
  }

  @Test
  void validationNamesHostsPortsAndPathsClearly() {
    Validation v = Validation.byField();
    v.path("journalPath", "/tmp/j\u0000.log");
    v.uri("url", "http://user:pw-123456@bad host:70000/x",
        new Validation.UriRule(java.util.Set.of("http"), true, false, "http://h"));
    v.port("port", 70_000);
    Throwable t = catchThrowable(v::throwIfAny);
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage()).doesNotContain("pw-123456")
        .contains("journalPath=/tmp/j\\u0000.log: must be a file path without NUL characters")
        .contains("url=http://user:****@bad host:70000/x: must name a valid host: the host must be a DNS name"
            + " or IP address (ASCII letters, digits, '.', '-', '_'; IPv6 in [brackets]; internationalized"
            + " names in their xn-- form); found a space")
        .contains("url=http://user:****@bad host:70000/x: must have a port between 1 and 65535")
        .contains("port=70000: must be a TCP port between 1 and 65535");
    assertThat(((ConfigurationException) t).problems()).hasSize(4);
  }

  @Test
  void aCrossFieldProblemNamesTheVariableTheUserSetNotTheDefault() {
    assertThatThrownBy(() -> RetryConfig.fromMap(Map.of("APP_BASE_DELAY", "1h"), "APP_"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("APP_BASE_DELAY=1h: must be <= maxDelay (1m)");
  }
}
