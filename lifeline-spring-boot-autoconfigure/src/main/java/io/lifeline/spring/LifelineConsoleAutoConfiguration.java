package io.lifeline.spring;

import io.lifeline.console.ConsoleOptions;
import io.lifeline.console.LifelineConsole;
import io.lifeline.core.health.ConnectionHealthManager;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** The lifeline-console dashboard, only with {@code lifeline.console.enabled=true}. */
@AutoConfiguration(after = LifelineAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "lifeline.enabled", matchIfMissing = true)
@ConditionalOnClass(LifelineConsole.class)
@ConditionalOnBooleanProperty(name = "lifeline.console.enabled")
public class LifelineConsoleAutoConfiguration {

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public LifelineConsole lifelineConsole(ConnectionHealthManager health, LifelineProperties properties) {
    LifelineProperties.Console c = properties.getConsole();
    ConsoleOptions options = Problems.build("lifeline.console", () -> {
      ConsoleOptions.Builder b = ConsoleOptions.builder()
          .criticalFeatures(properties.getHealth().getCriticalFeatures());
      if (c.getBindAddress() != null) b.bindAddress(c.getBindAddress());
      if (c.getPort() != null) b.port(c.getPort());
      if (c.getToken() != null) b.token(c.getToken());
      return b.build();
    });
    return LifelineConsole.start(health, options);
  }
}
