package io.lifeline.spring;

import io.lifeline.core.RetryConfig;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.jdbc.DatabaseConfig;
import io.lifeline.jdbc.DatabaseConnectionManager;
import io.lifeline.jdbc.DegradedMode;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * A {@link DatabaseConnectionManager} that <b>wraps the application's {@link DataSource}</b>: its
 * connections are borrowed from the DataSource Boot (or the application) made, so no second set of
 * server connections is opened; the manager adds fail-fast detection, the breaker, SQLState
 * classification, health and, with {@code lifeline.database.degraded-mode=JOURNAL}, the durable
 * write journal replayed exactly once. Created when lifeline-jdbc is on the class path and there is
 * exactly one DataSource.
 */
@AutoConfiguration(after = LifelineAutoConfiguration.class,
    afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnBooleanProperty(name = "lifeline.enabled", matchIfMissing = true)
@ConditionalOnClass({DatabaseConnectionManager.class, DataSource.class})
@ConditionalOnBooleanProperty(name = "lifeline.database.enabled", matchIfMissing = true)
@ConditionalOnBean(DataSource.class)
public class LifelineDatabaseAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  public DatabaseConfig lifelineDatabaseConfig(LifelineProperties properties, RetryConfig retry, Environment env,
      DataSource dataSource) {
    LifelineProperties.Database d = properties.getDatabase();
    String url = d.getUrl() != null ? d.getUrl() : env.getProperty("spring.datasource.url");
    if (url == null) {
      url = urlOf(dataSource);
    }
    if (url == null) {
      throw Problems.of("lifeline.database.url", "(not set)",
          "must be set (the JDBC URL of the application's DataSource), or set spring.datasource.url");
    }
    DegradedMode mode = null;
    if (d.getDegradedMode() != null) {
      try {
        mode = DegradedMode.valueOf(d.getDegradedMode().trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw Problems.of("lifeline.database.degraded-mode", d.getDegradedMode(), "must be FAIL_FAST or JOURNAL");
      }
    }
    RetryConfig dbRetry = d.getRetry().apply(retry, "lifeline.database.retry");
    String jdbcUrl = url;
    DegradedMode degraded = mode;
    return Problems.build("lifeline.database", () -> {
      DatabaseConfig.Builder b = DatabaseConfig.builder().url(jdbcUrl).retryConfig(dbRetry);
      if (d.getName() != null) b.name(d.getName());
      if (degraded != null) b.degradedMode(degraded);
      if (d.getJournalPath() != null) b.journalPath(d.getJournalPath());
      if (d.getJournalMaxBytes() != null) b.journalMaxBytes(d.getJournalMaxBytes());
      if (d.getPoolSize() != null) b.poolSize(d.getPoolSize());
      if (d.getMaxOverflow() != null) b.maxOverflow(d.getMaxOverflow());
      if (d.getRecoveryProbeInterval() != null) b.recoveryProbeInterval(d.getRecoveryProbeInterval());
      if (d.getPoolTimeout() != null) b.poolTimeout(d.getPoolTimeout());
      return b.build();
    });
  }

  @Bean
  @ConditionalOnMissingBean
  public DatabaseConnectionManager lifelineDatabaseConnectionManager(DatabaseConfig config, DataSource dataSource,
      ConnectionHealthManager health, LifelineProperties properties, LifelineLifecycle lifecycle) {
    DatabaseConnectionManager db = Problems.build("lifeline.database",
        () -> DatabaseConnectionManager.create(config, dataSource));
    Set<String> features = properties.getDatabase().getFeatures();
    db.registerHealth(health, features == null ? Set.of(config.name()) : features);
    lifecycle.closeOnStop(db);
    return db;
  }

  /** The JDBC URL a pooled DataSource was configured with (HikariCP's getJdbcUrl, others' getUrl). */
  static String urlOf(DataSource ds) {
    for (String getter : new String[] {"getJdbcUrl", "getUrl"}) {
      try {
        Method m = ds.getClass().getMethod(getter);
        Object v = m.invoke(ds);
        if (v instanceof String s && !s.isBlank()) {
          return s;
        }
      } catch (ReflectiveOperationException | RuntimeException e) {
        // not this kind of DataSource
      }
    }
    return null;
  }
}
