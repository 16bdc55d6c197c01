package io.lifeline.spring;

import io.lifeline.core.health.ConnectionHealthManager;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator integration: the {@code lifeline} composite health contributor (one indicator per
 * service), Boot's {@code readinessState} indicator extended with Lifeline's critical features, and
 * the {@code lifeline} endpoint.
 */
@AutoConfiguration(after = {LifelineAutoConfiguration.class, LifelineRedisAutoConfiguration.class,
    LifelineDatabaseAutoConfiguration.class, LifelineNeo4jAutoConfiguration.class,
    LifelineHttpAutoConfiguration.class},
    afterName = "org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration",
    beforeName = {"org.springframework.boot.health.autoconfigure.application.AvailabilityHealthContributorAutoConfiguration",
        "org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration"})
@ConditionalOnBooleanProperty(name = "lifeline.enabled", matchIfMissing = true)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(ConnectionHealthManager.class)
public class LifelineHealthContributorAutoConfiguration {

  /** Bean name {@code lifelineHealthContributor}: Actuator shows it as {@code lifeline}. */
  @Bean
  @ConditionalOnMissingBean(name = "lifelineHealthContributor")
  public LifelineHealthContributor lifelineHealthContributor(ConnectionHealthManager health) {
    return new LifelineHealthContributor(health);
  }

  /** Replaces Boot's readinessState indicator only when there are critical features. */
  @Bean
  @ConditionalOnMissingBean(name = "readinessStateHealthIndicator")
  @ConditionalOnBean(ApplicationAvailability.class)
  @org.springframework.context.annotation.Conditional(CriticalFeaturesConfigured.class)
  public LifelineReadinessIndicator readinessStateHealthIndicator(ApplicationAvailability availability,
      ConnectionHealthManager health, LifelineProperties properties) {
    return new LifelineReadinessIndicator(availability, health, properties.getHealth().getCriticalFeatures());
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(org.springframework.boot.actuate.endpoint.annotation.Endpoint.class)
  static class EndpointConfiguration {
    @Bean
    @ConditionalOnMissingBean
    public LifelineEndpoint lifelineEndpoint(ConnectionHealthManager health) {
      return new LifelineEndpoint(health);
    }
  }

  static final class CriticalFeaturesConfigured extends org.springframework.boot.autoconfigure.condition.SpringBootCondition {
    @Override
    public org.springframework.boot.autoconfigure.condition.ConditionOutcome getMatchOutcome(
        org.springframework.context.annotation.ConditionContext context,
        org.springframework.core.type.AnnotatedTypeMetadata metadata) {
      boolean set = org.springframework.boot.context.properties.bind.Binder.get(context.getEnvironment())
          .bind("lifeline.health.critical-features", org.springframework.boot.context.properties.bind.Bindable.setOf(String.class))
          .map(s -> !s.isEmpty()).orElse(false);
      return set ? org.springframework.boot.autoconfigure.condition.ConditionOutcome.match("critical features set")
          : org.springframework.boot.autoconfigure.condition.ConditionOutcome.noMatch("no lifeline.health.critical-features");
    }
  }
}
