package io.lifeline.redis;

import static io.lifeline.core.ConfigArbitraries.assertOnlyClearErrors;

import io.lifeline.core.ConfigArbitraries;
import io.lifeline.core.ConfigArbitraries.EnvCase;
import io.lifeline.core.RetryConfig;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;

/** Generated input over {@link RedisConfig#fromMap} and every builder method (issue 12, part 4). */
class RedisConfigPropertyTest {

  @Provide
  Arbitrary<EnvCase> env() {
    return ConfigArbitraries.envCases("REDIS_", secret -> {
      Map<String, Arbitrary<String>> m = new HashMap<>(ConfigArbitraries.retryValues());
      m.put("URL", ConfigArbitraries.urls(secret, "redis", "rediss"));
      m.put("PASSWORD", Arbitraries.of(secret, "", " "));
      m.put("NAME", ConfigArbitraries.hostileStrings());
      for (String k : List.of("COMMAND_TIMEOUT", "CONNECT_TIMEOUT", "DEFAULT_TTL", "HEALTH_CHECK_INTERVAL",
          "RECONNECT_MIN_DELAY", "RECONNECT_MAX_DELAY")) {
        m.put(k, ConfigArbitraries.durationTexts());
      }
      for (String k : List.of("MAX_CONNECTIONS", "REQUEST_QUEUE_SIZE", "FALLBACK_MAX_ENTRIES",
          "FALLBACK_MAX_BYTES", "MAX_TOUCHED_KEYS")) {
        m.put(k, ConfigArbitraries.numberTexts());
      }
      m.put("RECONCILIATION", Arbitraries.oneOf(Arbitraries.of("write-back", "INVALIDATE", "x"),
          ConfigArbitraries.hostileStrings()));
      m.put("OVERFLOW_POLICY", Arbitraries.oneOf(Arbitraries.of("fail", "flush_namespace"),
          ConfigArbitraries.hostileStrings()));
      m.put("NAMESPACE", ConfigArbitraries.hostileStrings());
      m.put("FEATURES", ConfigArbitraries.hostileStrings());
      return m;
    });
  }

  @Property(tries = 200)
  void fromMapThrowsOnlyClearErrorsNamingTheVariablesWithoutSecrets(@ForAll("env") EnvCase c) {
    assertOnlyClearErrors(() -> {
      RedisConfig config = RedisConfig.fromMap(c.env());
      config.redisUri(); // what is accepted, Lettuce accepts
      return config;
    }, Set.of(c.secret()), c.env().keySet());
  }

  @Provide
  Arbitrary<Tuple2<String, List<Consumer<RedisConfig.Builder>>>> calls() {
    return ConfigArbitraries.secrets().flatMap(secret -> Arbitraries.<Consumer<RedisConfig.Builder>>oneOf(
        ConfigArbitraries.urls(secret, "redis", "rediss").injectNull(0.05).map(v -> b -> b.url(v)),
        Arbitraries.of(secret, "", null).map(v -> b -> b.password(v)),
        ConfigArbitraries.hostileStrings().injectNull(0.1).map(v -> b -> b.name(v)),
        ConfigArbitraries.durations().map(v -> b -> b.commandTimeout(v)),
        ConfigArbitraries.durations().map(v -> b -> b.connectTimeout(v)),
        ConfigArbitraries.ints().map(v -> b -> b.maxConnections(v)),
        ConfigArbitraries.ints().map(v -> b -> b.requestQueueSize(v)),
        ConfigArbitraries.longs().map(v -> b -> b.fallbackMaxEntries(v)),
        ConfigArbitraries.longs().map(v -> b -> b.fallbackMaxBytes(v)),
        ConfigArbitraries.durations().map(v -> b -> b.defaultTtl(v)),
        ConfigArbitraries.durations().map(v -> b -> b.healthCheckInterval(v)),
        ConfigArbitraries.durations().flatMap(a -> ConfigArbitraries.durations()
            .map(z -> (Consumer<RedisConfig.Builder>) b -> b.reconnectDelay(a, z))),
        Arbitraries.of(ReconciliationPolicy.class).injectNull(0.3).map(v -> b -> b.reconciliation(v)),
        ConfigArbitraries.ints().map(v -> b -> b.maxTouchedKeys(v)),
        Arbitraries.of(OverflowPolicy.class).injectNull(0.3).map(v -> b -> b.overflowPolicy(v)),
        ConfigArbitraries.hostileStrings().injectNull(0.1).map(v -> b -> b.namespace(v)),
        ConfigArbitraries.hostileStrings().injectNull(0.2).map(v -> b -> b.features(v, "caching")),
        Arbitraries.just((Set<String>) null).map(v -> b -> b.features(v)),
        Arbitraries.of(RetryConfig.defaults()).injectNull(0.5).map(v -> b -> b.retryConfig(v)))
        .list().ofMaxSize(8).map(l -> Tuple.of(secret, l)));
  }

  @Property(tries = 200)
  void builderThrowsOnlyClearErrorsNamingTheMethodsWithoutSecrets(
      @ForAll("calls") Tuple2<String, List<Consumer<RedisConfig.Builder>>> c) {
    Set<String> methods = new HashSet<>(Set.of("url", "password", "name", "commandTimeout",
        "connectTimeout", "maxConnections", "requestQueueSize", "fallbackMaxEntries", "fallbackMaxBytes",
        "defaultTtl", "healthCheckInterval", "reconnectMinDelay", "reconnectMaxDelay", "reconciliation",
        "maxTouchedKeys", "overflowPolicy", "namespace", "features", "retryConfig"));
    assertOnlyClearErrors(() -> {
      RedisConfig.Builder b = RedisConfig.builder();
      c.get2().forEach(call -> call.accept(b));
      RedisConfig config = b.build();
      config.redisUri();
      return config;
    }, Set.of(c.get1()), methods);
  }
}
