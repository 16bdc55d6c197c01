package io.lifeline.jdbc;

import static io.lifeline.core.ConfigArbitraries.assertOnlyClearErrors;

import io.lifeline.core.ConfigArbitraries;
import io.lifeline.core.ConfigArbitraries.EnvCase;
import io.lifeline.core.RetryConfig;
import java.nio.file.Path;
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

/** Generated input over {@link DatabaseConfig#fromMap} and every builder method (issue 12, part 4). */
class DatabaseConfigPropertyTest {

  static Arbitrary<String> urls(String secret) {
    return Arbitraries.oneOf(
        ConfigArbitraries.urls(secret, "jdbc:postgresql", "postgresql", "postgres", "jdbc:mysql"),
        Arbitraries.of("jdbc:h2:mem:test", "JDBC:postgresql://db/app", "jdbc:postgresql://a:1,b:70000/x",
            "jdbc:postgresql://db/app?user=u&password=" + secret, "jdbc:sqlserver://db:1433;password=" + secret,
            "jdbc:oracle:thin:app/" + secret + "@db:1521/x"));
  }

  @Provide
  Arbitrary<EnvCase> env() {
    return ConfigArbitraries.envCases("DATABASE_", secret -> {
      Map<String, Arbitrary<String>> m = new HashMap<>(ConfigArbitraries.retryValues());
      m.put("URL", urls(secret));
      m.put("PASSWORD", Arbitraries.of(secret));
      m.put("USERNAME", ConfigArbitraries.hostileStrings());
      m.put("NAME", ConfigArbitraries.hostileStrings());
      for (String k : List.of("POOL_TIMEOUT", "POOL_RECYCLE", "IDLE_TIMEOUT", "VALIDATION_TIMEOUT",
          "CONNECT_TIMEOUT", "SOCKET_TIMEOUT", "LOGIN_TIMEOUT", "RECOVERY_PROBE_INTERVAL")) {
        m.put(k, ConfigArbitraries.durationTexts());
      }
      for (String k : List.of("POOL_SIZE", "MAX_OVERFLOW", "JOURNAL_MAX_BYTES", "ASYNC_MAX_PENDING")) {
        m.put(k, ConfigArbitraries.numberTexts());
      }
      m.put("DEGRADED_MODE", Arbitraries.oneOf(Arbitraries.of("journal", "FAIL_FAST"),
          ConfigArbitraries.hostileStrings()));
      m.put("JOURNAL_PATH", Arbitraries.oneOf(Arbitraries.of("target/j.log", "/tmp/j\u0000.log"),
          ConfigArbitraries.hostileStrings()));
      return m;
    });
  }

  @Property(tries = 200)
  void fromMapThrowsOnlyClearErrorsNamingTheVariablesWithoutSecrets(@ForAll("env") EnvCase c) {
    Set<String> keys = new HashSet<>(c.env().keySet());
    keys.add("DATABASE_URL"); // named when missing
    keys.add("DATABASE_JOURNAL_PATH");
    assertOnlyClearErrors(() -> DatabaseConfig.fromMap(c.env()), Set.of(c.secret()), keys);
  }

  @Provide
  Arbitrary<Tuple2<String, List<Consumer<DatabaseConfig.Builder>>>> calls() {
    return ConfigArbitraries.secrets().flatMap(secret -> Arbitraries.<Consumer<DatabaseConfig.Builder>>oneOf(
        urls(secret).injectNull(0.05).map(v -> b -> b.url(v)),
        Arbitraries.of(secret).injectNull(0.3).map(v -> b -> b.password(v)),
        ConfigArbitraries.hostileStrings().injectNull(0.1).map(v -> b -> b.username(v)),
        ConfigArbitraries.hostileStrings().injectNull(0.1).map(v -> b -> b.name(v)),
        ConfigArbitraries.ints().map(v -> b -> b.poolSize(v)),
        ConfigArbitraries.ints().map(v -> b -> b.maxOverflow(v)),
        ConfigArbitraries.durations().map(v -> b -> b.poolTimeout(v)),
        ConfigArbitraries.durations().map(v -> b -> b.poolRecycle(v)),
        ConfigArbitraries.durations().map(v -> b -> b.idleTimeout(v)),
        ConfigArbitraries.durations().map(v -> b -> b.validationTimeout(v)),
        ConfigArbitraries.durations().map(v -> b -> b.connectTimeout(v)),
        ConfigArbitraries.durations().map(v -> b -> b.socketTimeout(v)),
        ConfigArbitraries.durations().map(v -> b -> b.loginTimeout(v)),
        ConfigArbitraries.durations().map(v -> b -> b.recoveryProbeInterval(v)),
        Arbitraries.of(RetryConfig.defaults()).injectNull(0.5).map(v -> b -> b.retryConfig(v)),
        Arbitraries.of(DegradedMode.class).injectNull(0.3).map(v -> b -> b.degradedMode(v)),
        Arbitraries.of(Path.of("target/j.log")).injectNull(0.5).map(v -> b -> b.journalPath(v)),
        ConfigArbitraries.longs().map(v -> b -> b.journalMaxBytes(v)),
        ConfigArbitraries.ints().map(v -> b -> b.asyncMaxPending(v)),
        Arbitraries.of(secret).injectNull(0.3)
            .map(v -> (Consumer<DatabaseConfig.Builder>) b -> b.driverProperty("password", v)),
        Arbitraries.of("require").injectNull(0.3).map(v -> b -> b.driverProperty("sslmode", v)),
        Arbitraries.just((Consumer<DatabaseConfig.Builder>) b -> b.driverProperty(null, "x")))
        .list().ofMaxSize(8).map(l -> Tuple.of(secret, l)));
  }

  @Property(tries = 200)
  void builderThrowsOnlyClearErrorsNamingTheMethodsWithoutSecrets(
      @ForAll("calls") Tuple2<String, List<Consumer<DatabaseConfig.Builder>>> c) {
    Set<String> methods = Set.of("url", "password", "username", "name", "poolSize", "maxOverflow",
        "poolTimeout", "poolRecycle", "idleTimeout", "validationTimeout", "connectTimeout", "socketTimeout",
        "loginTimeout", "recoveryProbeInterval", "retryConfig", "degradedMode", "journalPath",
        "journalMaxBytes", "asyncMaxPending", "driverProperty (key)", "driverProperty password",
        "driverProperty sslmode");
    assertOnlyClearErrors(() -> {
      DatabaseConfig.Builder b = DatabaseConfig.builder().url("jdbc:postgresql://db:5432/app");
      c.get2().forEach(call -> call.accept(b));
      return b.build();
    }, Set.of(c.get1()), methods);
  }
}
