package io.lifeline.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lifeline.core.ConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 12, part 4: each defect found in the HTTP and Graphiti configs, failing before the fix. */
class HttpConfigIssue12Test {

  @Test
  void portsAboveTheTcpRangeAreRejectedAtLoad() {
    assertThatThrownBy(() -> GraphitiConfig.fromMap(Map.of("GRAPHITI_URL", "http://graphiti:70000")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("GRAPHITI_URL=http://graphiti:70000: must have a port between 1 and 65535");
    assertThatThrownBy(() -> HttpServiceConfig.builder("svc").baseUrl("https://svc:65536/api").build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("baseUrl=https://svc:65536/api: must have a port between 1 and 65535");
  }

  @Test
  void theApiKeyHeaderIsNamedAsTheVariableAndItsValueIsShownBecauseItIsNotASecret() {
    assertThatThrownBy(() -> GraphitiConfig.fromMap(Map.of("GRAPHITI_API_KEY_HEADER", "X Api Key")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith("GRAPHITI_API_KEY_HEADER=X Api Key: must be a valid header name");
  }

  @Test
  void graphitiBuilderErrorsNameGraphitiMethods() {
    Throwable t = catchThrowable(() -> GraphitiConfig.builder().url("ftp://g").retryDelay(Duration.ofDays(2))
        .build());
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage()).contains("url=ftp://g: must be a URI", "retryDelay=2d: must be between 0ms and 1d");
  }

  @Test
  void nullsGivenToTheBuildersAreConfigurationErrorsNamingTheMethod() {
    Throwable t = catchThrowable(() -> HttpServiceConfig.builder("svc").baseUrl((String) null)
        .apiKeyHeader(null).header("X-Trace", null).retryConfig(null).build());
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage()).contains("baseUrl=null", "apiKeyHeader=null", "header X-Trace=null",
        "retryConfig=null");
    assertThatThrownBy(() -> HttpServiceConfig.builder(null).baseUrl("http://h").build())
        .isInstanceOf(ConfigurationException.class).hasMessage("name=null: must not be blank");
    assertThatThrownBy(() -> GraphitiConfig.builder().retryConfig(null).build())
        .isInstanceOf(ConfigurationException.class).hasMessage("retryConfig=null: must be set");
  }

  @Test
  void aTokenWithALineBreakIsRejectedAtLoadWithoutShowingIt() {
    Throwable t = catchThrowable(() -> GraphitiConfig.fromMap(Map.of(
        "GRAPHITI_BEARER_TOKEN", "tok-S3cret42\nX-Injected: 1")));
    assertThat(t).isInstanceOf(ConfigurationException.class)
        .hasMessage("GRAPHITI_BEARER_TOKEN=****: must not be blank or contain control characters when set");
  }

  @Test
  void malformedPercentEscapesInUserInfoAreAConfigurationErrorWithoutThePassword() {
    Throwable t = catchThrowable(() -> HttpServiceConfig.builder("svc")
        .baseUrl("https://user:S3cret%zz@svc").build());
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage()).doesNotContain("S3cret");
  }

  @Test
  void anUpperCaseSchemeIsAcceptedAndNormalized() {
    assertThat(GraphitiConfig.fromMap(Map.of("GRAPHITI_URL", "HTTPS://graphiti:8443")).http().baseUrl())
        .hasToString("https://graphiti:8443");
  }
}
