package io.lifeline.http;

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

/**
 * Generated input over {@link GraphitiConfig#fromMap}, {@link HttpServiceConfig}'s and {@link
 * GraphitiConfig}'s builders (issue 12, part 4).
 */
class HttpConfigPropertyTest {

  @Provide
  Arbitrary<EnvCase> env() {
    return ConfigArbitraries.envCases("GRAPHITI_", secret -> {
      Map<String, Arbitrary<String>> m = new HashMap<>(ConfigArbitraries.retryValues());
      m.put("URL", ConfigArbitraries.urls(secret, "http", "https"));
      m.put("BEARER_TOKEN", Arbitraries.of(secret, secret + "\n", " "));
      m.put("API_KEY", Arbitraries.of(secret, secret + "\r\n"));
      m.put("API_KEY_HEADER", Arbitraries.oneOf(Arbitraries.of("X-Key", "Bad Header"),
          ConfigArbitraries.hostileStrings()));
      m.put("REQUEST_TIMEOUT", ConfigArbitraries.durationTexts());
      m.put("CONNECT_TIMEOUT", ConfigArbitraries.durationTexts());
      m.put("MAX_RESPONSE_BYTES", ConfigArbitraries.numberTexts());
      m.put("HEALTH_PATH", ConfigArbitraries.hostileStrings());
      m.put("DEEP_CHECK_GROUP", ConfigArbitraries.hostileStrings());
      return m;
    });
  }

  @Property(tries = 300)
  void graphitiFromMapThrowsOnlyClearErrorsNamingTheVariablesWithoutSecrets(@ForAll("env") EnvCase c) {
    assertOnlyClearErrors(() -> accepted(GraphitiConfig.fromMap(c.env()).http()), Set.of(c.secret()),
        c.env().keySet());
  }

  /** What is accepted can be sent: a port in range, a lower-case scheme. */
  private static HttpServiceConfig accepted(HttpServiceConfig c) {
    assertThat(c.baseUrl().getPort()).isBetween(-1, 65_535);
    assertThat(c.baseUrl().getScheme()).isIn("http", "https");
    assertThat(c.baseUrl().getRawUserInfo()).isNull();
    return c;
  }

  @Provide
  Arbitrary<Tuple2<String, List<Consumer<HttpServiceConfig.Builder>>>> httpCalls() {
    return ConfigArbitraries.secrets().flatMap(secret -> Arbitraries.<Consumer<HttpServiceConfig.Builder>>oneOf(
        ConfigArbitraries.urls(secret, "http", "https").injectNull(0.05).map(v -> b -> b.baseUrl(v)),
        ConfigArbitraries.durations().map(v -> b -> b.requestTimeout(v)),
        ConfigArbitraries.durations().map(v -> b -> b.connectTimeout(v)),
        Arbitraries.of(secret, secret + "\n").injectNull(0.3).map(v -> b -> b.bearerToken(v)),
        Arbitraries.of(secret).injectNull(0.3).map(v -> b -> b.apiKey(v)),
        ConfigArbitraries.hostileStrings().injectNull(0.1).map(v -> b -> b.apiKeyHeader(v)),
        ConfigArbitraries.ints().map(v -> b -> b.maxResponseBytes(v)),
        ConfigArbitraries.hostileStrings().injectNull(0.1).map(v -> b -> b.healthPath(v)),
        Arbitraries.of(RetryConfig.defaults()).injectNull(0.5).map(v -> b -> b.retryConfig(v)),
        Arbitraries.of("Authorization", "X-Trace", "Bad Header", "Host").injectNull(0.2)
            .map(n -> b -> b.header(n, "Bearer " + secret)))
        .list().ofMaxSize(8).map(l -> Tuple.of(secret, l)));
  }

  @Property(tries = 300)
  void httpBuilderThrowsOnlyClearErrorsWithoutSecrets(
      @ForAll("httpCalls") Tuple2<String, List<Consumer<HttpServiceConfig.Builder>>> c,
      @ForAll("names") String name) {
    assertOnlyClearErrors(() -> {
      HttpServiceConfig.Builder b = HttpServiceConfig.builder(name).baseUrl("http://localhost:8000");
      c.get2().forEach(call -> call.accept(b));
      return accepted(b.build());
    }, Set.of(c.get1()), null);
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.oneOf(Arbitraries.of("svc"), ConfigArbitraries.hostileStrings().injectNull(0.1));
  }

  @Provide
  Arbitrary<Tuple2<String, List<Consumer<GraphitiConfig.Builder>>>> graphitiCalls() {
    return ConfigArbitraries.secrets().flatMap(secret -> Arbitraries.<Consumer<GraphitiConfig.Builder>>oneOf(
        ConfigArbitraries.urls(secret, "http", "https").injectNull(0.05).map(v -> b -> b.url(v)),
        ConfigArbitraries.durations().map(v -> b -> b.requestTimeout(v)),
        ConfigArbitraries.durations().map(v -> b -> b.connectTimeout(v)),
        ConfigArbitraries.ints().map(v -> b -> b.maxRetries(v)),
        ConfigArbitraries.durations().map(v -> b -> b.retryDelay(v)),
        ConfigArbitraries.doubles().map(v -> b -> b.retryBackoff(v)),
        Arbitraries.of(RetryConfig.defaults()).injectNull(0.5).map(v -> b -> b.retryConfig(v)),
        Arbitraries.of(secret).injectNull(0.3).map(v -> b -> b.bearerToken(v)),
        Arbitraries.of(secret).injectNull(0.3).map(v -> b -> b.apiKey(v)),
        Arbitraries.of("X-Trace", "Bad Header").injectNull(0.2).map(n -> b -> b.header(n, "v")),
        ConfigArbitraries.ints().map(v -> b -> b.maxResponseBytes(v)),
        ConfigArbitraries.hostileStrings().injectNull(0.2).map(v -> b -> b.deepCheckGroupId(v)))
        .list().ofMaxSize(8).map(l -> Tuple.of(secret, l)));
  }

  @Property(tries = 300)
  void graphitiBuilderThrowsOnlyClearErrorsNamingItsOwnMethods(
      @ForAll("graphitiCalls") Tuple2<String, List<Consumer<GraphitiConfig.Builder>>> c) {
    Set<String> methods = Set.of("url", "requestTimeout", "connectTimeout", "maxRetries", "retryDelay",
        "retryBackoff", "retryConfig", "bearerToken", "apiKey", "header (name)", "header Bad Header",
        "maxResponseBytes", "deepCheckGroupId", "maxDelay");
    assertOnlyClearErrors(() -> {
      GraphitiConfig.Builder b = GraphitiConfig.builder();
      c.get2().forEach(call -> call.accept(b));
      return accepted(b.build().http());
    }, Set.of(c.get1()), methods);
  }
}
