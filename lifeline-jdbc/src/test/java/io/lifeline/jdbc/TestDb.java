package io.lifeline.jdbc;

import io.lifeline.core.RetryConfig;
import java.time.Duration;

/** Test configurations: short timeouts so outages are detected and recovered quickly. */
final class TestDb {
  private TestDb() {}

  static RetryConfig fastRetries() {
    return RetryConfig.builder().maxRetries(3).baseDelay(Duration.ofMillis(10)).maxDelay(Duration.ofMillis(50))
        .build();
  }

  static DatabaseConfig.Builder config(String url) {
    return DatabaseConfig.builder()
        .url(url)
        .username("postgres")
        .poolSize(4)
        .maxOverflow(4)
        .poolTimeout(Duration.ofSeconds(5))
        .connectTimeout(Duration.ofSeconds(1))
        .socketTimeout(Duration.ofSeconds(2))
        .loginTimeout(Duration.ofSeconds(2))
        .validationTimeout(Duration.ofSeconds(1))
        .recoveryProbeInterval(Duration.ofMillis(100))
        .retryConfig(fastRetries());
  }
}
