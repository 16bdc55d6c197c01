package io.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeline.core.ConfigurationException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  static final String CANARY = "canary-Secret-4711";

  @TempDir
  Path dir;

  @Test
  void bindsEverySectionWithDefaultsAndEnvironmentSubstitution() throws Exception {
    Path pw = Files.writeString(dir.resolve("db-password"), CANARY + "\n");
    String yaml = String.join("\n",
        "health:", "  interval: 500ms", "  unavailableThreshold: 2",
        "console:", "  port: ${PORT:-9999}", "  token: ${TOKEN}",
        "features:", "  orders: {critical: true}", "  caching: {}",
        "services:",
        "  cache: {type: redis, url: '${REDIS_URL:-redis://localhost:6379/0}', features: [caching]}",
        "  orders-db:", "    type: postgres", "    url: jdbc:postgresql://db:5432/orders", "    user: app",
        "    passwordFile: " + pw, "    timeout: 3s", "    features: [orders]",
        "  literal: {type: http, url: 'http://h/health', bodyContains: '$${not-a-var}'}",
        "  broker: {type: tcp, address: 'kafka:9092'}", "");
    LifelineConfig c = new ConfigLoader(Map.of("TOKEN", "token-" + CANARY, "REDIS_URL", "redis://r:6380/1"))
        .parse(yaml, "lifeline.yml");

    assertThat(c.health().interval()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.health().unavailableThreshold()).isEqualTo(2);
    assertThat(c.health().recoveryThreshold()).isEqualTo(LifelineConfig.Health.DEFAULT_RECOVERY_THRESHOLD);
    assertThat(c.console().port()).isEqualTo(9999);
    assertThat(c.console().token().reveal()).isEqualTo("token-" + CANARY);
    assertThat(c.criticalFeatures()).containsExactly("orders");
    assertThat(c.services()).extracting(LifelineConfig.Service::name)
        .containsExactly("cache", "orders-db", "literal", "broker");
    LifelineConfig.Service cache = c.services().get(0);
    assertThat(cache.url()).isEqualTo("redis://r:6380/1");
    assertThat(cache.timeout()).isEqualTo(LifelineConfig.Service.DEFAULT_TIMEOUT);
    LifelineConfig.Service db = c.services().get(1);
    assertThat(db.password().reveal()).isEqualTo(CANARY); // trailing newline of the file dropped
    assertThat(db.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.services().get(2).bodyContains()).isEqualTo("${not-a-var}");
    assertThat(c.services().get(3).host()).isEqualTo("kafka");
    assertThat(c.services().get(3).port()).isEqualTo(9092);
    assertThat(c.toString()).doesNotContain(CANARY);
  }

  static final String OVERRIDABLE = String.join("\n",
      "health: {interval: 30s}",
      "features: {orders: {critical: false}}",
      "alerts: {ops: {type: webhook, url: 'http://hooks.local/x'}}",
      "services:",
      "  orders-db: {type: postgres, url: 'jdbc:postgresql://db:5432/orders', user: app, features: [orders]}",
      "  cache: {type: redis, url: 'redis://localhost:6379'}", "");

  @Test
  void lifelineVariablesOverrideScalarValuesOfTheFile() {
    LifelineConfig c = new ConfigLoader(Map.of(
        "LIFELINE_HEALTH_INTERVAL", "5s",
        "LIFELINE_HEALTH_UNAVAILABLE_THRESHOLD", "7",
        "LIFELINE_FEATURES_ORDERS_CRITICAL", "true",
        "LIFELINE_SERVICES_ORDERS_DB_TIMEOUT", "3s",
        "LIFELINE_SERVICES_CACHE_PASSWORD", CANARY,
        "LIFELINE_ALERTS_OPS_MIN_INTERVAL", "1m",
        "LIFELINE_LOG_LEVEL", "DEBUG", // the launcher's, not the file's: left alone
        "OTHER", "x"))
        .parse(OVERRIDABLE, "lifeline.yml");
    assertThat(c.health().interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.health().unavailableThreshold()).isEqualTo(7);
    assertThat(c.criticalFeatures()).containsExactly("orders");
    assertThat(c.services().get(0).timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.services().get(1).password().reveal()).isEqualTo(CANARY);
    assertThat(c.alerts().get("ops").minInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.toString()).doesNotContain(CANARY);
  }

  @Test
  void listsAreOverriddenWithCommaSeparatedValues() {
    LifelineConfig c = new ConfigLoader(Map.of(
        "LIFELINE_SERVICES_CACHE_FEATURES", " orders , ",
        "LIFELINE_SERVICES_ORDERS_DB_ALERTS", "ops",
        "LIFELINE_ALERTS_OPS_ON", "UNAVAILABLE,DEGRADED,HEALTHY"))
        .parse(OVERRIDABLE, "lifeline.yml");
    assertThat(c.services().get(1).features()).containsExactly("orders");
    assertThat(c.services().get(0).alerts()).containsExactly("ops");
    assertThat(c.alerts().get("ops").on()).containsExactlyInAnyOrder(
        io.lifeline.core.health.ServiceStatus.UNAVAILABLE, io.lifeline.core.health.ServiceStatus.DEGRADED,
        io.lifeline.core.health.ServiceStatus.HEALTHY);
    // an empty value is an empty list
    assertThat(new ConfigLoader(Map.of("LIFELINE_SERVICES_ORDERS_DB_FEATURES", ""))
        .parse(OVERRIDABLE, "lifeline.yml").services().get(0).features()).isEmpty();
    // an item the file could not have either is the same problem, named by the variable
    ConfigurationException e = catchThrowableOfType(() -> new ConfigLoader(Map.of(
        "LIFELINE_SERVICES_CACHE_FEATURES", "orders,nope",
        "LIFELINE_ALERTS_OPS_ON", "UNAVAILABLE,SIDEWAYS"))
        .parse(OVERRIDABLE, "lifeline.yml"), ConfigurationException.class);
    List<String> lines = e.problems().stream().map(Object::toString).collect(java.util.stream.Collectors.toList());
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("LIFELINE_SERVICES_CACHE_FEATURES").contains("nope"));
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("LIFELINE_ALERTS_OPS_ON").contains("SIDEWAYS"));
  }

  @Test
  void aBadOverrideIsNamedByItsVariableAndAnUnknownOneGetsADidYouMean() {
    ConfigurationException e = catchThrowableOfType(() -> new ConfigLoader(Map.of(
        "LIFELINE_HEALTH_INTERVAL", "5 parsecs",
        "LIFELINE_SERVICES_CACHE_TIMEOTU", "1s",
        "LIFELINE_SERVICES_NOPE_URL", "redis://x",
        "LIFELINE_SERVICES_CACHE_PASSWORD", CANARY))
        .parse(OVERRIDABLE, "lifeline.yml"), ConfigurationException.class);
    List<String> lines = e.problems().stream().map(Object::toString).collect(java.util.stream.Collectors.toList());
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("LIFELINE_HEALTH_INTERVAL (overrides health.interval)=5 parsecs: must be a duration"));
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("LIFELINE_SERVICES_CACHE_TIMEOTU=")
        .contains("did you mean LIFELINE_SERVICES_CACHE_TIMEOUT?"));
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("LIFELINE_SERVICES_NOPE_URL="));
    assertThat(e.getMessage()).doesNotContain(CANARY);
    // a value the library configuration rejects (checked once the file itself is valid)
    ConfigurationException url = catchThrowableOfType(() -> new ConfigLoader(Map.of(
        "LIFELINE_SERVICES_CACHE_URL", "redis://:" + CANARY + "@localhost:99999"))
        .parse(OVERRIDABLE, "lifeline.yml"), ConfigurationException.class);
    assertThat(url.problems()).extracting(Object::toString).anySatisfy(l -> assertThat(l)
        .startsWith("LIFELINE_SERVICES_CACHE_URL (overrides services.cache.url)=").contains("65535"));
    assertThat(url.getMessage()).doesNotContain(CANARY);
  }

  @Test
  void theOverrideNameOfAPath() {
    assertThat(io.lifeline.cli.internal.EnvOverrides.variableFor("services.orders-db.latencyThreshold"))
        .isEqualTo("LIFELINE_SERVICES_ORDERS_DB_LATENCY_THRESHOLD");
    assertThat(io.lifeline.cli.internal.EnvOverrides.variableFor("health.interval")).isEqualTo("LIFELINE_HEALTH_INTERVAL");
  }

  @Test
  void reportsEveryProblemOfAFileAtOnceOneLineEach() {
    String yaml = String.join("\n",
        "health: {interval: -1s, timeout: 2h}",
        "console: {port: 70000, token: '" + CANARY + " with spaces'}",
        "services:",
        "  a: {type: redis, url: 'redis://:" + CANARY + "@h:6379', tiemout: 1s}",
        "  b: {type: neo4j, uri: 'bolt://h:7687', password: '${MISSING}'}",
        "  c: {type: tcp, address: 'h:0'}", "");
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).parse(yaml, "f.yml"))
        .isInstanceOfSatisfying(ConfigurationException.class, e -> {
          assertThat(e.problems()).extracting(ConfigurationException.Problem::key).containsExactly(
              "health.interval", "health.timeout", "console.port", "services.a.tiemout",
              "services.b.password", "services.c.address");
          assertThat(e.getMessage().lines()).hasSize(6);
          assertThat(e.getMessage()).doesNotContain(CANARY);
        });
  }

  @Test
  void libraryRulesRunOnlyOnceTheFileItselfIsClean() {
    // the console's token rule lives in ConsoleOptions, reported under the YAML path
    String yaml = "console: {token: '" + CANARY + " x'}\nservices:\n  a: {type: redis, url: 'redis://h'}\n";
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).parse(yaml, "f.yml"))
        .isInstanceOfSatisfying(ConfigurationException.class, e -> {
          assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.key()).isEqualTo("console.token");
            assertThat(p.value()).isEqualTo("****");
          });
          assertThat(e.getMessage()).doesNotContain(CANARY);
        });
  }

  @Test
  void anOversizedFileIsRejectedBeforeParsing() throws Exception {
    Path big = dir.resolve("big.yml");
    byte[] bytes = new byte[ConfigLoader.MAX_FILE_BYTES + 1];
    java.util.Arrays.fill(bytes, (byte) '#');
    Files.write(big, bytes);
    CliRun run = CliRun.of("config", "validate", big.toString());
    assertThat(run.exit()).isEqualTo(ExitCodes.CONFIG);
    assertThat(run.err()).isEqualTo("error: " + big + "=more than 1048576 bytes: must be at most 1 MiB"
        + System.lineSeparator());
  }

  @Test
  void atMostAThousandServices() {
    StringBuilder yaml = new StringBuilder("services:\n");
    for (int i = 0; i <= ConfigLoader.MAX_SERVICES; i++) {
      yaml.append("  s").append(i).append(": {type: tcp, address: 'h:1'}\n");
    }
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).parse(yaml.toString(), "f.yml"))
        .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).singleElement()
            .satisfies(p -> assertThat(p.toString()).startsWith("services=1001 services: must list at most 1000")));
    String limit = yaml.substring(0, yaml.lastIndexOf("  s1000:"));
    assertThat(new ConfigLoader(Map.of()).parse(limit, "f.yml").services()).hasSize(ConfigLoader.MAX_SERVICES);
  }

  @Test
  void aPasswordFileIsReadUpToItsBound() throws Exception {
    Path big = dir.resolve("big-secret");
    Files.write(big, new byte[ConfigLoader.MAX_SECRET_FILE_BYTES + 1]);
    String yaml = "services:\n  es: {type: elasticsearch, url: 'http://h:9200', passwordFile: '" + big + "'}\n";
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).parse(yaml, "f.yml"))
        .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).singleElement()
            .satisfies(p -> assertThat(p.allowed()).startsWith("must be a file of at most 65536 bytes")));
    Files.writeString(big, "x".repeat(ConfigLoader.MAX_SECRET_FILE_BYTES));
    assertThat(new ConfigLoader(Map.of()).parse(yaml, "f.yml").services().get(0).password().reveal())
        .hasSize(ConfigLoader.MAX_SECRET_FILE_BYTES);
  }

  @Test
  void aMissingFileOrADirectoryIsOneLine() {
    CliRun missing = CliRun.of("config", "validate", dir.resolve("nope.yml").toString());
    assertThat(missing.exit()).isEqualTo(ExitCodes.CONFIG);
    assertThat(missing.err()).contains("nope.yml=no such file: must be a readable YAML file").hasLineCount(1);
    CliRun directory = CliRun.of("config", "validate", dir.toString());
    assertThat(directory.err()).contains("=not a regular file: must be a readable YAML file").hasLineCount(1);
  }

  @Test
  void verboseAddsTheStackTraceStillWithoutSecrets() {
    CliRun run = CliRun.of(Map.of(), "--verbose", "config", "validate", dir.resolve("nope.yml").toString());
    assertThat(run.exit()).isEqualTo(ExitCodes.CONFIG);
    assertThat(run.err()).contains("error: ").contains("ConfigurationException").contains("\tat ");
  }

  @Test
  void theExampleValidatesAndValidatePrintsASummary() throws Exception {
    CliRun example = CliRun.of("config", "example");
    assertThat(example.exit()).isZero();
    assertThat(example.out()).contains("services:").contains("# ");
    Path file = Files.writeString(dir.resolve("lifeline.yml"), example.out(), StandardCharsets.UTF_8);
    CliRun validate = CliRun.of("config", "validate", file.toString());
    assertThat(validate.exit()).as(validate.err()).isZero();
    assertThat(validate.out()).contains("valid (5 services, 3 features, 1 critical)");
    assertThat(validate.err()).isEmpty();
  }

  @Test
  void usageErrorsAreOneLineExitThree() {
    CliRun unknown = CliRun.of("chek");
    assertThat(unknown.exit()).isEqualTo(ExitCodes.CONFIG);
    assertThat(unknown.err()).hasLineCount(1).contains("lifeline --help");
    CliRun noConfig = CliRun.of("check");
    assertThat(noConfig.exit()).isEqualTo(ExitCodes.CONFIG);
    assertThat(noConfig.err()).hasLineCount(1).contains("--config");
  }

  @Test
  void helpAndVersion() {
    CliRun help = CliRun.of("--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("check", "serve", "config", "Exit codes");
    CliRun version = CliRun.of("--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out()).startsWith("lifeline ").doesNotContain("unknown");
    assertThat(CliRun.of("check", "--help").out()).contains("--json", "--service", "--config");
  }
}
