package io.lifeline.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.core.Guard;
import io.lifeline.core.RetriesExhaustedException;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.jdbc.DatabaseConnectionManager;
import io.lifeline.micrometer.LifelineMetrics;
import io.lifeline.redis.RedisConfig;
import io.lifeline.redis.RedisConnectionManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Every condition of the auto-configuration, in plain application contexts (no server needed). */
class LifelineAutoConfigurationTest {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LifelineAutoConfiguration.class, LifelineRedisAutoConfiguration.class,
          LifelineDatabaseAutoConfiguration.class, LifelineNeo4jAutoConfiguration.class,
          LifelineHttpAutoConfiguration.class, LifelineHealthContributorAutoConfiguration.class,
          LifelineMetricsAutoConfiguration.class, LifelineGuardedAutoConfiguration.class,
          LifelineConsoleAutoConfiguration.class));

  @Test
  void defaultsGiveTheHealthManagerAndGuardsButNoManagerThatIsNotConfigured() {
    runner.run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(ConnectionHealthManager.class).hasSingleBean(LifelineGuards.class)
          .hasSingleBean(LifelineLifecycle.class).hasBean("lifelineHealthContributor")
          .doesNotHaveBean(RedisConnectionManager.class).doesNotHaveBean(DatabaseConnectionManager.class)
          .doesNotHaveBean(LifelineMetrics.class) // no MeterRegistry
          .doesNotHaveBean(io.lifeline.console.LifelineConsole.class) // off by default
          .doesNotHaveBean("readinessStateHealthIndicator"); // no critical features: Boot's own stays
      assertThat(ctx.getBean(RetryConfig.class)).isEqualTo(RetryConfig.defaults());
    });
  }

  @Test
  void lifelineEnabledFalseTurnsEverythingOff() {
    runner.withPropertyValues("lifeline.enabled=false", "spring.data.redis.host=localhost")
        .withBean(SimpleMeterRegistry.class)
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(ConnectionHealthManager.class)
            .doesNotHaveBean(LifelineGuards.class).doesNotHaveBean(RedisConnectionManager.class)
            .doesNotHaveBean(LifelineMetrics.class).doesNotHaveBean("lifelineHealthContributor"));
  }

  @Test
  void redisFallsBackToBootsSpringDataRedisProperties() {
    runner.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=6390",
            "spring.data.redis.database=2", "spring.data.redis.password=s3cr3t-pw", "lifeline.redis.retry.max-retries=1")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(RedisConnectionManager.class);
          RedisConfig config = ctx.getBean(RedisConfig.class);
          assertThat(config.url()).contains("127.0.0.1:6390").endsWith("/2").doesNotContain("s3cr3t-pw");
          assertThat(config.password()).isEqualTo("s3cr3t-pw");
          assertThat(config.retryConfig().maxRetries()).isEqualTo(1);
          assertThat(config.toString()).doesNotContain("s3cr3t-pw");
          assertThat(ctx.getBean(ConnectionHealthManager.class).services()).contains(config.name());
        });
  }

  @Test
  void lifelinePropertiesWinOverBootsAndRedisCanBeTurnedOff() {
    runner.withPropertyValues("spring.data.redis.host=10.0.0.1", "lifeline.redis.url=redis://127.0.0.1:6391/0",
            "lifeline.redis.name=cache", "lifeline.redis.features=caching,orders")
        .run(ctx -> {
          RedisConfig config = ctx.getBean(RedisConfig.class);
          assertThat(config.url()).contains("127.0.0.1:6391");
          assertThat(config.name()).isEqualTo("cache");
          assertThat(config.features()).containsExactlyInAnyOrder("caching", "orders");
        });
    runner.withPropertyValues("spring.data.redis.host=localhost", "lifeline.redis.enabled=false")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(RedisConnectionManager.class));
  }

  @Test
  void redisNeedsItsDriverOnTheClassPath() {
    runner.withPropertyValues("spring.data.redis.host=localhost")
        .withClassLoader(new FilteredClassLoader(RedisConnectionManager.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(RedisConnectionManager.class)
            .hasSingleBean(ConnectionHealthManager.class));
  }

  @Test
  void usersBeansReplaceLifelines() {
    runner.withPropertyValues("spring.data.redis.host=localhost")
        .withUserConfiguration(UserBeans.class)
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          assertThat(ctx.getBean(ConnectionHealthManager.class)).isSameAs(UserBeans.HEALTH);
          assertThat(ctx.getBean(RetryConfig.class).maxRetries()).isEqualTo(7);
          assertThat(ctx.getBean(RedisConfig.class).name()).isEqualTo("users-redis");
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class UserBeans {
    static final ConnectionHealthManager HEALTH = ConnectionHealthManager.builder().build();

    @Bean
    ConnectionHealthManager myHealth() {
      return HEALTH;
    }

    @Bean
    RetryConfig myRetry() {
      return RetryConfig.builder().maxRetries(7).build();
    }

    @Bean
    RedisConfig myRedis() {
      return RedisConfig.builder().name("users-redis").url("redis://127.0.0.1:6392/0").build();
    }
  }

  @Test
  void theDatabaseManagerWrapsTheApplicationsDataSourceOnlyWhenThereIsOne() {
    runner.run(ctx -> assertThat(ctx).doesNotHaveBean(DatabaseConnectionManager.class));
    runner.withBean(DataSource.class, () -> {
          PGSimpleDataSource ds = new PGSimpleDataSource();
          ds.setUrl("jdbc:postgresql://127.0.0.1:1/app");
          return ds;
        })
        .withPropertyValues("lifeline.database.degraded-mode=fail_fast", "lifeline.database.name=orders-db")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(DatabaseConnectionManager.class);
          DatabaseConnectionManager db = ctx.getBean(DatabaseConnectionManager.class);
          assertThat(db.name()).isEqualTo("orders-db");
          assertThat(db.config().url()).startsWith("jdbc:postgresql://127.0.0.1:1/app"); // from the DataSource
          assertThat(ctx.getBean(ConnectionHealthManager.class).services()).contains("orders-db");
        });
    runner.withBean(DataSource.class, PGSimpleDataSource::new)
        .withClassLoader(new FilteredClassLoader(DatabaseConnectionManager.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(DatabaseConnectionManager.class));
  }

  @Test
  void neo4jFallsBackToBootsSpringNeo4jPropertiesAndNeedsItsDriver() {
    runner.run(ctx -> assertThat(ctx).doesNotHaveBean(io.lifeline.neo4j.Neo4jConnectionManager.class));
    runner.withPropertyValues("spring.neo4j.uri=bolt://127.0.0.1:7699", "spring.neo4j.authentication.username=graph",
            "spring.neo4j.authentication.password=n30-secret", "lifeline.neo4j.features=recommendations")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(io.lifeline.neo4j.Neo4jConnectionManager.class);
          io.lifeline.neo4j.Neo4jConfig config = ctx.getBean(io.lifeline.neo4j.Neo4jConfig.class);
          assertThat(config.uri()).isEqualTo("bolt://127.0.0.1:7699");
          assertThat(config.user()).isEqualTo("graph");
          assertThat(config.toString()).doesNotContain("n30-secret");
          assertThat(ctx.getBean(ConnectionHealthManager.class).servicesBacking("recommendations"))
              .containsExactly(config.name());
        });
    runner.withPropertyValues("spring.neo4j.uri=bolt://127.0.0.1:7699")
        .withClassLoader(new FilteredClassLoader(io.lifeline.neo4j.Neo4jConnectionManager.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(io.lifeline.neo4j.Neo4jConnectionManager.class));
    runner.withPropertyValues("spring.neo4j.uri=bolt://127.0.0.1:7699", "lifeline.neo4j.enabled=false")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(io.lifeline.neo4j.Neo4jConnectionManager.class));
  }

  @Test
  void httpServicesComeFromLifelineHttpProperties() throws Exception {
    com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      byte[] body = "{\"ok\":true}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    try {
      runner.withPropertyValues("lifeline.http.search.base-url=http://127.0.0.1:" + server.getAddress().getPort(),
              "lifeline.http.search.bearer-token=t0ken-secret", "lifeline.http.search.features=search")
          .run(ctx -> {
            assertThat(ctx).hasNotFailed();
            LifelineHttpServices http = ctx.getBean(LifelineHttpServices.class);
            assertThat(http.names()).containsExactly("search");
            assertThat(http.get("search").request("GET", "/q").statusCode()).isEqualTo(200);
            assertThat(ctx.getBean(ConnectionHealthManager.class).servicesBacking("search")).containsExactly("search");
            assertThat(http.get("search").toString()).doesNotContain("t0ken-secret");
          });
    } finally {
      server.stop(0);
    }
    runner.withPropertyValues("lifeline.http.broken.request-timeout=1s").run(ctx -> {
      assertThat(ctx).hasFailed();
      FailureAnalysis a = analysisOf(ctx.getStartupFailure());
      assertThat(a).isNotNull();
      assertThat(a.getDescription()).contains("lifeline.http.broken.base-url");
    });
  }

  @Test
  void healthContributorNeedsActuatorHealthOnTheClassPath() {
    runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("lifelineHealthContributor"));
  }

  @Test
  void criticalFeaturesReplaceBootsReadinessIndicator() {
    runner.withBean(org.springframework.boot.availability.ApplicationAvailabilityBean.class)
        .withPropertyValues("lifeline.health.critical-features=orders")
        .run(ctx -> assertThat(ctx.getBean("readinessStateHealthIndicator")).isInstanceOf(LifelineReadinessIndicator.class));
  }

  @Test
  void metricsAreBoundToTheApplicationsMeterRegistry() {
    runner.withBean(SimpleMeterRegistry.class).run(ctx -> {
      assertThat(ctx).hasSingleBean(LifelineMetrics.class);
      assertThat(ctx.getBean(LifelineMetrics.class).registry()).isSameAs(ctx.getBean(MeterRegistry.class));
    });
    runner.withBean(SimpleMeterRegistry.class).withClassLoader(new FilteredClassLoader(LifelineMetrics.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(LifelineMetrics.class));
  }

  @Test
  void consoleStartsOnlyWhenEnabled() {
    runner.withPropertyValues("lifeline.console.enabled=true", "lifeline.console.port=0").run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(io.lifeline.console.LifelineConsole.class);
      assertThat(ctx.getBean(io.lifeline.console.LifelineConsole.class).port()).isPositive();
    });
  }

  // ------------------------------------------------------------------------------ failure analysis

  private static FailureAnalysis analysisOf(Throwable failure) {
    return new LifelineFailureAnalyzer().analyze(failure);
  }

  @Test
  void aBadValueFailsStartUpNamingThePropertyTheValueAndWhatIsAllowed() {
    runner.withPropertyValues("lifeline.retry.max-retries=-3").run(ctx -> {
      assertThat(ctx).hasFailed();
      FailureAnalysis a = analysisOf(ctx.getStartupFailure());
      assertThat(a).isNotNull();
      assertThat(a.getDescription()).contains("lifeline.retry.max-retries").contains("-3").contains("must be");
    });
    runner.withPropertyValues("spring.data.redis.host=localhost", "lifeline.redis.reconciliation=sometimes").run(ctx -> {
      FailureAnalysis a = analysisOf(ctx.getStartupFailure());
      assertThat(a.getDescription()).contains("lifeline.redis.reconciliation").contains("sometimes")
          .contains("INVALIDATE or WRITE_BACK");
    });
  }

  @Test
  void aRejectedSecretIsMasked() {
    runner.withPropertyValues("lifeline.redis.url=redis://:hunter2-secret@localhost:99999/0").run(ctx -> {
      assertThat(ctx).hasFailed();
      FailureAnalysis a = analysisOf(ctx.getStartupFailure());
      assertThat(a).isNotNull();
      assertThat(a.getDescription()).contains("lifeline.redis.url").doesNotContain("hunter2-secret");
      assertThat(a.getAction()).doesNotContain("hunter2-secret");
    });
  }

  // ----------------------------------------------------------------------------------- @Guarded

  @Test
  void guardedMethodsRunThroughTheNamedGuardWithOneRetryLayer() {
    runner.withUserConfiguration(GuardedBeans.class)
        .withPropertyValues("lifeline.retry.max-retries=5", "lifeline.retry.base-delay=1ms", "lifeline.retry.max-delay=2ms",
            "lifeline.guards.flaky.max-retries=2", "lifeline.guards.slow.timeout=200ms")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          Service s = ctx.getBean(Service.class);
          // a plain failure is retried by the Guard: 1 + 2 attempts (lifeline.guards.flaky.max-retries=2)
          assertThat(s.flaky()).isEqualTo("ok after 3");
          // a Lifeline exception from inside (a manager's own Guard gave up) is not retried again
          Service.inner.set(0);
          Service.outer.set(0);
          org.assertj.core.api.Assertions.assertThatThrownBy(s::callsAManager)
              .isInstanceOf(RetriesExhaustedException.class);
          assertThat(Service.outer.get()).isEqualTo(1);
          assertThat(Service.inner.get()).isEqualTo(6); // the inner Guard's own 1 + 5 attempts, not 6 x 6
          // lifeline.guards.slow.timeout bounds the whole call: a hung backend gives a typed timeout
          long start = System.nanoTime();
          org.assertj.core.api.Assertions.assertThatThrownBy(s::hangs)
              .isInstanceOf(io.lifeline.core.CallTimeoutException.class);
          assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
          // fallback with the failure
          assertThat(s.withFallback("x")).startsWith("fallback x: ");
          assertThat(ctx.getBean(LifelineGuards.class).guard("flaky").metrics().totalRetries()).isPositive();
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class GuardedBeans {
    @Bean
    Service service(LifelineGuards guards) {
      return new Service(guards.guard("manager-inside"));
    }
  }

  static class Service {
    // static: the bean is a CGLIB proxy, whose own fields are not the target's
    static final AtomicInteger attempts = new AtomicInteger();
    static final AtomicInteger outer = new AtomicInteger();
    static final AtomicInteger inner = new AtomicInteger();
    private final Guard managerGuard;

    Service(Guard managerGuard) {
      this.managerGuard = managerGuard;
    }

    Service() {
      this(null);
    }

    @Guarded("flaky")
    public String flaky() throws IOException {
      int n = attempts.incrementAndGet();
      if (n < 3) {
        throw new IOException("connection reset " + n);
      }
      return "ok after " + n;
    }

    @Guarded("outer")
    public String callsAManager() {
      outer.incrementAndGet();
      return managerGuard.call(() -> {
        inner.incrementAndGet();
        throw new IOException("backend down");
      });
    }

    @Guarded("slow")
    public String hangs() throws InterruptedException {
      new java.util.concurrent.CountDownLatch(1).await(); // a backend that never answers
      return "never";
    }

    @Guarded(value = "always-down", fallbackMethod = "fallback")
    public String withFallback(String key) throws IOException {
      throw new IOException("down");
    }

    String fallback(String key, Throwable failure) {
      return "fallback " + key + ": " + failure.getClass().getSimpleName();
    }
  }

  /**
   * JVM-wide daemon pools of lifeline-core shared by every Guard in the process, not owned by a
   * context: the event and retry pools' threads end after 10 s idle, the watchdog is one per JVM.
   */
  private static boolean ownedByAContext(String thread) {
    return !(thread.startsWith("lifeline-events-") || thread.startsWith("lifeline-watchdog")
        || thread.startsWith("lifeline-scheduler-") || thread.startsWith("lifeline-retry-"));
  }

  /** Where each thread is, for the failure message: a leak is diagnosed by what the thread waits on. */
  private static String stacks(java.util.List<Thread> threads) {
    StringBuilder b = new StringBuilder("threads left after close:");
    for (Thread t : threads) {
      b.append("\n").append(t.getName()).append(" (").append(t.getState()).append(")");
      for (StackTraceElement e : t.getStackTrace()) {
        b.append("\n    at ").append(e);
      }
    }
    return b.toString();
  }

  private static java.util.Set<Thread> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .collect(java.util.stream.Collectors.toSet());
  }

  @Test
  void closingTheContextLeavesNoLifelineThreadBehind() {
    java.util.Set<Thread> before = liveThreads();
    java.util.Set<Thread> during = java.util.concurrent.ConcurrentHashMap.newKeySet();
    runner.withPropertyValues("spring.data.redis.url=redis://127.0.0.1:1/0", "lifeline.health.check-interval=50ms")
        .withBean(DataSource.class, () -> {
          PGSimpleDataSource ds = new PGSimpleDataSource();
          ds.setUrl("jdbc:postgresql://127.0.0.1:1/app");
          return ds;
        })
        .run(ctx -> {
          ctx.getBean(LifelineLifecycle.class).start();
          assertThat(ctx.getBean(ConnectionHealthManager.class).isRunning()).isTrue();
          // the managers' own threads exist while the context runs (the Redis manager's Lettuce
          // threads start with its first connect attempt)
          org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
              assertThat(liveThreads().stream().map(Thread::getName).filter(n -> n.contains("lettuce"))
                  .filter(n -> !before.stream().map(Thread::getName).toList().contains(n)).toList()).isNotEmpty());
          during.addAll(liveThreads());
        });
    during.removeAll(before);
    assertThat(during.stream().map(Thread::getName).filter(n -> n.startsWith("lifeline-"))
        .filter(LifelineAutoConfigurationTest::ownedByAContext).toList()).isNotEmpty();
    // threads this context started (seen while it ran, absent before) must end; a thread another
    // context still open in this JVM starts meanwhile is not this context's leak
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      java.util.List<Thread> left = liveThreads().stream().filter(during::contains)
          .filter(t -> t.getName().startsWith("lifeline-") || t.getName().contains("lettuce")
              || t.getName().contains("nioEventLoop") || t.getName().contains("epoll")
              || t.getName().startsWith("HikariPool"))
          .filter(t -> ownedByAContext(t.getName())).toList();
      assertThat(left).as(() -> stacks(left)).isEmpty();
    });
  }
}
