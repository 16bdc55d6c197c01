package io.lifeline.neo4j;

import io.lifeline.core.RetryConfig;
import java.time.Duration;

/** Configs with short delays and bounds, so tests of failures finish quickly. */
final class TestConfigs {
  private TestConfigs() {}

  static RetryConfig fastRetry(int maxRetries) {
    return RetryConfig.builder().maxRetries(maxRetries).baseDelay(Duration.ofMillis(20))
        .maxDelay(Duration.ofMillis(100)).build();
  }

  static Neo4jConfig.Builder config(String uri) {
    return Neo4jConfig.builder()
        .uri(uri)
        .connectionTimeout(Duration.ofSeconds(2))
        .connectionAcquisitionTimeout(Duration.ofSeconds(5))
        .queryTimeout(Duration.ofSeconds(5))
        .retry(fastRetry(3));
  }
}
