package io.lifeline.spring;

import io.lifeline.micrometer.LifelineMetrics;
import io.lifeline.micrometer.LifelineObservations;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Binds lifeline-micrometer to Boot's {@link MeterRegistry} (every Guard, manager, pool, fallback,
 * journal and the health manager, present and future: {@code /actuator/prometheus} has them) and to
 * Boot's {@link ObservationRegistry} (one Observation per guarded call and attempt: spans when
 * Micrometer Tracing is present).
 */
@AutoConfiguration(after = LifelineAutoConfiguration.class, afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
    "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"})
@ConditionalOnBooleanProperty(name = "lifeline.enabled", matchIfMissing = true)
@ConditionalOnClass({LifelineMetrics.class, MeterRegistry.class})
public class LifelineMetricsAutoConfiguration {

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  @ConditionalOnBean(MeterRegistry.class)
  public LifelineMetrics lifelineMetrics(MeterRegistry registry) {
    return LifelineMetrics.bindTo(registry);
  }

  /** Tracing: only when Micrometer's Observation API and Boot's registry are there. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(ObservationRegistry.class)
  static class Observations {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBean(ObservationRegistry.class)
    public LifelineObservations lifelineObservations(ObservationRegistry registry) {
      return LifelineObservations.bindTo(registry);
    }
  }
}
