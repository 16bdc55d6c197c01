package io.lifeline.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lifeline.core.ConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 12, part 4: each defect found in RedisConfig, as an example that failed before the fix. */
class RedisConfigIssue12Test {

  @Test
  void aHugeDefaultTtlIsAClearErrorNotAnArithmeticException() {
    assertThatThrownBy(() -> RedisConfig.fromMap(Map.of("REDIS_DEFAULT_TTL", "PT100000000000000H")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("REDIS_DEFAULT_TTL=PT100000000000000H: must be 0 (no expiry) or between 1ms and 365d");
  }

  @Test
  void nullsGivenToTheBuilderAreConfigurationErrorsNamingTheMethod() {
    Throwable t = catchThrowable(() -> RedisConfig.builder().defaultTtl(null).features((String[]) null)
        .retryConfig(null).build());
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage()).contains("defaultTtl=null: must be 0", "features=null: must be a set",
        "retryConfig=null: must be set");
  }

  @Test
  void portsAboveTheTcpRangeAreRejectedAtLoad() {
    assertThatThrownBy(() -> RedisConfig.fromMap(Map.of("REDIS_URL", "redis://:S3cretPw42@cache:70000/0")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("REDIS_URL=redis://****@cache:70000/0: must have a port between 1 and 65535");
  }

  @Test
  void anUpperCaseSchemeIsAcceptedAndNormalized() {
    RedisConfig c = RedisConfig.fromMap(Map.of("REDIS_URL", "REDISS://cache:6380/2"));
    assertThat(c.url()).isEqualTo("rediss://cache:6380/2");
    assertThat(c.redisUri().isSsl()).isTrue();
  }

  @Test
  void aHostWithASpaceIsRejectedClearlyWithoutThePassword() {
    Throwable t = catchThrowable(() -> RedisConfig.builder().url("redis://:S3cretPw42@my cache:6379").build());
    assertThat(t).isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith("url=redis://****@my cache:6379: must name a valid host")
        .hasMessageContaining("found a space");
    assertThat(t).hasNoCause();
  }

  @Test
  void everyProblemIsReportedAtOnceUnderItsVariable() {
    Throwable t = catchThrowable(() -> RedisConfig.fromMap(Map.of(
        "REDIS_MAX_CONNECTIONS", "0",
        "REDIS_COMMAND_TIMEOUT", "soon",
        "REDIS_RECONNECT_MIN_DELAY", "2s")));
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage().lines().map(l -> l.substring(0, l.indexOf('='))))
        .containsExactlyInAnyOrder("REDIS_COMMAND_TIMEOUT", "REDIS_MAX_CONNECTIONS", "REDIS_RECONNECT_MIN_DELAY");
    assertThat(t.getMessage()).contains("REDIS_RECONNECT_MIN_DELAY=2s: must be <= reconnectMaxDelay (1s)");
  }

  @Test
  void durationsAtTheDocumentedBoundsAreAccepted() {
    RedisConfig c = RedisConfig.builder().defaultTtl(Duration.ofDays(365)).build();
    assertThat(c.defaultTtl()).isEqualTo(Duration.ofDays(365));
  }
}
