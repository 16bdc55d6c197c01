package io.lifeline.spring;

import io.lifeline.core.RetryConfig;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.neo4j.Neo4jConfig;
import io.lifeline.neo4j.Neo4jConnectionManager;
import java.util.Set;
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
 * A {@link Neo4jConnectionManager} when lifeline-neo4j (and the Neo4j driver) is on the class path
 * and Neo4j is configured in {@code lifeline.neo4j.uri} or Boot's {@code spring.neo4j.uri}; unset
 * values fall back to {@code spring.neo4j.*}. The driver opens no connection until the first call.
 */
@AutoConfiguration(after = LifelineAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "lifeline.enabled", matchIfMissing = true)
@ConditionalOnClass({Neo4jConnectionManager.class, org.neo4j.driver.Driver.class})
@ConditionalOnBooleanProperty(name = "lifeline.neo4j.enabled", matchIfMissing = true)
@Conditional(LifelineNeo4jAutoConfiguration.Neo4jConfigured.class)
public class LifelineNeo4jAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  public Neo4jConfig lifelineNeo4jConfig(LifelineProperties properties, RetryConfig retry, Environment env) {
    LifelineProperties.Neo4j n = properties.getNeo4j();
    String uri = n.getUri() != null ? n.getUri() : env.getProperty("spring.neo4j.uri");
    String user = n.getUsername() != null ? n.getUsername() : env.getProperty("spring.neo4j.authentication.username");
    String password = n.getPassword() != null ? n.getPassword() : env.getProperty("spring.neo4j.authentication.password");
    RetryConfig neo4jRetry = n.getRetry().apply(retry, "lifeline.neo4j.retry");
    String prefix = n.getUri() != null ? "lifeline.neo4j" : "spring.neo4j";
    return Problems.build(prefix, () -> {
      Neo4jConfig.Builder b = Neo4jConfig.builder().uri(uri).retry(neo4jRetry);
      if (user != null) b.user(user);
      if (password != null) b.password(password);
      if (n.getName() != null) b.name(n.getName());
      if (n.getDatabase() != null) b.database(n.getDatabase());
      if (n.getConnectionTimeout() != null) b.connectionTimeout(n.getConnectionTimeout());
      if (n.getQueryTimeout() != null) b.queryTimeout(n.getQueryTimeout());
      return b.build();
    });
  }

  @Bean
  @ConditionalOnMissingBean
  public Neo4jConnectionManager lifelineNeo4jConnectionManager(Neo4jConfig config, ConnectionHealthManager health,
      LifelineProperties properties, LifelineLifecycle lifecycle) {
    Neo4jConnectionManager neo4j = new Neo4jConnectionManager(config);
    Set<String> features = properties.getNeo4j().getFeatures();
    neo4j.registerWith(health, features == null ? Set.of("graph") : features);
    lifecycle.closeOnStop(neo4j);
    return neo4j;
  }

  /** Neo4j is configured here or in Boot's own properties. */
  static final class Neo4jConfigured extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
      Environment env = context.getEnvironment();
      for (String key : new String[] {"lifeline.neo4j.uri", "spring.neo4j.uri"}) {
        if (env.containsProperty(key)) {
          return ConditionOutcome.match("Neo4j configured in " + key);
        }
      }
      return ConditionOutcome.noMatch("no lifeline.neo4j.uri or spring.neo4j.uri");
    }
  }
}
