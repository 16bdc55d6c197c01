package io.lifeline.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeline.redis.RedisConnectionManager;
import io.lifeline.testkit.RedisServerExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter in a {@code @SpringBootTest}, as a user's own tests would see it, against a real Redis.
 * The context is closed after the class ({@code @DirtiesContext}): Spring's test context cache would
 * otherwise keep its managers reconnecting to this class's Redis, stopped after it, for the rest of
 * the JVM.
 */
@DirtiesContext
@SpringBootTest(classes = LifelineSpringBootTest.App.class, properties = {
    "lifeline.health.check-interval=200ms", "spring.jmx.enabled=false",
    "management.endpoint.health.show-details=always",
    "spring.autoconfigure.exclude=org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration"})
class LifelineSpringBootTest {

  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.builder().build();

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) {
    registry.add("spring.data.redis.url", REDIS::url);
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  @Autowired
  RedisConnectionManager redis;

  @Autowired
  HealthEndpoint health;

  @Test
  void theRedisManagerIsABeanOnSpringDataRedisAndItsHealthIsInActuator() {
    redis.set("k", "v");
    assertThat(redis.get("k")).isEqualTo("v");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(health.healthForPath("lifeline", "redis").getStatus()).isEqualTo(Status.UP));
  }
}
