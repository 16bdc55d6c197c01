package io.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.lifeline.testkit.PostgresServerExtension;
import io.lifeline.testkit.RedisServerExtension;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lifeline check} against real servers: an embedded Redis and PostgreSQL, a loopback HTTP
 * server, and ports where nothing listens (a Redis, a Neo4j and a TCP service that are down).
 */
class CheckCommandTest {
  static final String CANARY = "canary-Pw-8812";

  @RegisterExtension
  static final PostgresServerExtension PG = PostgresServerExtension.builder().build();

  static RedisServerExtension redis;
  static HttpServer http;
  static int downPort;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisServerExtension.builder().build().start();
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/health", ex -> {
      byte[] body = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(body);
      }
    });
    // a Graphiti-shaped /healthcheck that wants the bearer token
    http.createContext("/healthcheck", ex -> {
      boolean ok = ("Bearer " + GRAPHITI_TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"));
      byte[] body = (ok ? "{\"status\":\"healthy\"}" : "{\"detail\":\"unauthorized\"}").getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(ok ? 200 : 401, body.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(body);
      }
    });
    http.start();
    downPort = RedisServerExtension.freePort();
  }

  @AfterAll
  static void stop() {
    http.stop(0);
    redis.close();
  }

  static Path config(String services) throws Exception {
    Path f = Files.createTempFile(dir, "lifeline", ".yml");
    Files.writeString(f, "health: {timeout: 3s}\nfeatures: {orders: {critical: true}}\nservices:\n" + services);
    return f;
  }

  String up() {
    return "  cache: {type: redis, url: '" + redis.url() + "', password: '${REDIS_PASSWORD:-}'}\n"
        + "  orders-db: {type: postgres, url: '" + PG.jdbcUrl() + "', user: postgres, features: [orders]}\n"
        + "  api: {type: http, url: 'http://127.0.0.1:" + http.getAddress().getPort() + "/health', "
        + "expectStatus: 200, bodyContains: UP}\n"
        + "  pg-port: {type: tcp, address: '127.0.0.1:" + PG.port() + "'}\n";
  }

  @Test
  void allHealthyIsExitZeroWithATableRowPerService() throws Exception {
    CliRun run = CliRun.of(Map.of("REDIS_PASSWORD", ""), "check", "--config", config(up()).toString());
    assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
    List<String> lines = run.out().lines().collect(Collectors.toList());
    assertThat(lines.get(0)).matches("SERVICE\\s+TYPE\\s+STATUS\\s+LATENCY\\s+ERROR");
    assertThat(lines.subList(1, lines.size())).hasSize(4).allSatisfy(l -> assertThat(l).contains("HEALTHY").contains(" ms"));
    assertThat(lines.get(1)).startsWith("cache").contains("redis");
    assertThat(lines.get(2)).startsWith("orders-db").contains("postgres");
  }

  static final String GRAPHITI_TOKEN = "graphiti-canary-token-77";

  @Test
  void aGraphitiServiceIsCheckedWithItsBearerTokenWhichNeverShows() throws Exception {
    String base = "http://127.0.0.1:" + http.getAddress().getPort();
    String services = "  memory: {type: graphiti, url: '" + base + "', token: '${GRAPHITI_TOKEN}'}\n"
        + "  memory-no-token: {type: graphiti, url: '" + base + "', timeout: 500ms}\n";
    CliRun run = CliRun.of(Map.of("GRAPHITI_TOKEN", GRAPHITI_TOKEN), "check", "--config", config(services).toString());
    assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(run.out().lines().filter(l -> l.startsWith("memory ")).findFirst().orElseThrow()).contains("HEALTHY");
    assertThat(run.out().lines().filter(l -> l.startsWith("memory-no-token")).findFirst().orElseThrow())
        .contains("UNAVAILABLE").contains("401");
    assertThat(run.out() + run.err()).doesNotContain(GRAPHITI_TOKEN);
  }

  @Test
  void oneServiceDownIsExitTwoAndItsRowSaysWhy() throws Exception {
    String down = "  sessions: {type: redis, url: 'redis://:" + CANARY + "@127.0.0.1:" + downPort + "', timeout: 500ms}\n";
    CliRun run = CliRun.of(Map.of(), "check", "--config", config(up() + down).toString());
    assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(ExitCodes.UNAVAILABLE);
    String row = run.out().lines().filter(l -> l.startsWith("sessions")).findFirst().orElseThrow();
    assertThat(row).contains("UNAVAILABLE").doesNotContain(" ms");
    assertThat(row.split("\\s{2,}")).hasSizeGreaterThanOrEqualTo(5); // an error column is there
    assertThat(run.out()).contains("cache").contains("HEALTHY");
    assertThat(run.out() + run.err()).doesNotContain(CANARY);
  }

  @Test
  void jsonAndOneServiceOnly() throws Exception {
    String down = "  graph: {type: neo4j, uri: 'bolt://127.0.0.1:" + downPort + "', password: '" + CANARY + "', timeout: 1s}\n"
        + "  broker: {type: tcp, address: '127.0.0.1:" + downPort + "', timeout: 500ms}\n";
    Path f = config(up() + down);
    CliRun graph = CliRun.of(Map.of(), "check", "--config", f.toString(), "--service", "graph", "--json");
    assertThat(graph.exit()).as(graph.out() + graph.err()).isEqualTo(ExitCodes.UNAVAILABLE);
    JsonNode json = new ObjectMapper().readTree(graph.out());
    assertThat(json.get("status").asText()).isEqualTo("UNAVAILABLE");
    assertThat(json.get("exitCode").asInt()).isEqualTo(2);
    assertThat(json.get("services")).hasSize(1);
    JsonNode g = json.get("services").get(0);
    assertThat(g.get("name").asText()).isEqualTo("graph");
    assertThat(g.get("type").asText()).isEqualTo("neo4j");
    assertThat(g.get("error").asText()).isNotBlank();
    assertThat(graph.out() + graph.err()).doesNotContain(CANARY);

    CliRun api = CliRun.of(Map.of(), "check", "--config", f.toString(), "--service", "api", "--json");
    assertThat(api.exit()).isEqualTo(ExitCodes.OK);
    assertThat(new ObjectMapper().readTree(api.out()).at("/services/0/latencyMs").isNumber()).isTrue();
  }

  @Test
  void anHttpServiceWithoutTheExpectedBodyIsDown() throws Exception {
    String svc = "  api: {type: http, url: 'http://127.0.0.1:" + http.getAddress().getPort() + "/health', bodyContains: DOWN-NOT-HERE}\n";
    CliRun run = CliRun.of(Map.of(), "check", "--config", config(svc).toString());
    assertThat(run.exit()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(run.out()).contains("without the expected text in its body");
  }

  @Test
  void anUnknownServiceNameIsAUsageError() throws Exception {
    CliRun run = CliRun.of(Map.of(), "check", "--config", config(up()).toString(), "--service", "cahce");
    assertThat(run.exit()).isEqualTo(ExitCodes.CONFIG);
    assertThat(run.err()).hasLineCount(1).contains("--service=cahce").contains("did you mean 'cache'?");
    assertThat(run.out()).isEmpty();
  }
}
