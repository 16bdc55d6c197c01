package io.lifeline.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lifeline.core.ConfigurationException;
import io.lifeline.jdbc.internal.InstanceProbe;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Multi-host settings: binding, per-host URLs, every problem at once under the user's key, the lag rule. */
class ReplicaSetConfigTest {

  @Test
  void bindsAMultiHostUrlAndTheLagSettingsFromTheEnvironment() {
    ReplicaSetConfig c = ReplicaSetConfig.fromMap(Map.of(
        "DATABASE_URL", "jdbc:postgresql://pg-a:5433,pg-b,10.0.0.3:6000/app?sslmode=disable",
        "DATABASE_PASSWORD", "S3cretPw42",
        "DATABASE_MAX_REPLICATION_LAG", "2s",
        "DATABASE_LAG_CHECK_INTERVAL", "250ms"));
    assertThat(c.hosts()).extracting(Object::toString).containsExactly("pg-a:5433", "pg-b:5432", "10.0.0.3:6000");
    assertThat(c.maxReplicationLag()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.lagCheckInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.urlOf(c.hosts().get(1))).isEqualTo("jdbc:postgresql://pg-b:5432/app?sslmode=disable");
    assertThat(c.toString()).doesNotContain("S3cretPw42");
  }

  @Test
  void everyProblemIsReportedAtOnceUnderItsVariable() {
    Throwable t = catchThrowable(() -> ReplicaSetConfig.fromMap(Map.of(
        "DATABASE_URL", "jdbc:postgresql://u:S3cretPw42@pg-a:5432,pg-a:5432/app?targetServerType=secondary",
        "DATABASE_POOL_SIZE", "0",
        "DATABASE_MAX_REPLICATION_LAG", "0s",
        "DATABASE_LAG_CHECK_INTERVAL", "2h")));
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage()).contains(
        "DATABASE_POOL_SIZE=0",
        "DATABASE_URL=jdbc:postgresql://u:****@pg-a:5432,pg-a:5432/app?targetServerType=secondary: names the same host:port twice",
        "must not set targetservertype",
        "DATABASE_MAX_REPLICATION_LAG=0ms: must be between 10ms and 1h",
        "DATABASE_LAG_CHECK_INTERVAL=2h: must be between 50ms and 1m")
        .doesNotContain("S3cretPw42");
  }

  @Test
  void oneHostOrAnotherDatabaseIsNotAReplicaSet() {
    Throwable one = catchThrowable(() -> ReplicaSetConfig.fromMap(Map.of("DATABASE_URL", "jdbc:postgresql://pg-a/app")));
    assertThat(one).hasMessageContaining("DATABASE_URL=jdbc:postgresql://pg-a/app: must name at least two hosts");
    Throwable other = catchThrowable(() -> ReplicaSetConfig.builder()
        .database(DatabaseConfig.builder().url("jdbc:h2:mem:x").build()).build());
    assertThat(other).hasMessageContaining("database.url=jdbc:h2:mem:x: must be a PostgreSQL multi-host URL");
    Throwable none = catchThrowable(() -> ReplicaSetConfig.builder().build());
    assertThat(none).hasMessageContaining("database=null: must be set");
  }

  @Test
  void lagIsZeroWhenAllReceivedWalIsReplayedAndGrowsWhileCutOff() {
    long ms = 1_000_000L;
    assertThat(InstanceProbe.effectiveLagNanos(0, true, 0, 5_000 * ms)).isZero();
    assertThat(InstanceProbe.effectiveLagNanos(1_200, true, 0, 5_000 * ms)).isEqualTo(1_200 * ms);
    // cut off from its primary 3 s ago, had replayed everything: 3 s behind at least
    assertThat(InstanceProbe.effectiveLagNanos(0, false, 2_000 * ms, 5_000 * ms)).isEqualTo(3_000 * ms);
    assertThat(InstanceProbe.effectiveLagNanos(4_000, false, 2_000 * ms, 5_000 * ms)).isEqualTo(4_000 * ms);
  }
}
