package io.lifeline.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lifeline.core.ConfigurationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Issue 12, part 4: the health manager's builder reports every problem, nulls included, at once. */
class HealthBuilderValidationTest {

  @Test
  void nullArgumentsAreConfigurationErrorsNamingTheMethod() {
    Throwable t = catchThrowable(() -> ConnectionHealthManager.builder().checkInterval(null).retryConfig(null)
        .ticker(null).build());
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage()).contains("checkInterval=null: must be set", "retryConfig=null: must be set",
        "ticker=null: must be set");
  }

  @Test
  void everyOutOfRangeValueIsReportedTogether() {
    Throwable t = catchThrowable(() -> ConnectionHealthManager.builder()
        .checkInterval(Duration.ofSeconds(Long.MIN_VALUE))
        .checkTimeout(Duration.ofSeconds(Long.MAX_VALUE))
        .maxConcurrentChecks(0)
        .unavailableThreshold(0)
        .build());
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage().lines()).containsExactly(
        "checkInterval=PT-2562047788015215H-30M-8S: must be between 10ms and 1d",
        "checkTimeout=PT2562047788015215H30M7S: must be between 1ms and 1h",
        "unavailableThreshold=0: must be between 1 and 1000",
        "maxConcurrentChecks=0: must be between 1 and 1024");
  }
}
