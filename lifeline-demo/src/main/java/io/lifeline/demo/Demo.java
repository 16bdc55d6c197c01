package io.lifeline.demo;

import io.lifeline.console.ConsoleApplication;
import io.lifeline.console.ConsoleOptions;
import io.lifeline.console.LifelineConsole;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.Secrets;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.http.GraphitiConfig;
import io.lifeline.http.GraphitiConnectionManager;
import io.lifeline.jdbc.DatabaseConfig;
import io.lifeline.jdbc.DatabaseConnectionManager;
import io.lifeline.jdbc.DegradedMode;
import io.lifeline.micrometer.LifelineMetrics;
import io.lifeline.neo4j.Neo4jConfig;
import io.lifeline.neo4j.Neo4jConnectionManager;
import io.lifeline.redis.RedisConfig;
import io.lifeline.redis.RedisConnectionManager;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The running demo: backends, managers, health manager, sample application and console. {@link
 * #start} never fails because a backend cannot start: that backend is reported in one line and its
 * service stays UNAVAILABLE. {@link #close()} stops the application, flushes and closes the managers
 * (the journal is fsynced on every append; close waits for the replay in progress), then stops every
 * server and deletes their temporary files. Thread-safe.
 */
public final class Demo implements AutoCloseable {
  /** How the demo is started. */
  public record Options(int port, String token, int ratePerBackend, Set<String> without, PrintStream out) {
    public Options {
      if (ratePerBackend < 1 || ratePerBackend > 1000) {
        throw new IllegalArgumentException("rate must be 1..1000 requests per second per backend");
      }
      without = Set.copyOf(without);
    }

    public Options(int port, String token, int ratePerBackend, PrintStream out) {
      this(port, token, ratePerBackend, Set.of(), out);
    }
  }

  private final Options options;
  private final Map<String, Backend> backends = new LinkedHashMap<>();
  private final List<AutoCloseable> managers = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private Path workDir;
  private ConnectionHealthManager health;
  private RedisConnectionManager redis;
  private DatabaseConnectionManager db;
  private SampleApplication app;
  private LifelineConsole console;
  private Duration startupTime;
  private ExecutorService starters;

  private Demo(Options options) {
    this.options = options;
    backends.put("redis", new RedisBackend());
    backends.put("postgres", new PostgresBackend());
    backends.put("neo4j", new Neo4jBackend());
    backends.put("graphiti", new GraphitiStub());
  }

  /** Starts everything; the dashboard is ready when this returns. */
  public static Demo start(Options options) throws IOException {
    Demo d = new Demo(options);
    try {
      d.boot();
      return d;
    } catch (IOException | RuntimeException | Error e) {
      d.close();
      throw e;
    }
  }

  private void boot() throws IOException {
    long t0 = System.nanoTime();
    PrintStream out = options.out();
    workDir = Files.createTempDirectory("lifeline-demo-");
    out.println("lifeline demo: starting backends on 127.0.0.1 (free ports)");
    starters = Executors.newFixedThreadPool(backends.size(), r -> {
      Thread t = new Thread(r, "lifeline-demo-start");
      t.setDaemon(true);
      return t;
    });
    Map<Backend, Future<Long>> started = new LinkedHashMap<>();
    for (String name : options.without()) {
      backend(name); // an unknown name is an error, not ignored
    }
    for (Backend b : backends.values()) {
      if (options.without().contains(b.name())) {
        b.failed("left out (--without)");
        out.printf(Locale.ROOT, "  %-9s not started (--without); the demo runs with it UNAVAILABLE%n", b.name());
        continue;
      }
      try {
        b.prepare();
      } catch (Exception e) {
        b.failed(Secrets.describe(e));
        out.printf(Locale.ROOT, "  %-9s FAILED to start: %s; the demo runs with it UNAVAILABLE%n", b.name(),
            Secrets.describe(e));
        continue;
      }
      started.put(b, starters.submit(() -> {
        long s = System.nanoTime();
        try {
          b.start();
        } catch (Exception | Error ex) {
          if (b.startsInBackground()) {
            report(b, 0, ex);
          }
          throw ex;
        }
        long nanos = System.nanoTime() - s;
        if (b.startsInBackground()) {
          report(b, nanos, null);
        }
        return nanos;
      }));
    }
    for (Map.Entry<Backend, Future<Long>> e : started.entrySet()) {
      Backend b = e.getKey();
      if (b.startsInBackground()) {
        out.printf(Locale.ROOT, "  %-9s starting in the background (UNAVAILABLE until it is up)%n", b.name());
        continue;
      }
      try {
        report(b, e.getValue().get(), null);
      } catch (java.util.concurrent.ExecutionException ex) {
        report(b, 0, ex.getCause());
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting backends", ex);
      }
    }
    starters.shutdown(); // background starts go on
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    LifelineMetrics.bindTo(registry);
    health = ConnectionHealthManager.builder().checkInterval(Duration.ofMillis(500))
        .checkTimeout(Duration.ofSeconds(2)).unavailableThreshold(1).recoveryThreshold(1).build();
    RetryConfig quick = RetryConfig.builder().maxRetries(1).baseDelay(Duration.ofMillis(50))
        .maxDelay(Duration.ofMillis(200)).circuitBreakerThreshold(5).circuitBreakerTimeout(Duration.ofSeconds(1))
        .build();
    redis = RedisConnectionManager.create(RedisConfig.builder().name("redis").url(backend("redis").clientAddress())
        .commandTimeout(Duration.ofMillis(500)).connectTimeout(Duration.ofMillis(500))
        .features(Set.of("caching", "sessions")).build(), health);
    managers.add(redis);
    db = DatabaseConnectionManager.create(DatabaseConfig.builder().name("postgres")
        .url(backend("postgres").clientAddress()).username(((PostgresBackend) backend("postgres")).user())
        .poolSize(4).connectTimeout(Duration.ofSeconds(1)).socketTimeout(Duration.ofSeconds(2))
        .loginTimeout(Duration.ofSeconds(1)).poolTimeout(Duration.ofSeconds(1))
        .validationTimeout(Duration.ofMillis(500)).recoveryProbeInterval(Duration.ofMillis(250))
        .retryConfig(quick).degradedMode(DegradedMode.JOURNAL).journalPath(workDir.resolve("orders.journal"))
        .build());
    managers.add(db);
    db.registerHealth(health, Set.of("orders"));
    Neo4jConnectionManager neo4j = new Neo4jConnectionManager(Neo4jConfig.builder().name("neo4j")
        .uri(backend("neo4j").clientAddress()).connectionTimeout(Duration.ofSeconds(1))
        .connectionAcquisitionTimeout(Duration.ofSeconds(1)).queryTimeout(Duration.ofSeconds(1))
        .maxConnectionPoolSize(8).retry(quick).build());
    managers.add(neo4j);
    neo4j.registerWith(health, Set.of("recommendations"));
    GraphitiConnectionManager graphiti = new GraphitiConnectionManager(GraphitiConfig.builder()
        .url(backend("graphiti").clientAddress()).requestTimeout(Duration.ofSeconds(1))
        .connectTimeout(Duration.ofSeconds(1)).retryConfig(quick).build());
    managers.add(graphiti);
    graphiti.registerWith(health, Set.of("search"));
    health.start();
    app = new SampleApplication(redis, db, neo4j, graphiti, 0);
    console = LifelineConsole.start(health, ConsoleOptions.builder().port(options.port()).token(options.token())
        .eventInterval(Duration.ofMillis(500)).metrics(registry::scrape).application(new Panel()).build());
    app.start(options.ratePerBackend());
    startupTime = Duration.ofNanos(System.nanoTime() - t0);
  }

  /** One line per backend: started (with time, address, PIDs) or failed (the demo goes on without it). */
  private void report(Backend b, long nanos, Throwable failure) {
    PrintStream out = options.out();
    if (closed.get()) {
      return; // a background start cut short by close()
    }
    if (failure != null) {
      String why = Secrets.describe(failure);
      b.failed(why);
      out.printf(Locale.ROOT, "  %-9s FAILED to start: %s; the demo runs with it UNAVAILABLE%n", b.name(), why);
      return;
    }
    String pids = b.processes().stream().map(p -> " pid " + p.pid()).reduce("", String::concat);
    out.printf(Locale.ROOT, "  %-9s started in %5.2f s  %s%s%n", b.name(), nanos / 1e9,
        Secrets.redact(b.clientAddress()) + (b instanceof GraphitiStub ? " (Graphiti demo stub)" : ""),
        pids.isEmpty() ? " (in this process)" : pids);
    out.flush();
  }

  Backend backend(String name) {
    Backend b = backends.get(name);
    if (b == null) {
      throw new IllegalArgumentException("unknown backend " + name + " (one of " + backends.keySet() + ")");
    }
    return b;
  }

  /** The backends' names. */
  public Set<String> backends() {
    return backends.keySet();
  }

  /** The dashboard's URL. */
  public URI uri() {
    return console.uri();
  }

  /** From the start of {@link #start} to the dashboard ready. */
  public Duration startupTime() {
    return startupTime;
  }

  public ConnectionHealthManager health() {
    return health;
  }

  /** Counters by backend (calls, errors, fallbacks, journaled, replays). */
  public Map<String, Map<String, Long>> counters() {
    return app.counters();
  }

  SampleApplication application() {
    return app;
  }

  DatabaseConnectionManager database() {
    return db;
  }

  /** The server processes the demo started (Redis and PostgreSQL; Neo4j and the stub are in-process). */
  public List<ProcessHandle> serverProcesses() {
    List<ProcessHandle> all = new ArrayList<>();
    for (Backend b : backends.values()) {
      for (ProcessHandle p : b.processes()) {
        all.add(p);
        p.descendants().forEach(all::add);
      }
    }
    return all;
  }

  /**
   * A chaos verb on a backend: {@code kill}, {@code stop}, {@code restart}, {@code blackhole}, {@code
   * latency [ms]}. Returns a one-line message.
   */
  public String chaos(String backend, String action, Duration latency) throws Exception {
    Backend b = backend(backend);
    switch (action) {
      case "kill":
        return b.kill();
      case "stop":
        return b.stop();
      case "restart":
      case "restore":
        return b.restart();
      case "blackhole":
        return b.blackHole();
      case "latency":
        return b.latency(latency == null ? Backend.CHAOS_LATENCY : latency);
      default:
        throw new IllegalArgumentException("unknown action " + action
            + " (kill, stop, restart, blackhole, latency)");
    }
  }

  /** The health manager's status of {@code service}, or null before its first check. */
  public ServiceStatus status(String service) {
    var s = health.status(service);
    return s == null ? null : s.status();
  }

  /**
   * What the health manager knows of {@code backend}, for a failed chaos step: its status, last
   * check and success, failures in a row, checks not started, whether a check is stuck, the last
   * error and the next check, and the manager's abandoned check threads.
   */
  String describeHealth(String backend) {
    var s = health.status(backend);
    if (s == null) {
      return "not registered";
    }
    java.time.Instant now = java.time.Instant.now();
    return "status " + s.status() + ", last check " + ago(s.lastCheck(), now) + ", last success "
        + ago(s.lastSuccess(), now) + ", " + s.consecutiveFailures() + " failure(s) in a row, " + s.totalChecks()
        + " check(s), " + s.checksNotStarted() + " not started, stuck " + s.checkStuck() + ", next check in "
        + (s.nextCheckAt() == null ? "-" : java.time.Duration.between(now, s.nextCheckAt()).toMillis() + " ms")
        + ", last error " + s.lastError() + "; manager: " + health.abandonedChecks() + " abandoned check thread(s), "
        + health.checksNotStarted() + " check(s) not started in all";
  }

  private static String ago(java.time.Instant t, java.time.Instant now) {
    return t == null ? "never" : java.time.Duration.between(t, now).toMillis() + " ms ago";
  }

  /**
   * True when {@code backend} is up and HEALTHY by a successful check since its last transition (a
   * service is HEALTHY before its first check, and a recovered one has proved itself already).
   */
  public boolean provenHealthy(String backend) {
    var s = health.status(backend);
    return backend(backend).isUp() && s != null && s.status() == ServiceStatus.HEALTHY && s.lastSuccess() != null;
  }

  /** Orders in the table, and distinct order ids: the SQL behind "no lost orders". */
  long[] ordersInTable() throws Exception {
    try (Connection c = ((PostgresBackend) backend("postgres")).admin(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT id) FROM demo_orders")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  /** Journal bytes not yet replayed. */
  long journalBytes() {
    return db.journalBytes();
  }

  long acknowledgedOrders() {
    return app.acknowledgedOrders.sum();
  }

  /** Stops everything (idempotent): application, console, managers, health, servers, temp files. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (starters != null) {
      starters.shutdownNow();
      try {
        starters.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS); // a start in progress ends first
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (app != null) {
      app.close();
    }
    if (console != null) {
      console.close();
    }
    for (int i = managers.size() - 1; i >= 0; i--) {
      try {
        managers.get(i).close();
      } catch (Exception e) {
        options.out().println("lifeline demo: closing a manager failed: " + Secrets.describe(e));
      }
    }
    if (health != null) {
      health.close();
    }
    List<Backend> reversed = new ArrayList<>(backends.values());
    java.util.Collections.reverse(reversed);
    for (Backend b : reversed) {
      try {
        b.close();
      } catch (RuntimeException e) {
        options.out().println("lifeline demo: stopping " + b.name() + " failed: " + Secrets.describe(e));
      }
    }
    if (workDir != null) {
      try (Stream<Path> files = Files.walk(workDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // temp files only
      }
    }
  }

  /** What the dashboard shows of the application, and its chaos buttons. */
  private final class Panel implements ConsoleApplication {
    @Override
    public String title() {
      return "Demo application (" + options.ratePerBackend() + " requests/s per backend)";
    }

    @Override
    public Map<String, Map<String, Long>> counters() {
      return app == null ? Map.of() : app.counters();
    }

    @Override
    public Map<String, String> breakers() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("redis", redis.guard().circuitBreaker().state().name());
      m.put("postgres", db.guard().circuitBreaker().state().name());
      for (AutoCloseable c : managers) {
        if (c instanceof Neo4jConnectionManager) {
          m.put("neo4j", ((Neo4jConnectionManager) c).guard().circuitBreaker().state().name());
        } else if (c instanceof GraphitiConnectionManager) {
          m.put("graphiti", ((GraphitiConnectionManager) c).guard().circuitBreaker().state().name());
        }
      }
      return m;
    }

    @Override
    public Map<String, List<String>> actions() {
      Map<String, List<String>> m = new LinkedHashMap<>();
      backends.keySet().forEach(n -> m.put(n, Backend.ACTIONS));
      return m;
    }

    @Override
    public String perform(String service, String action) {
      try {
        return chaos(service, action, null);
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(service + " " + action + " failed: " + Secrets.describe(e), e);
      }
    }
  }
}
