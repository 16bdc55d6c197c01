package io.lifeline.spring;

import io.lifeline.core.RetryConfig;
import io.lifeline.core.health.ConnectionHealthManager;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The core of Lifeline's auto-configuration: the default {@link RetryConfig}, the {@link
 * ConnectionHealthManager} every manager registers with, the named {@link LifelineGuards} and the
 * {@link LifelineLifecycle} that starts and closes them. {@code lifeline.enabled=false} turns every
 * Lifeline auto-configuration off; every bean can be replaced by one of the application's.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "lifeline.enabled", matchIfMissing = true)
@EnableConfigurationProperties(LifelineProperties.class)
public class LifelineAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  public RetryConfig lifelineRetryConfig(LifelineProperties properties) {
    return properties.getRetry().apply(RetryConfig.defaults(), "lifeline.retry");
  }

  @Bean
  @ConditionalOnMissingBean
  public ConnectionHealthManager lifelineHealthManager(LifelineProperties properties, RetryConfig retry) {
    LifelineProperties.Health h = properties.getHealth();
    return Problems.build("lifeline.health", () -> {
      ConnectionHealthManager.Builder b = ConnectionHealthManager.builder().retryConfig(retry);
      if (h.getCheckInterval() != null) b.checkInterval(h.getCheckInterval());
      if (h.getCheckTimeout() != null) b.checkTimeout(h.getCheckTimeout());
      if (h.getLatencyThreshold() != null) b.latencyThreshold(h.getLatencyThreshold());
      if (h.getUnavailableThreshold() != null) b.unavailableThreshold(h.getUnavailableThreshold());
      if (h.getRecoveryThreshold() != null) b.recoveryThreshold(h.getRecoveryThreshold());
      return b.build();
    });
  }

  @Bean
  @ConditionalOnMissingBean
  public LifelineGuards lifelineGuards(LifelineProperties properties, RetryConfig retry) {
    return new LifelineGuards(properties, retry);
  }

  @Bean
  @ConditionalOnMissingBean
  public LifelineLifecycle lifelineLifecycle(ConnectionHealthManager health) {
    return new LifelineLifecycle(health);
  }
}
