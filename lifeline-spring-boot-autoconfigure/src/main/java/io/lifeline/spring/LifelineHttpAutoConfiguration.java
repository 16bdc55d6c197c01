package io.lifeline.spring;

import io.lifeline.core.RetryConfig;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.http.HttpServiceConfig;
import io.lifeline.http.HttpServiceConnectionManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** {@link LifelineHttpServices} from {@code lifeline.http.<name>.*} when lifeline-http is on the class path. */
@AutoConfiguration(after = LifelineAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "lifeline.enabled", matchIfMissing = true)
@ConditionalOnClass(HttpServiceConnectionManager.class)
public class LifelineHttpAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  public LifelineHttpServices lifelineHttpServices(LifelineProperties properties, RetryConfig retry,
      ConnectionHealthManager health, LifelineLifecycle lifecycle) {
    Map<String, HttpServiceConnectionManager> managers = new LinkedHashMap<>();
    try {
      properties.getHttp().forEach((name, s) -> {
        String prefix = "lifeline.http." + name;
        RetryConfig serviceRetry = s.getRetry().apply(retry, prefix + ".retry");
        HttpServiceConfig config = Problems.build(prefix, () -> {
          HttpServiceConfig.Builder b = HttpServiceConfig.builder(name).baseUrl(s.getBaseUrl()).retryConfig(serviceRetry);
          if (s.getBearerToken() != null) b.bearerToken(s.getBearerToken());
          if (s.getApiKey() != null) b.apiKey(s.getApiKey());
          if (s.getApiKeyHeader() != null) b.apiKeyHeader(s.getApiKeyHeader());
          if (s.getRequestTimeout() != null) b.requestTimeout(s.getRequestTimeout());
          if (s.getConnectTimeout() != null) b.connectTimeout(s.getConnectTimeout());
          if (s.getHealthPath() != null) b.healthPath(s.getHealthPath());
          return b.build();
        });
        HttpServiceConnectionManager m = new HttpServiceConnectionManager(config);
        managers.put(name, m);
        m.registerWith(health, s.getFeatures() == null ? Set.of(name) : s.getFeatures());
      });
    } catch (RuntimeException e) {
      managers.values().forEach(HttpServiceConnectionManager::close);
      throw e;
    }
    LifelineHttpServices services = new LifelineHttpServices(managers);
    lifecycle.closeOnStop(services);
    return services;
  }
}
