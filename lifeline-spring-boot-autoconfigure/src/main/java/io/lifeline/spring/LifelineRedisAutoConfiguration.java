package io.lifeline.spring;

import io.lifeline.core.RetryConfig;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.redis.ReconciliationPolicy;
import io.lifeline.redis.RedisConfig;
import io.lifeline.redis.RedisConnectionManager;
import java.util.Locale;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * A {@link RedisConnectionManager} when lifeline-redis (and Lettuce) is on the class path and Redis
 * is configured, in {@code lifeline.redis.url} or in Boot's own {@code spring.data.redis.url} /
 * {@code spring.data.redis.host}. Unset connection values fall back to {@code spring.data.redis.*}.
 * Registered with the health manager under its name with its features; closed by {@link
 * LifelineLifecycle} after the web server's graceful shutdown.
 */
@AutoConfiguration(after = LifelineAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "lifeline.enabled", matchIfMissing = true)
@ConditionalOnClass({RedisConnectionManager.class, io.lettuce.core.RedisClient.class})
@ConditionalOnBooleanProperty(name = "lifeline.redis.enabled", matchIfMissing = true)
@Conditional(LifelineRedisAutoConfiguration.RedisConfigured.class)
public class LifelineRedisAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  public RedisConfig lifelineRedisConfig(LifelineProperties properties, RetryConfig retry, Environment env) {
    LifelineProperties.Redis r = properties.getRedis();
    String url = r.getUrl() != null ? r.getUrl() : bootUrl(env);
    String password = r.getPassword() != null ? r.getPassword() : env.getProperty("spring.data.redis.password");
    RetryConfig redisRetry = r.getRetry().apply(retry, "lifeline.redis.retry");
    ReconciliationPolicy reconciliation = null;
    if (r.getReconciliation() != null) {
      try {
        reconciliation = ReconciliationPolicy.valueOf(r.getReconciliation().trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw Problems.of("lifeline.redis.reconciliation", r.getReconciliation(), "must be INVALIDATE or WRITE_BACK");
      }
    }
    ReconciliationPolicy policy = reconciliation;
    String prefix = r.getUrl() != null ? "lifeline.redis" : "spring.data.redis";
    return Problems.build(prefix, () -> {
      RedisConfig.Builder b = RedisConfig.builder().url(url).retryConfig(redisRetry);
      if (password != null && !password.isEmpty()) b.password(password);
      if (r.getName() != null) b.name(r.getName());
      if (r.getFeatures() != null) b.features(r.getFeatures());
      if (r.getCommandTimeout() != null) b.commandTimeout(r.getCommandTimeout());
      if (r.getConnectTimeout() != null) b.connectTimeout(r.getConnectTimeout());
      if (r.getFallbackMaxEntries() != null) b.fallbackMaxEntries(r.getFallbackMaxEntries());
      if (policy != null) b.reconciliation(policy);
      return b.build();
    });
  }

  @Bean
  @ConditionalOnMissingBean
  public RedisConnectionManager lifelineRedisConnectionManager(RedisConfig config, ConnectionHealthManager health,
      LifelineLifecycle lifecycle) {
    RedisConnectionManager redis = RedisConnectionManager.create(config, health);
    lifecycle.closeOnStop(redis);
    return redis;
  }

  /** Boot's {@code spring.data.redis.*} as a URL (the password is passed apart, never in it). */
  static String bootUrl(Environment env) {
    String url = env.getProperty("spring.data.redis.url");
    if (url != null && !url.isBlank()) {
      return url;
    }
    boolean ssl = env.getProperty("spring.data.redis.ssl.enabled", Boolean.class, false);
    String host = env.getProperty("spring.data.redis.host", "localhost");
    String port = env.getProperty("spring.data.redis.port", "6379");
    String database = env.getProperty("spring.data.redis.database", "0");
    return (ssl ? "rediss://" : "redis://") + host + ":" + port + "/" + database;
  }

  /** Redis is configured here or in Boot's own properties. */
  static final class RedisConfigured extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
      Environment env = context.getEnvironment();
      for (String key : new String[] {"lifeline.redis.url", "spring.data.redis.url", "spring.data.redis.host"}) {
        if (env.containsProperty(key)) {
          return ConditionOutcome.match("Redis configured in " + key);
        }
      }
      return ConditionOutcome.noMatch("no lifeline.redis.url, spring.data.redis.url or spring.data.redis.host");
    }
  }
}
