package io.lifeline.bomit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.micrometer.LifelineMetrics;
import io.lifeline.redis.RedisConfig;
import io.lifeline.redis.RedisConnectionManager;
import io.lifeline.testkit.RedisServerExtension;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With only the BOM on the build path (Micrometer's version from its {@code micrometer-bom}), one
 * {@code LifelineMetrics.bindTo(registry)} shows a manager created afterwards in the Prometheus
 * text, after a real round trip to Redis.
 */
class BomMicrometerTest {

  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.builder().build();

  @Test
  void oneCallShowsTheManagersMetricsInPrometheusText() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (LifelineMetrics metrics = LifelineMetrics.bindTo(registry);
        RedisConnectionManager redis = RedisConnectionManager.create(RedisConfig.builder().url(REDIS.url()).build())) {
      redis.set("bom-it-metrics", "v");
      assertThat(redis.get("bom-it-metrics")).isEqualTo("v");

      String text = registry.scrape();
      assertThat(text).contains("lifeline_calls_total{backend=\"redis\",outcome=\"success\",service=\"" + redis.name() + "\"}");
      assertThat(text).contains("lifeline_connection_state{backend=\"redis\",service=\"" + redis.name() + "\",state=\"connected\"} 1.0");
    }
  }
}
