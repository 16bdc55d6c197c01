package io.lifeline.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeline.core.ConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DatabaseConfigTest {

  @Test
  void defaultsFollowTheSeedAndMapOntoHikari() {
    DatabaseConfig c = DatabaseConfig.builder().url("jdbc:postgresql://db:5432/app").build();
    assertThat(c.poolSize()).isEqualTo(10);
    assertThat(c.maxOverflow()).isEqualTo(10);
    assertThat(c.maxPoolSize()).isEqualTo(20);
    assertThat(c.poolTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.degradedMode()).isEqualTo(DegradedMode.FAIL_FAST);
    assertThat(c.retryConfig().maxRetries()).isEqualTo(5);
  }

  @Test
  void readsDatabaseEnvNames() {
    DatabaseConfig c = DatabaseConfig.fromMap(Map.of(
        "DATABASE_URL", "jdbc:postgresql://db:5432/app",
        "DATABASE_USERNAME", "app",
        "DATABASE_PASSWORD", "pw",
        "DATABASE_POOL_SIZE", "3",
        "DATABASE_MAX_OVERFLOW", "2",
        "DATABASE_POOL_TIMEOUT", "2.5",
        "DATABASE_SOCKET_TIMEOUT", "7s",
        "DATABASE_MAX_RETRIES", "2",
        "DATABASE_DEGRADED_MODE", "journal",
        "DATABASE_JOURNAL_PATH", "target/j.log"));
    assertThat(c.username()).isEqualTo("app");
    assertThat(c.poolSize()).isEqualTo(3);
    assertThat(c.maxPoolSize()).isEqualTo(5);
    assertThat(c.poolTimeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(c.socketTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(c.retryConfig().maxRetries()).isEqualTo(2);
    assertThat(c.degradedMode()).isEqualTo(DegradedMode.JOURNAL);
  }

  @Test
  void invalidEnvValueNamesTheVariableTheValueAndWhatIsAllowed() {
    assertThatThrownBy(() -> DatabaseConfig.fromMap(Map.of("DATABASE_URL", "jdbc:postgresql://db/app",
        "DATABASE_POOL_SIZE", "0")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("DATABASE_POOL_SIZE=0").hasMessageContaining("between 1 and 10000");
    assertThatThrownBy(() -> DatabaseConfig.fromMap(Map.of("DATABASE_URL", "jdbc:postgresql://db/app",
        "DATABASE_SOCKET_TIMEOUT", "soon")))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("DATABASE_SOCKET_TIMEOUT=soon");
    assertThatThrownBy(() -> DatabaseConfig.fromMap(Map.of("DATABASE_URL", "jdbc:postgresql://db/app",
        "DATABASE_DEGRADED_MODE", "mock")))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("FAIL_FAST or JOURNAL");
    assertThatThrownBy(() -> DatabaseConfig.fromMap(Map.of()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("DATABASE_URL");
    assertThatThrownBy(() -> DatabaseConfig.fromMap(Map.of("DATABASE_URL", "mysql-host:3306")))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("DATABASE_URL=mysql-host:3306");
  }

  @Test
  void builderErrorsNameTheBuilderKey() {
    assertThatThrownBy(() -> DatabaseConfig.builder().url("jdbc:x:y").maxOverflow(-1).build())
        .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("maxOverflow=-1");
    assertThatThrownBy(() -> DatabaseConfig.builder().url("jdbc:x:y").socketTimeout(Duration.ZERO).build())
        .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("socketTimeout=0ms: must be between 1s and 1d");
    assertThatThrownBy(() -> DatabaseConfig.builder().url("jdbc:x:y").poolTimeout(Duration.ofMillis(10)).build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("250ms");
    assertThatThrownBy(() -> DatabaseConfig.builder().url("jdbc:x:y").degradedMode(DegradedMode.JOURNAL).build())
        .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("journalPath");
    assertThatThrownBy(() -> DatabaseConfig.builder().url("jdbc:x:y").journalMaxBytes(10).build())
        .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("journalMaxBytes=10");
  }

  @Test
  void seedStyleUrlIsConvertedAndItsPasswordNeverShown() {
    DatabaseConfig c = DatabaseConfig.fromMap(Map.of("DATABASE_URL", "postgresql://app:s3cr%40t@db.local:5433/orders"));
    assertThat(c.url()).isEqualTo("jdbc:postgresql://db.local:5433/orders");
    assertThat(c.username()).isEqualTo("app");
    assertThat(c.password()).isEqualTo("s3cr@t");
    assertThat(c.toString()).doesNotContain("s3cr").contains("password=****");
  }

  @Test
  void toStringMasksPasswordAndSecretDriverPropertiesAndUrlCredentials() {
    DatabaseConfig c = DatabaseConfig.builder().url("jdbc:postgresql://db/app?password=inurl")
        .password("hunter2").driverProperty("sslpassword", "keypw").build();
    assertThat(c.toString()).doesNotContain("hunter2").doesNotContain("keypw").doesNotContain("inurl");
  }

  @Test
  void driverTimeoutsArePassedToPostgres() {
    DatabaseConfig c = DatabaseConfig.builder().url("jdbc:postgresql://db/app").connectTimeout(Duration.ofSeconds(3))
        .socketTimeout(Duration.ofMillis(1500)).loginTimeout(Duration.ofSeconds(4)).build();
    var p = DatabaseConnectionManager.driverProperties(c);
    assertThat(p.getProperty("connectTimeout")).isEqualTo("3");
    assertThat(p.getProperty("socketTimeout")).isEqualTo("2");
    assertThat(p.getProperty("loginTimeout")).isEqualTo("4");
  }
}
