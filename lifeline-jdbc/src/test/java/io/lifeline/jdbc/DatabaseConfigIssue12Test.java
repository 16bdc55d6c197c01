package io.lifeline.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lifeline.core.ConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 12, part 4: each defect found in DatabaseConfig, as an example that failed before the fix. */
class DatabaseConfigIssue12Test {

  private static DatabaseConfig.Builder valid() {
    return DatabaseConfig.builder().url("jdbc:postgresql://db:5432/app");
  }

  @Test
  void aHugeRecoveryProbeIntervalIsAClearErrorNotAnArithmeticException() {
    assertThatThrownBy(() -> DatabaseConfig.fromMap(Map.of(
        "DATABASE_URL", "jdbc:postgresql://db:5432/app",
        "DATABASE_RECOVERY_PROBE_INTERVAL", "PT100000000000000H")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("DATABASE_RECOVERY_PROBE_INTERVAL=PT100000000000000H: must be between 10ms and 5m");
  }

  @Test
  void aPoolTimeoutOfLongMinValueSecondsIsAClearError() {
    assertThatThrownBy(() -> valid().poolTimeout(Duration.ofSeconds(Long.MIN_VALUE)).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("poolTimeout=PT-2562047788015215H-30M-8S: must be between 250ms and 1h");
  }

  @Test
  void aPortAboveTheTcpRangeIsRejectedAtLoadNotMisreportedAsAMissingDriver() {
    assertThatThrownBy(() -> DatabaseConfig.fromMap(Map.of("DATABASE_URL", "jdbc:postgresql://db:70000/app")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("DATABASE_URL=jdbc:postgresql://db:70000/app: must have a port between 1 and 65535");
  }

  @Test
  void anInvalidHostWithAPasswordNeverShowsThePasswordInTheMessageOrAnyCause() {
    Throwable t = catchThrowable(() -> DatabaseConfig.fromMap(Map.of(
        "DATABASE_URL", "postgresql://app:S3cretPw42@bad host:5432/app")));
    assertThat(t).isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith("DATABASE_URL=postgresql://app:****@bad host:5432/app: must name a valid host")
        .hasMessageContaining("found a space");
    for (Throwable c = t; c != null; c = c.getCause()) {
      assertThat(String.valueOf(c.getMessage())).doesNotContain("S3cretPw42");
    }
  }

  @Test
  void malformedPercentEscapesInThePasswordAreAConfigurationErrorWithoutThePassword() {
    Throwable t = catchThrowable(() -> DatabaseConfig.fromMap(Map.of(
        "DATABASE_URL", "postgresql://app:S3cret%zz@db:5432/app")));
    assertThat(t).isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith("DATABASE_URL=postgresql://app:****@db:5432/app: must be a URI")
        .hasMessageEndingWith("(Malformed escape pair at index 23)");
    for (Throwable c = t; c != null; c = c.getCause()) {
      assertThat(String.valueOf(c.getMessage())).doesNotContain("S3cret");
    }
  }

  @Test
  void aNulInTheJournalPathIsAConfigurationError() {
    assertThatThrownBy(() -> DatabaseConfig.fromMap(Map.of(
        "DATABASE_URL", "jdbc:postgresql://db:5432/app",
        "DATABASE_DEGRADED_MODE", "journal",
        "DATABASE_JOURNAL_PATH", "/var/lib/app/j\u0000.log")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("DATABASE_JOURNAL_PATH=/var/lib/app/j\\u0000.log: must be a file path without NUL characters");
  }

  @Test
  void nullsGivenToTheBuilderAreConfigurationErrorsNamingTheMethod() {
    Throwable t = catchThrowable(() -> valid().retryConfig(null).degradedMode(null)
        .driverProperty("sslmode", null).build());
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage()).contains("retryConfig=null: must be set", "degradedMode=null: must be",
        "driverProperty sslmode=null: must not be null");
  }

  @Test
  void everyProblemIsReportedAtOnceUnderItsVariableAndAMissingUrlIsNamedAsTheVariable() {
    Throwable t = catchThrowable(() -> DatabaseConfig.fromMap(Map.of(
        "DATABASE_POOL_SIZE", "0",
        "DATABASE_POOL_TIMEOUT", "soon",
        "DATABASE_NAME", "orders")));
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage().lines().map(l -> l.substring(0, l.indexOf('='))))
        .containsExactlyInAnyOrder("DATABASE_URL", "DATABASE_POOL_SIZE", "DATABASE_POOL_TIMEOUT");
  }

  @Test
  void anUpperCaseSchemeIsAcceptedAndNormalized() {
    assertThat(DatabaseConfig.fromMap(Map.of("DATABASE_URL", "PostgreSQL://app:pw@db:5432/app")).url())
        .isEqualTo("jdbc:postgresql://db:5432/app");
    assertThat(DatabaseConfig.fromMap(Map.of("DATABASE_URL", "JDBC:postgresql://db:5432/app")).url())
        .isEqualTo("jdbc:postgresql://db:5432/app");
  }
}
