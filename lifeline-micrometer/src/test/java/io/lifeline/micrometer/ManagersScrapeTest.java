package io.lifeline.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.lifeline.core.ConnectionPool;
import io.lifeline.core.Lease;
import io.lifeline.core.PoolTimeoutException;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.http.GraphitiConfig;
import io.lifeline.http.GraphitiConnectionManager;
import io.lifeline.http.HttpServiceConfig;
import io.lifeline.http.HttpServiceConnectionManager;
import io.lifeline.jdbc.DatabaseConfig;
import io.lifeline.jdbc.DatabaseConnectionManager;
import io.lifeline.jdbc.DegradedMode;
import io.lifeline.jdbc.WriteCommand;
import io.lifeline.jdbc.WriteOutcome;
import io.lifeline.neo4j.Neo4jConfig;
import io.lifeline.neo4j.Neo4jConnectionManager;
import io.lifeline.redis.RedisConfig;
import io.lifeline.redis.RedisConnectionManager;
import io.lifeline.testkit.Neo4jServerExtension;
import io.lifeline.testkit.PostgresServerExtension;
import io.lifeline.testkit.RedisServerExtension;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The "done when": one {@code LifelineMetrics.bindTo(registry)}, then every manager driven
 * against its real server (embedded Redis, PostgreSQL, Neo4j; Graphiti on a real loopback HTTP
 * server), each through an outage (server stopped), and a real {@link PrometheusMeterRegistry}
 * scraped: the series exist by name and tag, and failure, fallback and journal series moved.
 * The same scrape is what the Grafana dashboard and alert rule checks compare against; the last
 * test sends 10 000 distinct Redis keys, SQL texts and URLs (and 200 distinct Cypher texts, each
 * planned afresh by Neo4j) through the managers and finds no series added.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ManagersScrapeTest {
  static final String REDIS_PASSWORD = "redis-pw-9f3k";
  static final String GRAPHITI_TOKEN = "graphiti-token-77xq";

  @RegisterExtension
  static final PostgresServerExtension PG = PostgresServerExtension.builder().build();

  @RegisterExtension
  static final Neo4jServerExtension NEO4J = Neo4jServerExtension.create();

  private RedisServerExtension redisServer;
  private HttpServer http;
  private PrometheusMeterRegistry registry;
  private LifelineMetrics metrics;
  private ConnectionHealthManager health;
  private RedisConnectionManager redis;
  private DatabaseConnectionManager db;
  private Neo4jConnectionManager neo4j;
  private GraphitiConnectionManager graphiti;
  private HttpServiceConnectionManager plainHttp;
  private ConnectionPool<StringBuilder> pool;
  private Scrape duringOutage;
  private Scrape afterRecovery;

  static RetryConfig fast() {
    return RetryConfig.builder().maxRetries(2).baseDelay(Duration.ofMillis(5))
        .maxDelay(Duration.ofMillis(20)).circuitBreakerThreshold(3)
        .circuitBreakerTimeout(Duration.ofMillis(200)).build();
  }

  @BeforeAll
  void driveEveryManagerThroughAnOutage() throws Exception {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics = LifelineMetrics.bindTo(registry); // before any manager exists: they join later
    health = ConnectionHealthManager.builder().checkInterval(Duration.ofSeconds(1))
        .unavailableThreshold(1).recoveryThreshold(1).build().start();
    startHttp();
    redisServer = RedisServerExtension.builder().password(REDIS_PASSWORD).build().start();
    redis = RedisConnectionManager.create(RedisConfig.builder()
        .url("redis://:" + REDIS_PASSWORD + "@127.0.0.1:" + redisServer.port() + "/0")
        .commandTimeout(Duration.ofSeconds(1)).connectTimeout(Duration.ofMillis(500))
        .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200))
        .healthCheckInterval(Duration.ofSeconds(1))
        .retryConfig(fast()).build(), health);
    Path journal = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "journal");
    db = DatabaseConnectionManager.create(DatabaseConfig.builder().name("orders-db")
        .url(PG.jdbcUrl()).username(PostgresServerExtension.SUPERUSER).password("pg-pw-31zz")
        .poolSize(2).maxOverflow(0).poolTimeout(Duration.ofSeconds(5))
        .connectTimeout(Duration.ofSeconds(1)).socketTimeout(Duration.ofSeconds(2))
        .loginTimeout(Duration.ofSeconds(2)).validationTimeout(Duration.ofSeconds(1))
        .recoveryProbeInterval(Duration.ofMillis(100)).retryConfig(fast())
        .degradedMode(DegradedMode.JOURNAL).journalPath(journal.resolve("orders.journal")).build());
    neo4j = new Neo4jConnectionManager(Neo4jConfig.builder().uri(NEO4J.server().boltUri())
        .connectionTimeout(Duration.ofSeconds(2)).connectionAcquisitionTimeout(Duration.ofSeconds(5))
        .queryTimeout(Duration.ofSeconds(5)).retry(fast()).build());
    graphiti = new GraphitiConnectionManager(GraphitiConfig.builder()
        .url("http://127.0.0.1:" + http.getAddress().getPort()).bearerToken(GRAPHITI_TOKEN)
        .retryConfig(fast()).requestTimeout(Duration.ofSeconds(2)).build());
    graphiti.registerWith(health, Set.of("memory"));
    plainHttp = new HttpServiceConnectionManager(HttpServiceConfig.builder("catalog")
        .baseUrl("http://127.0.0.1:" + http.getAddress().getPort()).retryConfig(fast()).build());
    pool = ConnectionPool.builder(StringBuilder::new).name("buffers").size(2).build();

    // healthy traffic
    redis.set("user:1", "alice");
    assertThat(redis.get("user:1")).isEqualTo("alice");
    db.update("CREATE TABLE IF NOT EXISTS orders (id text PRIMARY KEY)");
    assertThat(db.submit(WriteCommand.of("o-1", "INSERT INTO orders VALUES (?)", "o-1")))
        .isEqualTo(WriteOutcome.APPLIED);
    assertThat(neo4j.executeQuery("RETURN 1 AS one")).containsExactly(Map.of("one", 1L));
    assertThat(graphiti.healthcheck().status()).isEqualTo("healthy");
    assertThat(graphiti.search(List.of("g1"), "who is alice", 5).facts()).isEmpty();
    assertThat(plainHttp.request("GET", "/items/42").statusCode()).isEqualTo(200);
    try (Lease<StringBuilder> lease = pool.acquire()) {
      lease.get().append('x');
    }
    // a 5xx answer: counted under its status class
    assertThatThrownBy(graphiti::clear).isInstanceOf(ServiceUnavailableException.class);

    // the outage: every server stopped
    redisServer.stop();
    await().atMost(Duration.ofSeconds(10)).until(redis::isUsingFallback);
    redis.set("user:2", "bob");            // fallback write
    assertThat(redis.get("user:2")).isEqualTo("bob"); // fallback hit
    assertThat(redis.get("user:3")).isNull();         // fallback miss
    PG.stop();
    assertThat(db.submit(WriteCommand.of("o-2", "INSERT INTO orders VALUES (?)", "o-2")))
        .isEqualTo(WriteOutcome.JOURNALED);
    NEO4J.server().stop();
    assertThatThrownBy(() -> neo4j.executeQuery("RETURN 2")).isInstanceOf(ServiceUnavailableException.class);
    http.stop(0);
    assertThatThrownBy(() -> graphiti.search(List.of("g1"), "bob", 5))
        .isInstanceOf(ServiceUnavailableException.class);
    await().atMost(Duration.ofSeconds(10)).until(() ->
        new Scrape(registry.scrape()).sum("lifeline_health_status", "service", graphiti.name(),
            "status", "unavailable") == 1);
    duringOutage = new Scrape(registry.scrape());

    // recovery
    redisServer.start();
    PG.restart();
    NEO4J.server().start();
    startHttp(http.getAddress().getPort());
    await().atMost(Duration.ofSeconds(15)).until(() -> !redis.isUsingFallback());
    await().atMost(Duration.ofSeconds(15)).until(() -> db.journalBytes() == 0);
    await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
        .until(() -> neo4j.executeQuery("RETURN 3 AS three").size() == 1);
    await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
        .until(() -> graphiti.healthcheck().status().equals("healthy"));
    await().atMost(Duration.ofSeconds(15)).until(() -> new Scrape(registry.scrape())
        .sum("lifeline_health_feature_available", "feature", "memory") == 1);
    afterRecovery = new Scrape(registry.scrape());
  }

  private void startHttp() throws Exception {
    startHttp(0);
  }

  /** A Graphiti-like server: /healthcheck and /search answer, /clear fails with 500. */
  private void startHttp(int port) throws Exception {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    http.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      int status = 200;
      String body = "{}";
      if (path.equals("/healthcheck")) {
        body = "{\"status\":\"healthy\"}";
      } else if (path.equals("/search")) {
        body = "{\"facts\":[]}";
      } else if (path.equals("/clear")) {
        status = 500;
        body = "{\"detail\":\"boom\"}";
      }
      exchange.getRequestBody().readAllBytes();
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    http.start();
  }

  @AfterAll
  void closeEverything() {
    for (AutoCloseable c : new AutoCloseable[] {pool, plainHttp, graphiti, neo4j, db, redis, health, metrics}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // closing after the test: nothing to assert
      }
    }
    if (redisServer != null) {
      redisServer.close();
    }
    if (http != null) {
      http.stop(0);
    }
  }

  /** The names the registry renders, for the dashboard test. */
  Set<String> scrapedNames() {
    Set<String> names = new HashSet<>(afterRecovery.names());
    names.addAll(duringOutage.names());
    return names;
  }

  @Test
  @Order(1)
  void everyManagerHasItsCallStateAndBreakerSeries() {
    Scrape s = afterRecovery;
    for (String[] m : new String[][] {{redis.name(), "redis"}, {"orders-db", "postgresql"},
        {neo4j.name(), "neo4j"}, {graphiti.name(), "graphiti"}, {"catalog", "http"}}) {
      String service = m[0];
      String backend = m[1];
      assertThat(s.sum("lifeline_calls_total", "service", service, "backend", backend, "outcome", "success"))
          .as("%s successful calls", service).isPositive();
      assertThat(s.find("lifeline_call_duration_seconds_bucket", "service", service, "outcome", "success"))
          .as("%s latency histogram", service).isNotEmpty();
      assertThat(s.sum("lifeline_connection_state", "service", service, "backend", backend))
          .as("%s: exactly one state is 1", service).isEqualTo(1);
      assertThat(s.find("lifeline_breaker_state", "service", service)).as(service).hasSize(3);
      assertThat(s.find("lifeline_breaker_transitions_total", "service", service)).as(service).hasSize(3);
      assertThat(s.find("lifeline_attempts_total", "service", service)).as(service).hasSize(2);
      assertThat(s.find("lifeline_retries_total", "service", service)).as(service).hasSize(1);
      assertThat(s.find("lifeline_retry_budget_rejections_total", "service", service)).as(service).hasSize(1);
    }
    assertThat(s.sum("lifeline_connection_state", "service", redis.name(), "state", "connected")).isEqualTo(1);
    assertThat(s.sum("lifeline_http_requests_total", "service", graphiti.name(), "endpoint", "search",
        "status", "2xx")).isEqualTo(1);
    assertThat(s.sum("lifeline_http_requests_total", "service", graphiti.name(), "endpoint", "clear",
        "status", "5xx")).isEqualTo(1);
    assertThat(s.sum("lifeline_http_requests_total", "service", "catalog", "endpoint", "get",
        "status", "2xx")).isEqualTo(1);
    assertThat(s.sum("lifeline_pool_acquire_duration_seconds_count", "pool", "buffers")).isEqualTo(1);
    assertThat(s.sum("lifeline_pool_active", "pool", "orders-db")).isGreaterThanOrEqualTo(0);
    assertThat(s.find("lifeline_pool_pending", "pool", "orders-db")).hasSize(1);
    // the database manager times its connection acquires like a ConnectionPool does
    assertThat(s.sum("lifeline_pool_acquire_duration_seconds_count", "pool", "orders-db", "outcome", "acquired"))
        .isPositive();
    assertThat(s.find("lifeline_pool_acquire_duration_seconds_bucket", "pool", "orders-db")).isNotEmpty();
    assertThat(s.sum("lifeline_pool_acquire_timeouts_total", "pool", "orders-db")).isZero();
    assertThat(s.sum("lifeline_health_status", "service", redis.name(), "status", "healthy")).isEqualTo(1);
    assertThat(s.find("lifeline_health_check_duration_seconds_count")).isNotEmpty();
    assertThat(s.sum("lifeline_health_feature_available", "feature", "memory")).isEqualTo(1);
  }

  @Test
  @Order(2)
  void theOutageMovedFailureFallbackAndJournalSeries() {
    Scrape during = duringOutage;
    Scrape after = afterRecovery;
    // Redis: answered from the fallback while down, reconciled on recovery
    assertThat(during.sum("lifeline_calls_total", "service", redis.name(), "outcome", "fallback")).isEqualTo(3);
    assertThat(during.sum("lifeline_redis_fallback_hits_total", "service", redis.name())).isEqualTo(1);
    assertThat(during.sum("lifeline_redis_fallback_misses_total", "service", redis.name())).isEqualTo(1);
    assertThat(during.sum("lifeline_redis_fallback_writes_total", "service", redis.name())).isEqualTo(1);
    assertThat(during.sum("lifeline_redis_fallback_size", "service", redis.name())).isEqualTo(1);
    assertThat(during.sum("lifeline_redis_outages_total", "service", redis.name())).isEqualTo(1);
    assertThat(during.sum("lifeline_connection_state", "service", redis.name(), "state", "connected")).isZero();
    assertThat(after.sum("lifeline_redis_reconciliations_total", "service", redis.name())
        - during.sum("lifeline_redis_reconciliations_total", "service", redis.name()))
        .as("the recovery reconciled").isEqualTo(1);
    assertThat(after.sum("lifeline_redis_reconciled_keys_total", "service", redis.name())).isEqualTo(1);
    // the database: the write was journaled (pending, aging) and replayed once
    assertThat(during.sum("lifeline_calls_total", "service", "orders-db", "outcome", "fallback")).isEqualTo(1);
    assertThat(during.sum("lifeline_journal_pending_bytes", "service", "orders-db")).isPositive();
    assertThat(during.sum("lifeline_journal_oldest_age_seconds", "service", "orders-db")).isPositive();
    assertThat(after.sum("lifeline_journal_pending_bytes", "service", "orders-db")).isZero();
    assertThat(after.sum("lifeline_journal_oldest_age_seconds", "service", "orders-db")).isZero();
    assertThat(after.sum("lifeline_journal_appended_total", "service", "orders-db")).isEqualTo(1);
    assertThat(after.sum("lifeline_journal_replayed_total", "service", "orders-db")).isEqualTo(1);
    assertThat(after.find("lifeline_journal_dropped_total", "service", "orders-db")).hasSize(1);
    assertThat(after.find("lifeline_jdbc_outcome_unknown_total", "service", "orders-db")).hasSize(1);
    // Neo4j and Graphiti: failed calls, attempts and an unavailable health status
    assertThat(during.sum("lifeline_calls_total", "service", neo4j.name(), "outcome", "failure")
        + during.sum("lifeline_calls_total", "service", neo4j.name(), "outcome", "rejected_by_breaker"))
        .isEqualTo(1);
    assertThat(during.sum("lifeline_attempts_total", "service", neo4j.name(), "outcome", "failure")).isPositive();
    assertThat(during.sum("lifeline_http_requests_total", "service", graphiti.name(), "endpoint", "search",
        "status", "none")).isEqualTo(1);
    assertThat(during.sum("lifeline_calls_total", "service", graphiti.name(), "outcome", "failure")
        + during.sum("lifeline_calls_total", "service", graphiti.name(), "outcome", "rejected_by_breaker"))
        .isGreaterThanOrEqualTo(2); // /clear's 500 and the refused /search
    assertThat(during.sum("lifeline_health_status", "service", graphiti.name(), "status", "unavailable")).isEqualTo(1);
    assertThat(during.sum("lifeline_health_feature_available", "feature", "memory")).isZero();
    assertThat(after.sum("lifeline_breaker_transitions_total", "service", graphiti.name(), "to", "open")
        + after.sum("lifeline_attempts_total", "service", graphiti.name(), "outcome", "failure")).isPositive();
  }

  @Test
  @Order(3)
  void noSecretKeyQueryOrUrlReachesAnySeries() {
    for (Scrape s : List.of(duringOutage, afterRecovery)) {
      assertThat(s.text).doesNotContain(REDIS_PASSWORD, GRAPHITI_TOKEN, "pg-pw-31zz",
          "user:1", "user:2", "RETURN", "INSERT", "who is alice", "/items", "/search", "127.0.0.1");
    }
  }

  @Test
  @Order(4)
  void theGrafanaDashboardQueriesOnlyMetricsThatAreEmitted() throws Exception {
    DashboardCheck.assertDashboardMatches(scrapedNames());
  }

  @Test
  @Order(4)
  void theAlertRulesQueryOnlyMetricsThatAreEmitted() throws Exception {
    Set<String> missing = new java.util.TreeSet<>(PrometheusRulesTest.metricsInRules());
    assertThat(missing).isNotEmpty();
    missing.removeAll(scrapedNames());
    assertThat(missing).as("metrics the alert rules query but lifeline-micrometer does not emit").isEmpty();
  }

  @Test
  @Order(5)
  void tenThousandDistinctKeysQueriesAndUrlsAddNoSeries() {
    Set<String> before = seriesKeys(new Scrape(registry.scrape()));
    int n = Integer.getInteger("cardinality.n", 10_000);
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      redis.set("cardinality:key:" + i, "v");
    }
    long t1 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      db.query("SELECT " + i);
    }
    long t2 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      plainHttp.request("GET", "/items/" + i + "?q=" + i);
    }
    long t3 = System.nanoTime();
    // distinct Cypher texts are each planned afresh by Neo4j (10-60 ms here): 200 of them, the
    // same code path as 10 000 (the query never reaches a tag; the scrape proves it)
    for (int i = 0; i < Math.min(n, 200); i++) {
      neo4j.executeQuery("RETURN " + i + " AS n");
    }
    long t4 = System.nanoTime();
    System.out.printf("cardinality: redis %d ms, jdbc %d ms, http %d ms, neo4j %d ms%n",
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000);
    Set<String> after = seriesKeys(new Scrape(registry.scrape()));
    Set<String> added = new HashSet<>(after);
    added.removeAll(before);
    assertThat(added).as("series added by distinct keys, queries and URLs").isEmpty();
    Pattern leaked = Pattern.compile("cardinality|items|SELECT|RETURN");
    assertThat(after).noneMatch(k -> leaked.matcher(k).find());
  }

  @Test
  @Order(6)
  void aDatabaseAcquireThatTimesOutIsCountedAndTimed() throws Exception {
    try (DatabaseConnectionManager small = DatabaseConnectionManager.create(DatabaseConfig.builder()
        .name("small-db").url(PG.jdbcUrl()).username(PostgresServerExtension.SUPERUSER)
        .poolSize(1).maxOverflow(0).poolTimeout(Duration.ofMillis(300)).retryConfig(fast()).build())) {
      small.query("SELECT 1");
      try (var held = small.session()) { // the only connection, lent out
        assertThatThrownBy(() -> small.query("SELECT 2")).isInstanceOf(PoolTimeoutException.class);
      }
      Scrape s = new Scrape(registry.scrape());
      assertThat(s.sum("lifeline_pool_acquire_timeouts_total", "pool", "small-db")).isEqualTo(1);
      assertThat(s.sum("lifeline_pool_acquire_duration_seconds_count", "pool", "small-db", "outcome", "timeout"))
          .isEqualTo(1);
      assertThat(s.sum("lifeline_pool_acquire_duration_seconds_sum", "pool", "small-db", "outcome", "timeout"))
          .isGreaterThanOrEqualTo(0.3);
      assertThat(s.sum("lifeline_pool_acquire_duration_seconds_count", "pool", "small-db", "outcome", "acquired"))
          .isGreaterThanOrEqualTo(2);
    }
  }

  /** Every series outside the health manager's (whose checks run on their own schedule). */
  private static Set<String> seriesKeys(Scrape s) {
    return s.series.stream().filter(x -> !x.name().startsWith("lifeline_health_"))
        .filter(x -> x.name().startsWith("lifeline_"))
        .map(x -> x.name() + x.labels()).collect(Collectors.toCollection(HashSet::new));
  }
}
