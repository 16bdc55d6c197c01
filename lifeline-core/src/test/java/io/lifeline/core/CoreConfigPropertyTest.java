package io.lifeline.core;

import static io.lifeline.core.ConfigArbitraries.assertOnlyClearErrors;

import io.lifeline.core.health.ConnectionHealthManager;
import java.time.Clock;
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

/**
 * Generated input over every entry point of the core configs ({@link RetryConfig}'s builder and
 * map loader, the health manager's builder): only {@link ConfigurationException} comes out, naming
 * keys the user wrote, and never a secret.
 */
class CoreConfigPropertyTest {

  static final List<String> RETRY_ENV_KEYS = List.of("MAX_RETRIES", "BASE_DELAY", "RETRY_DELAY",
      "MAX_DELAY", "EXPONENTIAL_BASE", "RETRY_BACKOFF", "JITTER", "CIRCUIT_BREAKER_THRESHOLD",
      "CIRCUIT_BREAKER_TIMEOUT", "CIRCUIT_BREAKER_HALF_OPEN_PROBES", "RETRY_BUDGET_RATIO",
      "RETRY_BUDGET_MIN_PER_SECOND", "RETRY_BUDGET_WINDOW");

  static final Set<String> RETRY_METHODS = Set.of("maxRetries", "baseDelay", "maxDelay",
      "exponentialBase", "jitter", "circuitBreakerThreshold", "circuitBreakerTimeout",
      "halfOpenProbes", "retryBudgetRatio", "retryBudgetMinPerSecond", "retryBudgetWindow");

  @Provide
  Arbitrary<Map<String, String>> retryEnv() {
    Arbitrary<String> value = Arbitraries.oneOf(ConfigArbitraries.durationTexts(),
        ConfigArbitraries.numberTexts(), ConfigArbitraries.hostileStrings());
    return Arbitraries.maps(Arbitraries.of(RETRY_ENV_KEYS).map(k -> "APP_" + k), value).ofMaxSize(6);
  }

  @Property(tries = 400)
  void retryConfigFromMapThrowsOnlyClearErrorsNamingTheVariables(@ForAll("retryEnv") Map<String, String> env) {
    assertOnlyClearErrors(() -> RetryConfig.fromMap(env, "APP_"), Set.of(), env.keySet());
  }

  @Provide
  Arbitrary<List<Consumer<RetryConfig.Builder>>> retryCalls() {
    Arbitrary<Consumer<RetryConfig.Builder>> call = Arbitraries.oneOf(
        ConfigArbitraries.ints().map(v -> b -> b.maxRetries(v)),
        ConfigArbitraries.durations().map(v -> b -> b.baseDelay(v)),
        ConfigArbitraries.durations().map(v -> b -> b.maxDelay(v)),
        ConfigArbitraries.doubles().map(v -> b -> b.exponentialBase(v)),
        ConfigArbitraries.ints().map(v -> b -> b.circuitBreakerThreshold(v)),
        ConfigArbitraries.durations().map(v -> b -> b.circuitBreakerTimeout(v)),
        ConfigArbitraries.ints().map(v -> b -> b.halfOpenProbes(v)),
        ConfigArbitraries.doubles().map(v -> b -> b.retryBudgetRatio(v)),
        ConfigArbitraries.ints().map(v -> b -> b.retryBudgetMinPerSecond(v)),
        ConfigArbitraries.durations().map(v -> b -> b.retryBudgetWindow(v)));
    return call.list().ofMaxSize(8);
  }

  @Property(tries = 400)
  void retryConfigBuilderThrowsOnlyClearErrorsNamingTheMethods(
      @ForAll("retryCalls") List<Consumer<RetryConfig.Builder>> calls) {
    assertOnlyClearErrors(() -> {
      RetryConfig.Builder b = RetryConfig.builder();
      calls.forEach(c -> c.accept(b));
      RetryConfig built = b.build();
      // what the builder accepts, the record accepts and Backoff/RetryBudget can use
      Backoff.of(built).ceilingNanos(built.maxRetries() + 1);
      RetryBudget.of(built);
      return built;
    }, Set.of(), RETRY_METHODS);
  }

  @Provide
  Arbitrary<List<Consumer<ConnectionHealthManager.Builder>>> healthCalls() {
    Arbitrary<Consumer<ConnectionHealthManager.Builder>> call = Arbitraries.oneOf(
        ConfigArbitraries.durations().map(v -> b -> b.checkInterval(v)),
        ConfigArbitraries.durations().map(v -> b -> b.checkTimeout(v)),
        ConfigArbitraries.durations().map(v -> b -> b.latencyThreshold(v)),
        ConfigArbitraries.durations().map(v -> b -> b.logSummaryInterval(v)),
        ConfigArbitraries.ints().map(v -> b -> b.unavailableThreshold(v)),
        ConfigArbitraries.ints().map(v -> b -> b.recoveryThreshold(v)),
        ConfigArbitraries.ints().map(v -> b -> b.maxConcurrentChecks(v)),
        Arbitraries.of(RetryConfig.defaults(), null).map(v -> b -> b.retryConfig(v)),
        Arbitraries.of(Ticker.system(), null).map(v -> b -> b.ticker(v)),
        Arbitraries.of(Clock.systemUTC(), null).map(v -> b -> b.clock(v)),
        Arbitraries.of("caching", null).map(v -> b -> b.featureRule(v, null)));
    return call.list().ofMaxSize(8);
  }

  @Property(tries = 300)
  void healthBuilderThrowsOnlyClearErrorsNamingTheMethods(
      @ForAll("healthCalls") List<Consumer<ConnectionHealthManager.Builder>> calls) {
    Set<String> methods = Set.of("checkInterval", "checkTimeout", "latencyThreshold",
        "logSummaryInterval", "unavailableThreshold", "recoveryThreshold", "maxConcurrentChecks",
        "retryConfig", "ticker", "clock", "featureRule (feature)", "featureRule caching (rule)");
    assertOnlyClearErrors(() -> {
      ConnectionHealthManager.Builder b = ConnectionHealthManager.builder();
      calls.forEach(c -> c.accept(b));
      ConnectionHealthManager m = b.build();
      m.close();
      return m;
    }, Set.of(), methods);
  }

  @Property(tries = 500)
  void settingsReadsThrowOnlyConfigurationException(@ForAll("anyText") String value) {
    Settings s = Settings.of(new HashMap<>(Map.of("K", value)));
    assertOnlyClearErrors(() -> s.duration("K"), Set.of(), Set.of("K"));
    assertOnlyClearErrors(() -> s.integer("K"), Set.of(), Set.of("K"));
    assertOnlyClearErrors(() -> s.longValue("K"), Set.of(), Set.of("K"));
    assertOnlyClearErrors(() -> s.decimal("K"), Set.of(), Set.of("K"));
    assertOnlyClearErrors(() -> s.bool("K"), Set.of(), Set.of("K"));
  }

  @Provide
  Arbitrary<String> anyText() {
    return Arbitraries.oneOf(ConfigArbitraries.durationTexts(), ConfigArbitraries.numberTexts(),
        ConfigArbitraries.hostileStrings());
  }
}
