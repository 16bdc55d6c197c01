package io.lifeline.redis;

import static io.lifeline.redis.RedisTestSupport.awaitFallback;
import static io.lifeline.redis.RedisTestSupport.awaitOnline;
import static io.lifeline.redis.RedisTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeline.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every write-type operation made during an outage marks its key for reconciliation, whatever the
 * fallback answered (it starts empty, so EXPIRE, DEL and HDEL of a pre-outage key answer "no such
 * key"). Each write op x policy x sync/async against a real Redis that is stopped and restarted
 * (append-only file, so the pre-outage values really come back with it).
 */
class OutageWriteTrackingTest {

  enum Mode { SYNC, ASYNC }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (ReconciliationPolicy p : ReconciliationPolicy.values()) {
      for (Mode m : Mode.values()) {
        out.add(Arguments.of(p, m));
      }
    }
    return out.stream();
  }

  /** The same write through the sync API or the async one (joined). */
  record Writes(RedisConnectionManager m, Mode mode) {
    <T> T join(CompletableFuture<T> f) throws Exception {
      return f.get(10, TimeUnit.SECONDS);
    }

    boolean expire(String k, Duration ttl) throws Exception {
      return mode == Mode.SYNC ? m.expire(k, ttl) : join(m.async().expire(k, ttl));
    }

    boolean delete(String k) throws Exception {
      return mode == Mode.SYNC ? m.delete(k) : join(m.async().delete(k));
    }

    long hdel(String k, String f) throws Exception {
      return mode == Mode.SYNC ? m.hdel(k, f) : join(m.async().hdel(k, f));
    }

    boolean hset(String k, String f, String v) throws Exception {
      return mode == Mode.SYNC ? m.hset(k, f, v) : join(m.async().hset(k, f, v));
    }

    void set(String k, String v) throws Exception {
      if (mode == Mode.SYNC) {
        m.set(k, v);
      } else {
        join(m.async().set(k, v));
      }
    }

    void setPx(String k, String v, Duration ttl) throws Exception {
      if (mode == Mode.SYNC) {
        m.set(k, v, ttl);
      } else {
        join(m.async().set(k, v, ttl));
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void everyWriteDuringTheOutageIsReconciled(ReconciliationPolicy policy, Mode mode) throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.builder().persistent().build().start();
        RedisConnectionManager m = RedisConnectionManager.create(config(redis.url()).reconciliation(policy).build())) {
      for (String k : List.of("exp0", "exp300", "del", "set", "px", "keep")) {
        m.set(k, "old");
      }
      m.hset("hdel", "f", "old");
      m.hset("hdel", "g", "old");
      m.hset("hset", "f", "old");
      m.hset("hset", "g", "old");
      redis.stop();
      awaitFallback(m);
      Writes w = new Writes(m, mode);
      SoftAssertions during = new SoftAssertions();
      // the fallback starts empty: these answer "no such key", and must still be tracked
      during.assertThat(w.expire("exp0", Duration.ZERO)).as("EXPIRE 0").isFalse();
      during.assertThat(w.expire("exp300", Duration.ofMillis(300))).as("PEXPIRE 300").isFalse();
      during.assertThat(w.delete("del")).as("DEL").isFalse();
      during.assertThat(w.hdel("hdel", "f")).as("HDEL").isZero();
      during.assertThat(w.hset("hset", "f", "new")).as("HSET").isTrue();
      w.set("set", "new");
      w.setPx("px", "new", Duration.ofSeconds(100));
      during.assertThat(m.metrics().touchedKeys()).as("every written key tracked").isEqualTo(7);
      redis.start();
      awaitOnline(m);

      SoftAssertions after = during;
      boolean writeBack = policy == ReconciliationPolicy.WRITE_BACK;
      after.assertThat(m.get("exp0")).as("EXPIRE 0 deleted the key").isNull();
      after.assertThat(m.get("exp300")).as("PEXPIRE 300: no pre-outage value after recovery").isNull();
      after.assertThat(m.get("del")).as("DEL").isNull();
      after.assertThat(m.hget("hdel", "f")).as("HDEL").isNull();
      // WRITE_BACK cannot write back what the fallback never held: the key is deleted (documented)
      after.assertThat(m.hgetAll("hdel")).as("HDEL of an unknown hash deletes it").isEqualTo(Map.of());
      after.assertThat(m.hgetAll("hset")).as("HSET")
          .isEqualTo(writeBack ? Map.of("f", "new") : Map.of());
      after.assertThat(m.get("set")).as("SET").isEqualTo(writeBack ? "new" : null);
      after.assertThat(m.get("px")).as("SET PX").isEqualTo(writeBack ? "new" : null);
      after.assertThat(m.get("keep")).as("untouched key survives").isEqualTo("old");
      after.assertThat(m.metrics().touchedKeys()).isZero();
      after.assertAll();
      // "for ever": still no pre-outage value once the 300 ms would have passed
      await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
          .until(() -> m.get("exp300") == null && m.get("exp0") == null);
    }
  }
}
