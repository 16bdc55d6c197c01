package io.lifeline.neo4j;

import io.lifeline.core.ConnectionMetrics;
import io.lifeline.core.ConnectionState;
import io.lifeline.core.ConnectionStateListener;
import io.lifeline.core.ConnectionStateTracker;
import io.lifeline.core.ErrorClassifier;
import io.lifeline.core.FailureLog;
import io.lifeline.core.Guard;
import io.lifeline.core.Lifeline;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.Urls;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthCheck;
import io.lifeline.core.health.ServiceType;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.AuthToken;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Logging;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Transaction;
import org.neo4j.driver.TransactionCallback;
import org.neo4j.driver.async.AsyncSession;
import org.neo4j.driver.async.AsyncTransaction;
import org.neo4j.driver.summary.ResultSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resilient access to Neo4j through the official Java driver: queries with one retry layer, a
 * circuit breaker, per-attempt timeouts, typed errors, connection state callbacks, metrics and a
 * health check (design document 000's {@code Neo4jConnectionManager}).
 *
 * <pre>{@code
 * Neo4jConnectionManager neo4j = Neo4jConnectionManager.global();          // NEO4J_* environment
 * List<Map<String, Object>> rows = neo4j.executeQuery(
 *     "MATCH (n:Person) WHERE n.age > $age RETURN n.name AS name", Map.of("age", 25));
 * try (Neo4jSession session = neo4j.session()) {
 *   session.run("CREATE (n:Person {name: $name})", Map.of("name", "Alice"));
 * }
 * }</pre>
 *
 * <h2>One retry layer</h2>
 *
 * Every call runs under a {@link Guard} (retry with backoff and budget, circuit breaker, attempt
 * timeout = {@link Neo4jConfig#queryTimeout()}), and the driver's own transaction retries are off
 * ({@code maxTransactionRetryTime = 0}; Lifeline drives explicit transactions itself). So a call
 * makes at most {@code maxRetries + 1} attempts, never {@code (maxRetries + 1)} times the driver's.
 * Errors are classified by {@link Neo4jErrors}.
 *
 * <h2>Reads, writes and commit-time failures</h2>
 *
 * Each call is one transaction on a new session (sessions are cheap; connections are pooled by the
 * driver). {@link #executeRead} runs with {@link AccessMode#READ} (routed to readers on a cluster)
 * and is retried on any retriable error. {@link #executeWrite} and {@link #executeQuery} run with
 * {@link AccessMode#WRITE} and are retried on failures before the commit (the server rolls back a
 * transaction whose connection closed); if the connection fails <em>during</em> the commit, the
 * outcome is unknown and the call fails with {@link TransactionOutcomeUnknownException}, unless the
 * write is marked {@link Idempotency#IDEMPOTENT}.
 *
 * <h2>Errors</h2>
 *
 * <ul>
 *   <li>{@link io.lifeline.core.RetriesExhaustedException}, {@link io.lifeline.core.CircuitOpenException},
 *       {@link TransactionOutcomeUnknownException} and other {@link ServiceUnavailableException}s:
 *       Neo4j could not serve the call (the driver's error is the cause);
 *   <li>the driver's {@code ClientException} (syntax, constraint) and {@code SecurityException}
 *       (wrong password) unchanged: the caller's error, not retried, not counted by the breaker;
 *   <li>{@link IllegalStateException}: the manager is closed.
 * </ul>
 *
 * <h2>State and metrics</h2>
 *
 * {@link #connect()} moves the state DISCONNECTED/FAILED → CONNECTING → CONNECTED or FAILED; a call
 * that fails with a {@link ServiceUnavailableException} or an authentication error moves it to
 * FAILED, the next successful call back to CONNECTED; {@link #close()} to CLOSED. Listeners are
 * notified once per change, in order, off the caller's thread. {@link #metrics()} counts attempts.
 *
 * <p>Thread-safe; share one manager per database (see {@link #global()}). The success path takes no
 * lock. With the default {@code queryTimeout}, each sync attempt schedules one timer task.
 */
public final class Neo4jConnectionManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Neo4jConnectionManager.class);
  private final Neo4jConfig config;
  private final String name;
  private final Driver driver;
  private final ConnectionMetrics metrics = new ConnectionMetrics();
  private final Neo4jMeters meters;
  private final Guard guard;
  private final ConnectionStateTracker state;
  private final SessionConfig readSession;
  private final SessionConfig writeSession;
  private final SessionConfig healthSession;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile ConnectionHealthManager health;
  /** A Neo4j that keeps failing is a WARN (rate-limited), not silence: calls fail on demand only. */
  private final FailureLog failures;

  /** A manager configured from the environment ({@link Neo4jConfig#fromEnv()}). */
  public Neo4jConnectionManager() {
    this(Neo4jConfig.fromEnv());
  }

  /**
   * A manager for {@code config}. Creates the driver (no network I/O yet); the first call or {@link
   * #connect()} opens a connection.
   */
  public Neo4jConnectionManager(Neo4jConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    this.name = config.name();
    this.state = new ConnectionStateTracker(name);
    this.failures = new FailureLog(LOG, "Neo4j '" + name + "'");
    this.driver = GraphDatabase.driver(config.uri(), authToken(config), driverConfig(config));
    this.guard = Guard.builder(name)
        .retryConfig(config.retry())
        .classifier(Neo4jErrors.classifier())
        .metrics(metrics)
        .attemptTimeout(config.queryTimeout())
        .backend("neo4j")
        .instrument(false) // described (and unregistered on close) with this manager's meters
        .build();
    this.meters = new Neo4jMeters(this);
    SessionConfig.Builder read = SessionConfig.builder().withDefaultAccessMode(AccessMode.READ)
        .withBookmarkManager(driver.executableQueryBookmarkManager());
    SessionConfig.Builder write = SessionConfig.builder().withDefaultAccessMode(AccessMode.WRITE)
        .withBookmarkManager(driver.executableQueryBookmarkManager());
    SessionConfig.Builder check = SessionConfig.builder().withDefaultAccessMode(AccessMode.READ);
    if (config.database() != null) {
      read.withDatabase(config.database());
      write.withDatabase(config.database());
      check.withDatabase(config.database());
    }
    this.readSession = read.build();
    this.writeSession = write.build();
    this.healthSession = check.build();
  }

  private static AuthToken authToken(Neo4jConfig c) {
    return c.hasPassword() ? AuthTokens.basic(c.user(), c.password()) : AuthTokens.none();
  }

  private static Config driverConfig(Neo4jConfig c) {
    return Config.builder()
        .withMaxConnectionLifetime(c.maxConnectionLifetime().toMillis(), TimeUnit.MILLISECONDS)
        .withMaxConnectionPoolSize(c.maxConnectionPoolSize())
        .withConnectionAcquisitionTimeout(c.connectionAcquisitionTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .withConnectionTimeout(c.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .withConnectionLivenessCheckTimeout(c.livenessCheckTimeout().toMillis(), TimeUnit.MILLISECONDS)
        // One retry layer: the Guard retries; the driver's transaction functions must not.
        .withMaxTransactionRetryTime(0, TimeUnit.MILLISECONDS)
        .withLogging(Logging.slf4j())
        .build();
  }

  // ----------------------------------------------------------------------------------- connect

  /**
   * Verifies that Neo4j answers (under the guard: retried per the {@link Neo4jConfig#retry()}
   * settings): state CONNECTING, then CONNECTED, or FAILED and the error thrown. Records the time it
   * took as {@code connectionDuration}. Optional: queries connect on demand.
   */
  public void connect() {
    ensureOpen();
    state.transitionTo(ConnectionState.CONNECTING);
    long t0 = System.nanoTime();
    try {
      guard.run(driver::verifyConnectivity);
    } catch (RuntimeException e) {
      throw failed(e);
    } catch (Error e) {
      throw unusable(e);
    }
    metrics.recordConnectionDuration(Duration.ofNanos(System.nanoTime() - t0));
    succeeded();
  }

  /** The current connection state. */
  public ConnectionState state() {
    return state.current();
  }

  /** Adds a listener of the new state (design document: {@code add_state_callback}). */
  public ConnectionStateListener addStateListener(Consumer<ConnectionState> listener) {
    return state.addStateListener(listener);
  }

  /** Adds a listener of (previous, current) state. */
  public void addStateChangeListener(ConnectionStateListener listener) {
    state.addStateListener(listener);
  }

  public void removeStateListener(ConnectionStateListener listener) {
    state.removeStateListener(listener);
  }

  // ----------------------------------------------------------------------------------- queries

  /** {@link #executeQuery(String, Map)} without parameters. */
  public List<Map<String, Object>> executeQuery(String cypher) {
    return executeQuery(cypher, Map.of());
  }

  /**
   * Runs {@code cypher} in a write transaction and returns its records as maps (column → value).
   * Retried on failures before the commit; a connection failure during the commit throws {@link
   * TransactionOutcomeUnknownException}. Prefer {@link #executeRead} for reads (retried throughout,
   * routed to readers).
   */
  public List<Map<String, Object>> executeQuery(String cypher, Map<String, ?> params) {
    return executeWrite(cypher, params, Idempotency.NOT_IDEMPOTENT);
  }

  /** Runs {@code cypher} in a read transaction ({@link AccessMode#READ}); retried on any retriable error. */
  public List<Map<String, Object>> executeRead(String cypher, Map<String, ?> params) {
    Objects.requireNonNull(cypher, "cypher");
    Map<String, Object> p = params(params);
    return transaction(readSession, true, tx -> tx.run(cypher, p).list(Record::asMap));
  }

  /** {@link #executeWrite(String, Map, Idempotency)} for a write that is not idempotent. */
  public List<Map<String, Object>> executeWrite(String cypher, Map<String, ?> params) {
    return executeWrite(cypher, params, Idempotency.NOT_IDEMPOTENT);
  }

  /**
   * Runs {@code cypher} in a write transaction ({@link AccessMode#WRITE}). See the class
   * documentation for what {@code idempotency} changes.
   */
  public List<Map<String, Object>> executeWrite(String cypher, Map<String, ?> params, Idempotency idempotency) {
    Objects.requireNonNull(cypher, "cypher");
    Map<String, Object> p = params(params);
    return transaction(writeSession, idempotency == Idempotency.IDEMPOTENT,
        tx -> tx.run(cypher, p).list(Record::asMap));
  }

  /**
   * Runs {@code work} in a read transaction, retried as a whole on retriable errors (so it may run
   * more than once: keep side effects out of it). Consume results inside {@code work}.
   */
  public <T> T readTransaction(TransactionCallback<T> work) {
    Objects.requireNonNull(work, "work");
    return transaction(readSession, true, tx -> work.execute(new TxContext(tx)));
  }

  /** {@link #writeTransaction(TransactionCallback, Idempotency)} for a write that is not idempotent. */
  public <T> T writeTransaction(TransactionCallback<T> work) {
    return writeTransaction(work, Idempotency.NOT_IDEMPOTENT);
  }

  /**
   * Runs {@code work} in a write transaction, retried as a whole on failures before the commit (so it
   * may run more than once) and, if {@code idempotency} is {@link Idempotency#IDEMPOTENT}, also after
   * a commit-time connection failure.
   */
  public <T> T writeTransaction(TransactionCallback<T> work, Idempotency idempotency) {
    Objects.requireNonNull(work, "work");
    return transaction(writeSession, idempotency == Idempotency.IDEMPOTENT,
        tx -> work.execute(new TxContext(tx)));
  }

  /**
   * A session for several queries in a row (try-with-resources). Its queries run in {@code WRITE}
   * mode, chained by bookmarks (each sees the previous one's writes).
   */
  public Neo4jSession session() {
    return session(AccessMode.WRITE);
  }

  /** A session whose {@code run} uses {@code mode}. */
  public Neo4jSession session(AccessMode mode) {
    ensureOpen();
    SessionConfig.Builder b = SessionConfig.builder().withDefaultAccessMode(mode);
    if (config.database() != null) {
      b.withDatabase(config.database());
    }
    return new Neo4jSession(this, driver.session(b.build()), mode);
  }

  // ------------------------------------------------------------------------------------- async

  /** {@link #executeQueryAsync(String, Map)} without parameters. */
  public CompletableFuture<List<Map<String, Object>>> executeQueryAsync(String cypher) {
    return executeQueryAsync(cypher, Map.of());
  }

  /**
   * {@link #executeQuery(String, Map)} on the driver's async API: no thread waits for Neo4j, and
   * retries are scheduled, never slept. The future fails with the same exceptions.
   */
  public CompletableFuture<List<Map<String, Object>>> executeQueryAsync(String cypher, Map<String, ?> params) {
    return executeWriteAsync(cypher, params, Idempotency.NOT_IDEMPOTENT);
  }

  /** {@link #executeRead} on the driver's async API. */
  public CompletableFuture<List<Map<String, Object>>> executeReadAsync(String cypher, Map<String, ?> params) {
    Objects.requireNonNull(cypher, "cypher");
    Map<String, Object> p = params(params);
    return transactionAsync(() -> driver.session(AsyncSession.class, readSession), true, true,
        tx -> tx.runAsync(cypher, p).thenCompose(c -> c.listAsync(Record::asMap)));
  }

  /** {@link #executeWrite(String, Map, Idempotency)} on the driver's async API. */
  public CompletableFuture<List<Map<String, Object>>> executeWriteAsync(
      String cypher, Map<String, ?> params, Idempotency idempotency) {
    Objects.requireNonNull(cypher, "cypher");
    Map<String, Object> p = params(params);
    return transactionAsync(() -> driver.session(AsyncSession.class, writeSession),
        true, idempotency == Idempotency.IDEMPOTENT,
        tx -> tx.runAsync(cypher, p).thenCompose(c -> c.listAsync(Record::asMap)));
  }

  /** An async session (design document: {@code async_session}); close it with {@link Neo4jAsyncSession#closeAsync()}. */
  public Neo4jAsyncSession asyncSession() {
    return asyncSession(AccessMode.WRITE);
  }

  /** An async session whose {@code runAsync} uses {@code mode}. */
  public Neo4jAsyncSession asyncSession(AccessMode mode) {
    ensureOpen();
    SessionConfig.Builder b = SessionConfig.builder().withDefaultAccessMode(mode);
    if (config.database() != null) {
      b.withDatabase(config.database());
    }
    return new Neo4jAsyncSession(this, driver.session(AsyncSession.class, b.build()), mode);
  }

  // ------------------------------------------------------------------------------- health, misc

  /**
   * A health check: {@code RETURN 1} in a read session, straight to the driver (no retry, no breaker:
   * the health manager keeps its own rhythm). UP with details {@code address}, {@code version} (e.g.
   * {@code Neo4j/5.26.0}), {@code protocol} and {@code database}; a thrown error means DOWN.
   */
  public HealthCheck healthCheck() {
    return () -> {
      ensureOpen();
      try (Session s = driver.session(healthSession)) {
        Result r = s.run("RETURN 1 AS ok");
        int ok = r.single().get("ok").asInt();
        ResultSummary summary = r.consume();
        if (ok != 1) {
          return CheckResult.down("RETURN 1 returned " + ok);
        }
        Map<String, Object> details = new HashMap<>();
        details.put("address", summary.server().address());
        details.put("version", summary.server().agent());
        details.put("protocol", summary.server().protocolVersion());
        details.put("database", summary.database() == null || summary.database().name() == null
            ? "default" : summary.database().name());
        return CheckResult.up(details);
      }
    };
  }

  /**
   * Registers {@link #healthCheck()} with {@code health} under this manager's name as {@link
   * ServiceType#NEO4J} for {@code features}; from then on, calls that fail with a {@link
   * ServiceUnavailableException} are reported to it at once ({@link
   * ConnectionHealthManager#reportFailure}), as is the first success after such a failure.
   */
  public Neo4jConnectionManager registerWith(ConnectionHealthManager health, Set<String> features) {
    Objects.requireNonNull(health, "health");
    health.register(name, ServiceType.NEO4J, healthCheck(), features);
    this.health = health;
    return this;
  }

  /** Counters of attempts (design document: total/successful/failed, success rate, retries, last error, connection duration). */
  public ConnectionMetrics.Snapshot metrics() {
    return metrics.snapshot();
  }

  /** The guard every call goes through (its circuit breaker, retry budget, configuration). */
  public Guard guard() {
    return guard;
  }

  public Neo4jConfig config() {
    return config;
  }

  public String name() {
    return name;
  }

  public boolean isClosed() {
    return closed.get();
  }

  /** Closes the driver and its connections (idempotent); state CLOSED. Unregisters the health check. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      meters.close();
      state.transitionTo(ConnectionState.CLOSED);
      ConnectionHealthManager h = health;
      if (h != null) {
        h.unregister(name);
      }
      driver.close();
    }
  }

  /** {@link #close()} without blocking; the future completes when the driver is closed. */
  public CompletableFuture<Void> closeAsync() {
    if (closed.compareAndSet(false, true)) {
      state.transitionTo(ConnectionState.CLOSED);
      ConnectionHealthManager h = health;
      if (h != null) {
        h.unregister(name);
      }
      return driver.closeAsync().toCompletableFuture();
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public String toString() {
    return "Neo4jConnectionManager[" + name + ", " + Urls.sanitize(config.uri()) + ", " + state.current() + "]";
  }

  // ----------------------------------------------------------------------------------- global

  private static final AtomicReference<Neo4jConnectionManager> GLOBAL = new AtomicReference<>();
  private static volatile Lifeline.Registration globalRegistration;

  /**
   * The process-wide manager (design document: {@code get_neo4j_connection()}), created from the
   * environment on first use and registered with {@link Lifeline#closeAll()}.
   */
  public static Neo4jConnectionManager global() {
    Neo4jConnectionManager m = GLOBAL.get();
    return m != null ? m : initializeGlobal(Neo4jConfig.fromEnv());
  }

  /**
   * Creates the process-wide manager from {@code config} if there is none yet and registers it with
   * {@link Lifeline}; returns the one in place otherwise (idempotent, thread-safe).
   */
  public static Neo4jConnectionManager initializeGlobal(Neo4jConfig config) {
    for (;;) {
      Neo4jConnectionManager m = GLOBAL.get();
      if (m != null) {
        return m;
      }
      Neo4jConnectionManager created = new Neo4jConnectionManager(config);
      if (GLOBAL.compareAndSet(null, created)) {
        globalRegistration = Lifeline.register(config.name(), Neo4jConnectionManager::shutdownGlobal);
        return created;
      }
      created.close();
    }
  }

  /** Closes the process-wide manager, if any, and unregisters it (idempotent). */
  public static void shutdownGlobal() {
    Neo4jConnectionManager m = GLOBAL.getAndSet(null);
    if (m != null) {
      Lifeline.Registration r = globalRegistration;
      if (r != null) {
        r.unregister();
      }
      m.close();
    }
  }

  // --------------------------------------------------------------------------------- internals

  /** Work inside a transaction Lifeline manages. */
  @FunctionalInterface
  interface Work<T> {
    T run(Transaction tx);
  }

  /** Async work inside a transaction Lifeline manages. */
  @FunctionalInterface
  interface AsyncWork<T> {
    CompletionStage<T> run(AsyncTransaction tx);
  }

  /** A new async session in WRITE mode (for tests of the async transaction path). */
  AsyncSession newWriteAsyncSession() {
    return driver.session(AsyncSession.class, writeSession);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> params(Map<String, ?> params) {
    return params == null ? Map.of() : (Map<String, Object>) params;
  }

  void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("Neo4j manager '" + name + "' is closed");
    }
  }

  /** One guarded transaction on a new session. */
  private <T> T transaction(SessionConfig sessionConfig, boolean retryCommit, Work<T> work) {
    ensureOpen();
    try {
      T result = guard.call(() -> {
        try (Session session = driver.session(sessionConfig)) {
          return inTransaction(session, retryCommit, work);
        }
      });
      succeeded();
      return result;
    } catch (RuntimeException e) {
      throw failed(e);
    } catch (Error e) {
      throw unusable(e);
    }
  }

  /** One guarded transaction on {@code session} (a {@link Neo4jSession}'s). */
  <T> T transaction(Session session, boolean retryCommit, Work<T> work) {
    ensureOpen();
    try {
      T result = guard.call(() -> inTransaction(session, retryCommit, work));
      succeeded();
      return result;
    } catch (RuntimeException e) {
      throw failed(e);
    } catch (Error e) {
      throw unusable(e);
    }
  }

  /** One attempt: begin, work, commit; a connection failure during the commit may be outcome-unknown. */
  private <T> T inTransaction(Session session, boolean retryCommit, Work<T> work) {
    Transaction tx = session.beginTransaction();
    T result;
    try {
      result = work.run(tx);
    } catch (RuntimeException | Error e) {
      closeQuietly(tx, e);
      throw e;
    }
    try {
      tx.commit();
    } catch (RuntimeException e) {
      closeQuietly(tx, e);
      if (!retryCommit && Neo4jErrors.isConnectionFailure(e)) {
        throw new TransactionOutcomeUnknownException(name, e);
      }
      throw e;
    }
    return result;
  }

  private static void closeQuietly(Transaction tx, Throwable primary) {
    try {
      tx.close(); // rolls back if still open
    } catch (RuntimeException e) {
      if (e != primary) {
        primary.addSuppressed(e);
      }
    }
  }

  /** One guarded async transaction; {@code closeSession} when the session was made for this call. */
  <T> CompletableFuture<T> transactionAsync(java.util.function.Supplier<AsyncSession> sessions,
      boolean closeSession, boolean retryCommit, AsyncWork<T> work) {
    ensureOpen();
    CompletableFuture<T> inner = guard.callAsync(() -> attemptAsync(sessions.get(), closeSession, retryCommit, work));
    CompletableFuture<T> out = new CompletableFuture<>();
    inner.whenComplete((v, e) -> {
      if (e == null) {
        succeeded();
        out.complete(v);
      } else {
        Throwable t = ErrorClassifier.unwrap(e);
        out.completeExceptionally(t instanceof RuntimeException ? failed((RuntimeException) t)
            : t instanceof Error ? unusable((Error) t) : t);
      }
    });
    out.whenComplete((v, e) -> {
      if (out.isCancelled()) {
        inner.cancel(true);
      }
    });
    return out;
  }

  private <T> CompletionStage<T> attemptAsync(AsyncSession session, boolean closeSession, boolean retryCommit,
      AsyncWork<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    session.beginTransactionAsync().whenComplete((tx, beginError) -> {
      if (beginError != null) {
        finish(session, closeSession, result, null, beginError);
        return;
      }
      CompletionStage<T> body;
      try {
        body = work.run(tx);
      } catch (RuntimeException | Error e) {
        body = CompletableFuture.failedFuture(e);
      }
      body.whenComplete((value, workError) -> {
        if (workError != null) {
          tx.rollbackAsync().whenComplete((x, ignored) -> finish(session, closeSession, result, null, workError));
          return;
        }
        tx.commitAsync().whenComplete((x, commitError) -> {
          if (commitError == null) {
            finish(session, closeSession, result, value, null);
            return;
          }
          Throwable c = ErrorClassifier.unwrap(commitError);
          Throwable reported = !retryCommit && Neo4jErrors.isConnectionFailure(c)
              ? new TransactionOutcomeUnknownException(name, c) : c;
          finish(session, closeSession, result, null, reported);
        });
      });
    });
    return result;
  }

  private static <T> void finish(AsyncSession session, boolean closeSession, CompletableFuture<T> result,
      T value, Throwable error) {
    Throwable e = error == null ? null : ErrorClassifier.unwrap(error);
    if (!closeSession) {
      complete(result, value, e);
      return;
    }
    session.closeAsync().whenComplete((x, ignored) -> complete(result, value, e));
  }

  private static <T> void complete(CompletableFuture<T> result, T value, Throwable error) {
    if (error == null) {
      result.complete(value);
    } else {
      result.completeExceptionally(error instanceof CompletionException ? error.getCause() : error);
    }
  }

  /** After a successful call: CONNECTED (a no-op, without allocation, when already there). */
  private void succeeded() {
    if (state.current() != ConnectionState.CONNECTED && state.transitionTo(ConnectionState.CONNECTED)) {
      failures.success();
      ConnectionHealthManager h = health;
      if (h != null) {
        h.reportSuccess(name, null);
      }
    }
  }

  /**
   * After an {@link Error} from the driver (the Guard rethrows it unretried, e.g. a {@code
   * NoSuchMethodError} from mismatched Netty versions): the client cannot work, so FAILED and, if
   * registered, UNAVAILABLE in the health report with the error as the reason; the Error goes to the
   * caller.
   */
  private Error unusable(Error e) {
    state.transitionTo(ConnectionState.FAILED);
    ConnectionHealthManager h = health;
    if (h != null) {
      h.reportUnusable(name, e);
    }
    return e;
  }

  /** After a failed call: the exception to throw; FAILED state and health report when Neo4j failed us. */
  private RuntimeException failed(RuntimeException e) {
    RuntimeException out = e;
    if (!(e instanceof TransactionOutcomeUnknownException)) {
      TransactionOutcomeUnknownException unknown = Neo4jErrors.outcomeUnknown(e);
      if (unknown != null) {
        out = unknown; // surfaced through a timed-out attempt: keep the precise type
      }
    }
    if (out instanceof ServiceUnavailableException || ErrorClassifier.isAuthFailure(out)) {
      state.transitionTo(ConnectionState.FAILED);
      failures.failure(out);
      ConnectionHealthManager h = health;
      if (h != null) {
        h.reportFailure(name, out);
      }
    }
    return out;
  }
}
