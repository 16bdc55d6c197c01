package io.lifeline.neo4j;

import static io.lifeline.core.ConfigArbitraries.assertOnlyClearErrors;
import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.core.ConfigArbitraries;
import io.lifeline.core.ConfigArbitraries.EnvCase;
import io.lifeline.core.RetryConfig;
import java.util.HashMap;
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

/** Generated input over {@link Neo4jConfig#fromMap} and every builder method (issue 12, part 4). */
class Neo4jConfigPropertyTest {

  static final String[] SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"};

  @Provide
  Arbitrary<EnvCase> env() {
    return ConfigArbitraries.envCases("NEO4J_", secret -> {
      Map<String, Arbitrary<String>> m = new HashMap<>(ConfigArbitraries.retryValues());
      m.put("URI", ConfigArbitraries.urls(secret, SCHEMES));
      m.put("PASSWORD", Arbitraries.of(secret));
      m.put("USER", ConfigArbitraries.hostileStrings());
      m.put("DATABASE", ConfigArbitraries.hostileStrings());
      for (String k : List.of("MAX_CONNECTION_LIFETIME", "CONNECTION_ACQUISITION_TIMEOUT",
          "CONNECTION_TIMEOUT", "LIVENESS_CHECK_TIMEOUT", "QUERY_TIMEOUT")) {
        m.put(k, ConfigArbitraries.durationTexts());
      }
      m.put("MAX_CONNECTION_POOL_SIZE", ConfigArbitraries.numberTexts());
      return m;
    });
  }

  @Property(tries = 300)
  void fromMapThrowsOnlyClearErrorsNamingTheVariablesWithoutSecrets(@ForAll("env") EnvCase c) {
    assertOnlyClearErrors(() -> accepted(Neo4jConfig.fromMap(c.env())), Set.of(c.secret()), c.env().keySet());
  }

  /** What is accepted is what the driver accepts: a lower-case scheme and a port in range. */
  private static Neo4jConfig accepted(Neo4jConfig c) {
    java.net.URI uri = java.net.URI.create(c.uri());
    assertThat(Neo4jConfig.SCHEMES).contains(uri.getScheme());
    assertThat(uri.getPort()).isBetween(-1, 65_535);
    return c;
  }

  @Provide
  Arbitrary<Tuple2<String, List<Consumer<Neo4jConfig.Builder>>>> calls() {
    return ConfigArbitraries.secrets().flatMap(secret -> Arbitraries.<Consumer<Neo4jConfig.Builder>>oneOf(
        ConfigArbitraries.urls(secret, SCHEMES).injectNull(0.05).map(v -> b -> b.uri(v)),
        Arbitraries.of(secret).injectNull(0.3).map(v -> b -> b.password(v)),
        ConfigArbitraries.hostileStrings().injectNull(0.1).map(v -> b -> b.user(v)),
        ConfigArbitraries.hostileStrings().injectNull(0.1).map(v -> b -> b.name(v)),
        ConfigArbitraries.hostileStrings().injectNull(0.1).map(v -> b -> b.database(v)),
        ConfigArbitraries.durations().map(v -> b -> b.maxConnectionLifetime(v)),
        ConfigArbitraries.ints().map(v -> b -> b.maxConnectionPoolSize(v)),
        ConfigArbitraries.durations().map(v -> b -> b.connectionAcquisitionTimeout(v)),
        ConfigArbitraries.durations().map(v -> b -> b.connectionTimeout(v)),
        ConfigArbitraries.durations().map(v -> b -> b.livenessCheckTimeout(v)),
        ConfigArbitraries.durations().map(v -> b -> b.queryTimeout(v)),
        Arbitraries.of(RetryConfig.defaults()).injectNull(0.5).map(v -> b -> b.retry(v)))
        .list().ofMaxSize(8).map(l -> Tuple.of(secret, l)));
  }

  @Property(tries = 300)
  void builderThrowsOnlyClearErrorsNamingTheMethodsWithoutSecrets(
      @ForAll("calls") Tuple2<String, List<Consumer<Neo4jConfig.Builder>>> c) {
    Set<String> methods = Set.of("uri", "password", "user", "name", "database", "maxConnectionLifetime",
        "maxConnectionPoolSize", "connectionAcquisitionTimeout", "connectionTimeout",
        "livenessCheckTimeout", "queryTimeout", "retry");
    assertOnlyClearErrors(() -> {
      Neo4jConfig.Builder b = Neo4jConfig.builder();
      c.get2().forEach(call -> call.accept(b));
      return accepted(b.build());
    }, Set.of(c.get1()), methods);
  }
}
