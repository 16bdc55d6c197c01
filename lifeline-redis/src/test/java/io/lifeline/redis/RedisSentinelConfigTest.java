package io.lifeline.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lettuce.core.RedisURI;
import io.lifeline.core.ConfigurationException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sentinel-mode settings: binding, Lettuce URI, and every rule reported at once under the user's key. */
class RedisSentinelConfigTest {

  @Test
  void bindsSentinelsMasterNameAndReadFromFromTheEnvironment() {
    RedisConfig c = RedisConfig.fromMap(Map.of(
        "REDIS_URL", "redis://:S3cretPw42@ignored:6379/3",
        "REDIS_SENTINELS", "s1:26379, s2 ,10.0.0.3:26380",
        "REDIS_MASTER_NAME", "orders",
        "REDIS_READ_FROM", "replica-preferred"));
    assertThat(c.isSentinel()).isTrue();
    assertThat(c.sentinels()).extracting(Object::toString).containsExactly("s1:26379", "s2:26379", "10.0.0.3:26380");
    assertThat(c.masterName()).isEqualTo("orders");
    assertThat(c.readFrom()).isEqualTo(ReadFromPolicy.REPLICA_PREFERRED);
    RedisURI uri = c.redisUri();
    assertThat(uri.getSentinelMasterId()).isEqualTo("orders");
    assertThat(uri.getSentinels()).hasSize(3);
    assertThat(uri.getDatabase()).isEqualTo(3);
    assertThat(new String(uri.getPassword())).isEqualTo("S3cretPw42");
    assertThat(c.toString()).contains("sentinels=[s1:26379, s2:26379, 10.0.0.3:26380]", "masterName=orders")
        .doesNotContain("S3cretPw42");
    assertThat(c.toBuilder().build()).isEqualTo(c);
  }

  @Test
  void singleNodeByDefault() {
    RedisConfig c = RedisConfig.builder().build();
    assertThat(c.isSentinel()).isFalse();
    assertThat(c.readFrom()).isEqualTo(ReadFromPolicy.MASTER);
    assertThat(c.masterName()).isNull();
  }

  @Test
  void everySentinelProblemIsReportedAtOnceUnderItsVariable() {
    Throwable t = catchThrowable(() -> RedisConfig.fromMap(Map.of(
        "REDIS_SENTINELS", "s1:26379,,bad host:1,s4:70000,s5:port,s1:26379",
        "REDIS_READ_FROM", "closest")));
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage()).contains(
        "REDIS_SENTINELS=\"\": must be host[:port]",
        "REDIS_SENTINELS=bad host:1: must be host[:port]",
        "REDIS_SENTINELS=s4:70000: must be host[:port] with port 1-65535",
        "REDIS_SENTINELS=s5:port: must be host[:port]",
        "REDIS_SENTINELS=s1:26379: lists the same Sentinel twice",
        "masterName=null: must be the non-blank name (no whitespace) the Sentinels monitor (REDIS_MASTER_NAME",
        "REDIS_READ_FROM=closest: must be one of [MASTER, REPLICA_PREFERRED, NEAREST]");
  }

  @Test
  void masterNameAndReplicaReadsNeedSentinels() {
    Throwable t = catchThrowable(() -> RedisConfig.builder().masterName("orders")
        .readFrom(ReadFromPolicy.NEAREST).build());
    assertThat(t).isInstanceOf(ConfigurationException.class);
    assertThat(t.getMessage()).contains(
        "masterName=orders: is only used with sentinels",
        "readFrom=NEAREST: replicas are found through Sentinels");
  }

  @Test
  void tooManySentinelsOrNullsAreClearErrors() {
    String many = String.join(",", java.util.stream.IntStream.range(0, 17).mapToObj(i -> "s" + i).toList());
    Throwable t = catchThrowable(() -> RedisConfig.builder().sentinels(many.split(",")).masterName("m").build());
    assertThat(t).hasMessageContaining("sentinels=17 entries: must list at most 16 Sentinels");
    Throwable n = catchThrowable(() -> RedisConfig.builder().sentinels((String[]) null).readFrom(null).build());
    assertThat(n.getMessage()).contains("sentinels=null: must be a list of host:port", "readFrom=null: must be one of");
  }
}
