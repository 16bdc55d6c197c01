package io.lifeline.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.pool.HikariPool;
import io.lifeline.core.CircuitBreaker;
import io.lifeline.core.ConnectionMetrics;
import io.lifeline.core.ConnectionState;
import io.lifeline.core.ConnectionStateListener;
import io.lifeline.core.ConnectionStateTracker;
import io.lifeline.core.ErrorClass;
import io.lifeline.core.ErrorClassifier;
import io.lifeline.core.Guard;
import io.lifeline.core.Lifeline;
import io.lifeline.core.LifelineException;
import io.lifeline.core.PoolTimeoutException;
import io.lifeline.core.Secrets;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceType;
import io.lifeline.core.internal.LifelineThreads;
import io.lifeline.core.spi.Timing;
import io.lifeline.jdbc.internal.AbortableWaits;
import io.lifeline.jdbc.internal.AsyncRunner;
import io.lifeline.jdbc.internal.BrokenConnectionCloser;
import io.lifeline.jdbc.internal.ObservedDataSource;
import io.lifeline.jdbc.internal.RefusalCheck;
import io.lifeline.jdbc.internal.Reminder;
import io.lifeline.jdbc.internal.WriteJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A HikariCP pool that fails fast while the database is down, classifies SQL errors by SQLState,
 * re-runs transactions after serialization failures and deadlocks, and (opt-in) journals writes
 * durably while the database is down and applies them exactly once when it returns.
 *
 * <pre>{@code
 * DatabaseConnectionManager db = DatabaseConnectionManager.create(
 *     DatabaseConfig.builder().url("jdbc:postgresql://localhost:5432/app").poolSize(10).build());
 * db.inTransaction(tx -> tx.update("INSERT INTO t(id) VALUES (?)", 1));
 * List<String> names = db.query("SELECT name FROM t", rs -> rs.getString(1));
 * try (Session s = db.session()) { s.query("SELECT 1"); }
 * }</pre>
 *
 * <h2>While the database is down</h2>
 *
 * Every physical connect goes through an observing data source: the first refused or timed-out
 * connect (bounded by {@code connectTimeout}), or a connection error on a call confirmed by one probe
 * connect, marks the database <em>known down</em>. At that moment every caller already waiting for
 * a pooled connection is released with {@link DatabaseUnavailableException} (the waits are
 * registered and interrupted once, never left to their timeout), and from then on every call fails
 * at once with it (a volatile read, no pool, no lock) — HikariCP alone would make each call wait
 * its full {@code connectionTimeout} (HikariCP #2254). A probe connects every {@code
 * recoveryProbeInterval}; when one succeeds a fresh HikariCP pool replaces the old one (whose
 * connections all died with the server, and whose creator may sit in a 5 s back-off: HikariCP
 * #1193), the circuit breaker is reset and calls flow again. No application restart.
 *
 * <p>Logging: the outage is a WARN when it starts (with the sanitized driver error), again at most
 * every 30 s while it lasts (with the number of failed probes, and whether the manager has ever
 * connected: a manager that never connects stays visible at the default level), and an INFO when
 * the database is back. Each failed probe is a DEBUG.
 *
 * <h2>Outcomes of a call</h2>
 *
 * A result; or {@link DatabaseUnavailableException} / {@link io.lifeline.core.CircuitOpenException}
 * / {@link io.lifeline.core.RetriesExhaustedException} (all {@link ServiceUnavailableException});
 * or {@link TransactionOutcomeUnknownException} when the connection was lost during COMMIT; or, for
 * the caller's SQL errors (syntax, constraint, data), {@link io.lifeline.core.CallFailedException}
 * with the driver's {@link SQLException} as cause (never retried, never counted against the
 * breaker); or a {@link PoolTimeoutException} when the pool stayed exhausted for {@code
 * poolTimeout}. See {@link SqlErrorKind} for the table.
 *
 * <p>Thread-safe. {@link #close()} is idempotent.
 */
public final class DatabaseConnectionManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DatabaseConnectionManager.class);
  /** A persisting outage is logged again at WARN at most this often. */
  static final Duration STILL_DOWN_WARN_EVERY = Duration.ofSeconds(30);
  /** Bound on each TCP connect of {@link RefusalCheck}: only a black-holed host waits for it, then the driver's probe runs. */
  private static final int REFUSAL_CHECK_TIMEOUT_MILLIS = 250;
  private static final java.util.concurrent.ThreadFactory POOL_CLOSER = LifelineThreads.factory("lifeline-db-pool-closer-");
  /** The ledger of applied journal commands. */
  public static final String LEDGER_TABLE = "lifeline_journal_applied";

  private final DatabaseConfig config;
  private final String name;
  private final ObservedDataSource dataSource;
  private final ReentrantLock poolLock = new ReentrantLock();
  private final AtomicInteger poolGeneration = new AtomicInteger();
  private volatile HikariPool pool;
  private final Guard guard;
  private final ConnectionStateTracker state;
  private final AtomicReference<DatabaseUnavailableException> down = new AtomicReference<>();
  private volatile long downSinceNanos;
  private volatile boolean everConnected;
  private final AbortableWaits waits = new AbortableWaits();
  private final RefusalCheck refusal;
  private final BrokenConnectionCloser brokenCloser;
  private final Reminder stillDown;
  private final AtomicLong failedProbes = new AtomicLong();
  private final AtomicReference<CompletableFuture<Boolean>> probeInFlight = new AtomicReference<>();
  private final AtomicBoolean probing = new AtomicBoolean();
  private final ScheduledExecutorService background;
  private final AsyncRunner async;
  private final JournalReplay journal;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final long poolTimeoutNanos;
  private final LongAdder rejectedWhileDown = new LongAdder();
  private final LongAdder recoveries = new LongAdder();
  /** Connection acquires by outcome ({@code acquired}, {@code timeout}); the clock is read only while a binder listens. */
  final Timing acquireTiming = Timing.of("outcome");
  final LongAdder acquireTimeouts = new LongAdder();
  /** Commits whose outcome is unknown (the connection died during COMMIT). */
  final LongAdder outcomeUnknown = new LongAdder();
  private final DatabaseMeters meters;
  private volatile ConnectionHealthManager healthManager;
  /** An Error from the driver's last connect (not an outage; see markDown); null once one succeeds. */
  private volatile Error unusable;

  private DatabaseConnectionManager(DatabaseConfig config, Duration stillDownWarnEvery,
      javax.sql.DataSource connections) {
    this.config = config;
    this.stillDown = new Reminder(stillDownWarnEvery.toNanos());
    this.name = config.name();
    this.poolTimeoutNanos = config.poolTimeout().toNanos();
    this.state = new ConnectionStateTracker(name);
    Properties properties = driverProperties(config);
    this.refusal = RefusalCheck.forUrl(config.url(), properties, REFUSAL_CHECK_TIMEOUT_MILLIS);
    this.brokenCloser = new BrokenConnectionCloser(name, config.maxPoolSize());
    this.dataSource = new ObservedDataSource(config.url(), properties, new ObservedDataSource.Listener() {
      @Override
      public void connectFailed(SQLException error) {
        onConnectFailed(error);
      }

      @Override
      public void connected() {
        everConnected = true;
        unusable = null;
        state.compareAndTransition(ConnectionState.CONNECTING, ConnectionState.CONNECTED);
      }
    }, connections);
    this.guard = Guard.builder(name)
        .retryConfig(config.retryConfig())
        .classifier(this::classify)
        .backend(DatabaseMeters.backendOf(config.url()))
        .instrument(false) // described (and unregistered on close) with this manager's meters
        .build();
    this.guard.circuitBreaker().addListener(t -> {
      if (t.to() == CircuitBreaker.State.OPEN) {
        startProbing();
      }
    });
    this.background = Executors.newSingleThreadScheduledExecutor(
        LifelineThreads.factory("lifeline-db-" + name + "-probe-"));
    this.async = new AsyncRunner(name, config.maxPoolSize(), config.asyncMaxPending());
    WriteJournal file = null;
    if (config.degradedMode() == DegradedMode.JOURNAL) {
      try {
        file = WriteJournal.open(name, config.journalPath(), config.journalMaxBytes());
      } catch (IOException e) {
        background.shutdownNow();
        async.close();
        throw new UncheckedIOException("cannot open write journal " + config.journalPath(), e);
      }
      if (file.discardedBytes() > 0) {
        LOG.warn("database '{}': cut {} bytes of a torn (never acknowledged) last record off journal {}",
            name, file.discardedBytes(), config.journalPath());
      }
    }
    this.journal = new JournalReplay(this, name, file, background, config.recoveryProbeInterval().toMillis());
    warmUpDownPath();
    state.transitionTo(ConnectionState.CONNECTING);
    this.pool = newPool();
    journal.schedule(); // entries of an earlier run

    this.meters = new DatabaseMeters(this);
  }

  /**
   * Loads, initializes and runs once what {@link #markDown} needs before it can release waiters:
   * the exception and its sanitized message (the redaction patterns). Left to the first outage,
   * class initialization and pattern compilation delayed the down transition by 80-140 ms on a
   * loaded 2-core machine, with every other detecting thread queued behind the class-init lock.
   */
  private void warmUpDownPath() {
    SQLException sample = new SQLException("Connection to localhost:5432 refused (warm-up)", "08001",
        new java.net.ConnectException("Connection refused"));
    SqlErrorKind kind = SqlErrorKind.of(sample);
    new DatabaseUnavailableException(name, reason(kind, SqlErrorKind.sqlStateOf(sample)), kind,
        SqlErrorKind.sqlStateOf(sample), sample, config.recoveryProbeInterval(), false).getMessage();
  }

  /**
   * A manager for {@code config}. Does not connect yet: the pool fills in the background, so an
   * application starts even while its database is down.
   *
   * @throws io.lifeline.core.ConfigurationException when no JDBC driver on the class path accepts the URL
   */
  public static DatabaseConnectionManager create(DatabaseConfig config) {
    return create(config, STILL_DOWN_WARN_EVERY);
  }

  /** {@link #create(DatabaseConfig)} with another interval between "still down" WARNs (tests). */
  static DatabaseConnectionManager create(DatabaseConfig config, Duration stillDownWarnEvery) {
    try {
      java.sql.DriverManager.getDriver(config.url());
    } catch (SQLException e) {
      throw new io.lifeline.core.ConfigurationException("url", config.url(),
          "no JDBC driver on the class path accepts this URL (add the driver, e.g. org.postgresql:postgresql)", e);
    }
    return new DatabaseConnectionManager(config, stillDownWarnEvery, null);
  }

  /**
   * A manager whose connections come from {@code connections}, an existing {@link
   * javax.sql.DataSource} (e.g. the application's own pool, as the Spring Boot starter passes it),
   * instead of from the JDBC driver with {@code config}'s URL and credentials: no second set of
   * server connections is opened. {@code config.url()} still names the database (fast refusal
   * check, metrics, health details); {@code config}'s username, password and driver timeouts are
   * not used (the DataSource has its own). The manager's pool holds at most {@code
   * config.maxPoolSize()} connections borrowed from {@code connections}, so size it below that
   * DataSource's own maximum. Closing the manager returns them; it never closes {@code
   * connections}.
   *
   * @throws io.lifeline.core.ConfigurationException when no JDBC driver on the class path accepts the URL
   */
  public static DatabaseConnectionManager create(DatabaseConfig config, javax.sql.DataSource connections) {
    java.util.Objects.requireNonNull(connections, "connections");
    return new DatabaseConnectionManager(config, STILL_DOWN_WARN_EVERY, connections);
  }

  static Properties driverProperties(DatabaseConfig c) {
    Properties p = new Properties();
    if (c.username() != null) {
      p.setProperty("user", c.username());
    }
    if (c.password() != null) {
      p.setProperty("password", c.password());
    }
    String url = c.url().toLowerCase(Locale.ROOT);
    if (url.startsWith("jdbc:postgresql:")) {
      p.setProperty("connectTimeout", Long.toString(seconds(c.connectTimeout())));
      p.setProperty("socketTimeout", Long.toString(seconds(c.socketTimeout())));
      p.setProperty("loginTimeout", Long.toString(seconds(c.loginTimeout())));
      p.setProperty("ApplicationName", "lifeline-" + c.name());
    } else if (url.startsWith("jdbc:mysql:") || url.startsWith("jdbc:mariadb:")) {
      p.setProperty("connectTimeout", Long.toString(c.connectTimeout().toMillis()));
      p.setProperty("socketTimeout", Long.toString(c.socketTimeout().toMillis()));
    }
    c.driverProperties().forEach(p::setProperty);
    return p;
  }

  private static long seconds(Duration d) {
    return Math.max(1, (d.toMillis() + 999) / 1000);
  }

  private HikariPool newPool() {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("lifeline-" + name + "-" + poolGeneration.incrementAndGet());
    hc.setDataSource(dataSource);
    hc.setMaximumPoolSize(config.maxPoolSize());
    hc.setMinimumIdle(config.poolSize());
    hc.setConnectionTimeout(config.poolTimeout().toMillis());
    hc.setMaxLifetime(config.poolRecycle().toMillis());
    hc.setIdleTimeout(config.maxOverflow() == 0 ? 0 : config.idleTimeout().toMillis());
    hc.setValidationTimeout(config.validationTimeout().toMillis());
    hc.setInitializationFailTimeout(-1); // start even while the database is down
    String isolation = isolationName(dataSource.defaultIsolation());
    if (isolation != null) {
      hc.setTransactionIsolation(isolation); // never left to HikariCP's detection once known (see defaultIsolation)
    }
    return new HikariPool(hc);
  }

  /** The {@link Connection} constant name HikariCP takes for {@code level}; null when unknown. */
  static String isolationName(int level) {
    switch (level) {
      case Connection.TRANSACTION_NONE:
        return "TRANSACTION_NONE";
      case Connection.TRANSACTION_READ_UNCOMMITTED:
        return "TRANSACTION_READ_UNCOMMITTED";
      case Connection.TRANSACTION_READ_COMMITTED:
        return "TRANSACTION_READ_COMMITTED";
      case Connection.TRANSACTION_REPEATABLE_READ:
        return "TRANSACTION_REPEATABLE_READ";
      case Connection.TRANSACTION_SERIALIZABLE:
        return "TRANSACTION_SERIALIZABLE";
      default:
        return null; // -1 (not learned yet) or a vendor level: HikariCP detects it
    }
  }

  // ------------------------------------------------------------------------------------------- API

  /**
   * Runs {@code fn} in a transaction: commits when it returns, rolls back when it throws. After a
   * serialization failure (40001), a deadlock (40P01) or a connection lost before COMMIT the whole
   * function is run again (it must have no outside side effects), within the retry config. A
   * connection lost during COMMIT throws {@link TransactionOutcomeUnknownException}, never retried.
   */
  public <T> T inTransaction(TransactionFunction<T> fn) {
    gate();
    return guard.call(() -> runTransaction(fn));
  }

  /** Rows of a read in auto-commit mode; re-run after connection errors. */
  public <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) {
    gate();
    return guard.call(() -> {
      Connection c = borrow();
      boolean broken = false;
      try {
        return new Session(c, false).query(sql, mapper, params);
      } catch (SQLException e) {
        broken = SqlErrorKind.of(e).connectionLost();
        throw unavailableIfDown(e);
      } finally {
        release(c, broken);
      }
    });
  }

  /** Runs a statement whose rows are discarded (e.g. {@code SELECT 1}); returns the row count. */
  public int query(String sql, Object... params) {
    gate();
    return guard.call(() -> {
      Connection c = borrow();
      boolean broken = false;
      try {
        return new Session(c, false).query(sql, params);
      } catch (SQLException e) {
        broken = SqlErrorKind.of(e).connectionLost();
        throw unavailableIfDown(e);
      } finally {
        release(c, broken);
      }
    });
  }

  /** An INSERT/UPDATE/DELETE in its own transaction (so a connection lost mid-way can be re-run safely). */
  public int update(String sql, Object... params) {
    return inTransaction(tx -> tx.update(sql, params));
  }

  /**
   * A session on a pooled connection in auto-commit mode (seed: {@code session_scope}); close it
   * (try-with-resources) to give the connection back. Only getting the connection is guarded:
   * statements run on it are the caller's.
   */
  public Session session() {
    gate();
    return new Session(guard.call(this::borrow), true);
  }

  /** {@link #inTransaction} on the async executor (virtual threads when available; bounded). */
  public <T> CompletableFuture<T> inTransactionAsync(TransactionFunction<T> fn) {
    DatabaseUnavailableException d = down.get();
    if (d != null) {
      rejectedWhileDown.increment();
      return CompletableFuture.failedFuture(d);
    }
    return async.submit(() -> inTransaction(fn));
  }

  /** {@link #query(String, RowMapper, Object...)} on the async executor. */
  public <T> CompletableFuture<List<T>> queryAsync(String sql, RowMapper<T> mapper, Object... params) {
    DatabaseUnavailableException d = down.get();
    if (d != null) {
      rejectedWhileDown.increment();
      return CompletableFuture.failedFuture(d);
    }
    return async.submit(() -> query(sql, mapper, params));
  }

  /** {@link #update} on the async executor. */
  public CompletableFuture<Integer> updateAsync(String sql, Object... params) {
    return inTransactionAsync(tx -> tx.update(sql, params));
  }

  /** {@link #submit} on the async executor. */
  public CompletableFuture<WriteOutcome> submitAsync(WriteCommand command) {
    return async.submit(() -> submit(command));
  }

  /**
   * Applies {@code command} exactly once, keyed by its idempotency key (recorded in {@value
   * #LEDGER_TABLE} in the same transaction). While the database is down: in {@link
   * DegradedMode#JOURNAL} the command is appended to the journal and fsynced, then {@link
   * WriteOutcome#JOURNALED} is returned (it is applied, in order, when the database returns); in
   * {@link DegradedMode#FAIL_FAST} the unavailability is thrown. A full journal throws {@link
   * JournalFullException}.
   */
  public WriteOutcome submit(WriteCommand command) {
    checkOpen();
    if (journal.hasJournal() && (down.get() != null || journal.holdsEntries())) {
      return journal.append(command, down.get() != null); // keep order behind commands not yet replayed
    }
    try {
      return journal.applyOne(command);
    } catch (ServiceUnavailableException | TransactionOutcomeUnknownException e) {
      if (!journal.hasJournal()) {
        throw e;
      }
      return journal.append(command, down.get() != null);
    }
  }

  // ---------------------------------------------------------------------------------- call paths

  /** Throws at once while the database is known down or the manager is closed. */
  private void gate() {
    Error broken = unusable;
    if (broken != null) {
      throw broken; // the driver cannot connect at all (see markDown); until a connect succeeds
    }
    DatabaseUnavailableException d = down.get();
    if (d != null) {
      rejectedWhileDown.increment();
      throw d;
    }
    if (closed.get()) {
      throw new ServiceUnavailableException(name, "manager is closed", null);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new ServiceUnavailableException(name, "manager is closed", null);
    }
  }

  /**
   * A connection from the pool, waiting at most {@code poolTimeout}. An idle connection is taken
   * without waiting and without allocating (HikariCP's own fast path); only then does the caller
   * register a wait that {@link #markDown} can abort, so that every caller waiting when the database
   * is found down is released at that moment, not when its wait times out.
   */
  private Connection borrow() throws SQLException {
    long start = acquireTiming.isObserved() ? System.nanoTime() : 0L;
    Connection c;
    try {
      c = acquire();
    } catch (PoolTimeoutException e) {
      acquireTimeouts.increment();
      if (start != 0L) {
        acquireTiming.record(System.nanoTime() - start, "timeout");
      }
      throw e;
    }
    if (start != 0L) {
      acquireTiming.record(System.nanoTime() - start, "acquired");
    }
    return c;
  }

  /** {@link #borrow} without the timing. */
  private Connection acquire() throws SQLException {
    gate();
    HikariPool p = pool;
    try {
      return p.getConnection(0);
    } catch (SQLTransientConnectionException e) {
      // nothing idle now: wait below
    } catch (SQLException e) {
      if (ErrorClassifier.findError(e) != null) {
        markDown(e); // on the caller's thread: the report is made before the caller sees the Error
      }
      gate();
      if (pool == p) {
        throw unavailableIfDown(e);
      }
    }
    return awaitConnection(poolTimeoutNanos, config.poolTimeout(), true);
  }

  /**
   * Slow path of {@link #borrow}: waits for a connection in HikariCP, registered in {@link #waits}
   * so that the down transition (or a pool replacement, or close) interrupts the wait at once.
   *
   * @param forCall true for a caller (counted as rejected while down), false for the health check
   */
  private Connection awaitConnection(long timeoutNanos, Duration timeout, boolean forCall) throws SQLException {
    long start = System.nanoTime();
    for (;;) {
      checkUsable(forCall);
      HikariPool p = pool;
      long left = timeoutNanos - (System.nanoTime() - start);
      if (left <= 0) {
        throw new PoolTimeoutException(name, timeout, p.getTotalConnections(),
            p.getActiveConnections(), p.getIdleConnections(), p.getThreadsAwaitingConnection());
      }
      Connection c = null;
      SQLException failure = null;
      boolean aborted;
      AbortableWaits.Wait w = waits.begin();
      try {
        // re-checked after registering: a down transition before begin() is seen here, one after
        // it finds this wait registered and aborts it
        if (down.get() == null && pool == p && !closed.get()) {
          c = p.getConnection(Math.max(1, (left + 999_999) / 1_000_000));
        }
      } catch (SQLException e) {
        failure = e;
      } finally {
        aborted = w.finish(); // clears the abort's interrupt, if any
      }
      if (c != null) {
        return c; // got one, even if an abort raced with it: it is a live connection
      }
      if (failure != null && ErrorClassifier.findError(failure) != null) {
        markDown(failure); // an Error from the driver: reported before the caller sees it (gate)
      }
      checkUsable(forCall);
      if (aborted || pool != p || failure == null || failure instanceof SQLTransientConnectionException) {
        continue; // aborted, replaced pool, or timed out (the loop throws PoolTimeoutException)
      }
      if (Thread.currentThread().isInterrupted()) {
        throw failure; // the caller's own interrupt (e.g. its attempt timeout): not a verdict on the database
      }
      throw unavailableIfDown(failure);
    }
  }

  private void checkUsable(boolean forCall) {
    if (forCall) {
      gate();
      return;
    }
    DatabaseUnavailableException d = down.get();
    if (d != null) {
      throw d;
    }
    checkOpen();
  }

  private <T> T runTransaction(TransactionFunction<T> fn) throws Exception {
    Connection c = borrow();
    boolean broken = false;
    try {
      c.setAutoCommit(false);
      T result;
      try {
        result = fn.apply(new Session(c, false));
      } catch (Throwable t) {
        if (t instanceof SQLException && SqlErrorKind.of(t).connectionLost()) {
          broken = true; // a rollback on a lost connection only fails, slowly: the server rolls back
        } else {
          rollbackQuietly(c, t);
        }
        if (t instanceof SQLException) {
          throw unavailableIfDown((SQLException) t);
        }
        throw t;
      }
      try {
        c.commit();
      } catch (SQLException e) {
        SqlErrorKind kind = SqlErrorKind.of(e);
        if (kind.connectionLost()) {
          broken = true;
          confirmDown();
          outcomeUnknown.increment();
          throw new TransactionOutcomeUnknownException(name, e);
        }
        rollbackQuietly(c, e);
        throw e;
      }
      return result;
    } finally {
      release(c, broken);
    }
  }

  /**
   * Gives a connection back to the pool. A connection that was lost (the server died under it) is
   * given back on {@link BrokenConnectionCloser}'s thread: HikariCP's close of a broken connection
   * (statement cleanup, eviction, a refill request, its WARN) cost up to 90 ms on a loaded machine
   * at the first outage, all of it added to the one caller that had found the database down.
   */
  private void release(Connection c, boolean broken) throws SQLException {
    if (broken) {
      brokenCloser.close(c);
    } else {
      c.close();
    }
  }

  private static void rollbackQuietly(Connection c, Throwable cause) {
    try {
      c.rollback();
    } catch (SQLException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /**
   * For a connection-class error: one probe decides whether the database is down. Down → the
   * {@link DatabaseUnavailableException} (not retried); up → the SQLException (retried).
   */
  private SQLException unavailableIfDown(SQLException e) {
    if (SqlErrorKind.of(e).connectionLost()) {
      if (confirmDown()) {
        DatabaseUnavailableException d = down.get();
        if (d != null) {
          throw d;
        }
      }
    }
    return e;
  }

  private ErrorClass classify(Throwable error) {
    Throwable t = ErrorClassifier.unwrap(error);
    if (t instanceof JournalReplay.AlreadyApplied || t instanceof PoolTimeoutException) {
      return ErrorClass.CALLER_ERROR;
    }
    if (t instanceof LifelineException) {
      return ErrorClass.FAILURE;
    }
    if (t instanceof SQLException) {
      return SqlErrorKind.of(t).errorClass();
    }
    return ErrorClassifier.defaults().classify(t);
  }

  // ------------------------------------------------------------------------------ down and up

  private void onConnectFailed(SQLException error) {
    SqlErrorKind kind = SqlErrorKind.of(error);
    if (kind == SqlErrorKind.TOO_MANY_CONNECTIONS && pool != null && pool.getTotalConnections() > 0) {
      return; // the server is full but our connections work; HikariCP backs off
    }
    markDown(error);
  }

  /**
   * True when the database is (now) known down. One probe connect at a time: the first caller to
   * ask runs it on its own thread (no hand-off: on a loaded machine a thread hop can cost more than
   * the refused connect itself), bounded by the driver's connect, login and validation timeouts;
   * every other caller waits on a future that the probe's outcome or any other down transition
   * ({@link #markDown}) completes, whichever comes first.
   */
  private boolean confirmDown() {
    if (down.get() != null) {
      return true;
    }
    CompletableFuture<Boolean> mine = new CompletableFuture<>();
    CompletableFuture<Boolean> running = probeInFlight.compareAndExchange(null, mine);
    if (running == null) {
      if (down.get() != null) { // went down between the first check and publishing the future
        mine.complete(true);
        probeInFlight.compareAndSet(mine, null);
        return true;
      }
      runConfirmProbe(mine);
      return mine.join();
    }
    try {
      return running.get(confirmBoundNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      return down.get() != null;
    }
  }

  private void runConfirmProbe(CompletableFuture<Boolean> result) {
    try {
      SQLException failure = null;
      boolean aborted;
      // registered like a pool wait: when the database is found down another way meanwhile (the
      // pool's own connect, another manager path), the prober is released then, not when its
      // driver connect times out (a dying server that still accepts TCP held it 250 ms and more)
      AbortableWaits.Wait w = waits.begin();
      try {
        if (down.get() == null) {
          failure = probeConnect();
        }
      } finally {
        aborted = w.finish(); // clears the abort's interrupt, if any
      }
      if (failure != null && !aborted) {
        markDown(failure);
      }
      result.complete(down.get() != null);
    } finally {
      result.complete(false); // no-op unless the probe threw
      probeInFlight.compareAndSet(result, null);
    }
  }

  /** Longest a probe connect + validation can take under the driver timeouts, plus a margin. */
  private long confirmBoundNanos() {
    return config.connectTimeout().toNanos() + config.loginTimeout().toNanos()
        + config.validationTimeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
  }

  /**
   * One physical connect + validation, bounded by the driver timeouts; null on success. When every
   * host of a PostgreSQL URL refuses a plain TCP connect, that is the answer, without the driver's
   * connect (see {@link RefusalCheck}).
   */
  private SQLException probeConnect() {
    if (refusal != null && refusal.everyHostRefuses()) {
      return new SQLException(refusal.refusedMessage(), "08001");
    }
    try (Connection c = dataSource.connectUnobserved()) {
      if (!c.isValid((int) seconds(config.validationTimeout()))) {
        return new SQLException("connection not valid", "08006");
      }
      return null;
    } catch (SQLException e) {
      return e;
    } catch (RuntimeException e) {
      return new SQLException(Secrets.describe(e), "08006", e);
    }
  }

  private void markDown(Throwable cause) {
    if (closed.get()) {
      return;
    }
    Error fatal = ErrorClassifier.findError(cause);
    if (fatal != null) {
      // An Error inside the driver (e.g. a class missing from a mismatched dependency) is no outage:
      // never fail calls fast or journal writes for it. Calls rethrow it (Guard); health shows why.
      unusable = fatal;
      // health first, then state: whoever sees FAILED (a listener, the caller) also sees the report
      ConnectionHealthManager h = healthManager;
      if (h != null) {
        try {
          h.reportUnusable(name, fatal);
        } catch (RuntimeException e) {
          LOG.debug("health report failed", e);
        }
      }
      waits.abortAll(); // callers already waiting for a connection get the Error now (gate), not at their timeout
      state.transitionTo(ConnectionState.FAILED);
      return;
    }
    SqlErrorKind kind = SqlErrorKind.of(cause);
    if (!kind.unavailable()) {
      kind = SqlErrorKind.CONNECTION;
    }
    if (kind == SqlErrorKind.TOO_MANY_CONNECTIONS && pool != null && pool.getTotalConnections() > 0) {
      return;
    }
    String sqlState = SqlErrorKind.sqlStateOf(cause);
    DatabaseUnavailableException current = down.get();
    if (current != null && current.kind() == kind) {
      return;
    }
    DatabaseUnavailableException e = new DatabaseUnavailableException(name, reason(kind, sqlState), kind, sqlState,
        cause, config.recoveryProbeInterval(), false);
    if (current == null) {
      if (down.compareAndSet(null, e)) {
        long now = System.nanoTime();
        downSinceNanos = now;
        // first release everyone waiting: they must not wait for the logging and listeners below
        waits.abortAll();
        CompletableFuture<Boolean> confirming = probeInFlight.get();
        if (confirming != null) {
          confirming.complete(true);
        }
        failedProbes.set(0);
        stillDown.reset(now);
        state.transitionTo(ConnectionState.FAILED);
        // the WARN (its message runs the redaction patterns) and the health report (its own
        // sanitizing and listeners) on the probe thread, before its first probe: the caller that
        // found the outage returns now
        announce(() -> {
          LOG.warn("database '{}' is down{} ({}); failing calls fast and probing every {}", name,
              everConnected ? "" : " and has never connected since the manager started", e.getMessage(),
              DatabaseConfig.fmtDuration(config.recoveryProbeInterval()));
          reportHealth(false, e);
        });
        startProbing();
      }
    } else if (down.compareAndSet(current, e)) { // a different reason now (e.g. refused → auth failure)
      // rate-limited with the reminders: a restarting server goes through several reasons in a second
      if (stillDown.due(System.nanoTime())) {
        LOG.warn("database '{}' is still down, now for another reason: {}", name, e.getMessage());
      } else {
        LOG.debug("database '{}' is still down, now for another reason: {}", name, e.getMessage());
      }
      reportHealth(false, e);
    }
  }

  /** Runs {@code report} on the probe thread (in order with the probes), or here once that is shut down. */
  private void announce(Runnable report) {
    try {
      background.execute(report);
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      report.run();
    }
  }

  /** The rate-limited WARN while an outage lasts (see the class documentation). */
  private void warnIfStillDown() {
    DatabaseUnavailableException d = down.get();
    if (d == null || !stillDown.due(System.nanoTime())) {
      return;
    }
    LOG.warn("database '{}' is still down after {} ({} failed probes{}): {}", name,
        DatabaseConfig.fmtDuration(Duration.ofNanos(System.nanoTime() - downSinceNanos)), failedProbes.get(),
        everConnected ? "" : "; it has never connected since the manager started", d.getMessage());
  }

  private String reason(SqlErrorKind kind, String sqlState) {
    String user = config.username() == null ? "" : " for user '" + config.username() + "'";
    switch (kind) {
      case AUTHENTICATION:
        return "authentication failed" + user + " (SQLState " + sqlState
            + "): check DATABASE_USERNAME / DATABASE_PASSWORD; not retried until a probe succeeds";
      case TOO_MANY_CONNECTIONS:
        return "the server has no free connection slot (SQLState 53300); backing off";
      case SHUTDOWN:
        return "the server is shutting down or not accepting connections (SQLState " + sqlState + ")";
      default:
        return "database is down (connect failed or connection lost" + (sqlState == null ? "" : ", SQLState " + sqlState) + ")";
    }
  }

  private void startProbing() {
    if (closed.get() || !probing.compareAndSet(false, true)) {
      return;
    }
    try {
      background.schedule(this::probeLoop, 0, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      probing.set(false);
    }
  }

  private void probeLoop() {
    if (closed.get()) {
      probing.set(false);
      return;
    }
    SQLException failure = probeConnect();
    if (failure == null) {
      probing.set(false);
      markUp();
      return;
    }
    failedProbes.incrementAndGet();
    LOG.debug("database '{}': recovery probe failed: {}", name, Secrets.describe(failure));
    markDown(failure); // down now if not yet (a failed connect); else may update the reason
    warnIfStillDown();
    try {
      background.schedule(this::probeLoop, config.recoveryProbeInterval().toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      probing.set(false);
    }
  }

  private void markUp() {
    if (closed.get()) {
      return;
    }
    DatabaseUnavailableException was = down.get();
    if (was != null && (was.kind() == SqlErrorKind.CONNECTION || was.kind() == SqlErrorKind.SHUTDOWN)) {
      replacePool(); // the server went away: every pooled connection is dead
    }
    guard.circuitBreaker().reset();
    if (was != null && down.compareAndSet(was, null)) {
      recoveries.increment();
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - downSinceNanos);
      LOG.info("database '{}' is back after {} ms; new pool, calls flow again", name, ms);
      reportHealth(true, null);
    }
    state.transitionTo(ConnectionState.CONNECTED);
    journal.schedule();
  }

  /** A fresh pool in place of the old one, whose connections died with the server. */
  private void replacePool() {
    poolLock.lock();
    try {
      if (closed.get()) {
        return;
      }
      HikariPool old = pool;
      pool = newPool();
      waits.abortAll(); // anyone still waiting on the old pool moves to the new one
      // HikariCP's shutdown waits for borrowed connections (up to 10 s): not on the probe/replay thread
      POOL_CLOSER.newThread(() -> shutdownPool(old)).start();
    } finally {
      poolLock.unlock();
    }
  }

  private static void shutdownPool(HikariPool p) {
    try {
      p.shutdown();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.debug("pool shutdown failed", e);
    }
  }

  private void reportHealth(boolean up, Throwable error) {
    ConnectionHealthManager h = healthManager;
    if (h == null) {
      return;
    }
    try {
      if (up) {
        h.reportSuccess(name, Duration.ZERO);
      } else {
        h.reportFailure(name, error);
      }
    } catch (RuntimeException e) {
      LOG.debug("health report failed", e);
    }
  }

  // ----------------------------------------------------------------------------- observability

  /** Connection pool counts from HikariCP's pool MXBean. */
  public PoolStats poolStats() {
    HikariPool p = pool;
    return new PoolStats(p.getActiveConnections(), p.getIdleConnections(), p.getTotalConnections(),
        p.getThreadsAwaitingConnection());
  }

  /** Call metrics (attempts, failures, retries, rejections, last error). */
  public ConnectionMetrics metrics() {
    return guard.metrics();
  }

  /**
   * Everything measurable in one map: the call metrics, the pool counts, whether the database is
   * known down, calls rejected while down, journal size and counts.
   */
  public Map<String, Object> metricsSnapshot() {
    Map<String, Object> m = new LinkedHashMap<>();
    ConnectionMetrics.Snapshot s = guard.metrics().snapshot();
    m.put("totalCalls", s.totalConnections());
    m.put("successfulCalls", s.successfulConnections());
    m.put("failedCalls", s.failedConnections());
    m.put("retries", s.totalRetries());
    m.putAll(poolDetails());
    m.put("knownDown", down.get() != null);
    m.put("rejectedWhileDown", rejectedWhileDown.sum());
    m.put("recoveries", recoveries.sum());
    m.put("breaker", guard.circuitBreaker().state().name());
    journal.describe(m);
    return m;
  }

  private Map<String, Object> poolDetails() {
    PoolStats p = poolStats();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("poolActive", p.active());
    m.put("poolIdle", p.idle());
    m.put("poolTotal", p.total());
    m.put("poolPending", p.pending());
    return m;
  }

  /**
   * The health check: {@code Connection.isValid(validationTimeout)} on a pooled connection. DOWN
   * (with the reason) while the database is known down. Details: pool counts and the sanitized URL.
   */
  public CheckResult healthCheck() {
    Map<String, Object> details = new LinkedHashMap<>(poolDetails());
    details.put("url", config.sanitizedUrl());
    DatabaseUnavailableException d = down.get();
    if (d != null) {
      return new CheckResult(CheckResult.Outcome.DOWN, null, d.getMessage(), details);
    }
    long t0 = System.nanoTime();
    try (Connection c = borrowForCheck()) {
      boolean valid = c.isValid((int) seconds(config.validationTimeout()));
      Duration latency = Duration.ofNanos(System.nanoTime() - t0);
      details.put("latencyMs", latency.toMillis());
      if (!valid) {
        confirmDown();
        return new CheckResult(CheckResult.Outcome.DOWN, latency, "connection not valid within "
            + DatabaseConfig.fmtDuration(config.validationTimeout()), details);
      }
      return new CheckResult(CheckResult.Outcome.UP, latency, null, details);
    } catch (SQLException | RuntimeException e) {
      if (e instanceof SQLException) {
        try {
          unavailableIfDown((SQLException) e);
        } catch (DatabaseUnavailableException ignored) {
          // reported below
        }
      }
      DatabaseUnavailableException now = down.get();
      return new CheckResult(CheckResult.Outcome.DOWN, null,
          now != null ? now.getMessage() : Secrets.describe(e), details);
    }
  }

  /** A connection for the health check: as {@link #borrow}, but bounded by the validation timeout. */
  private Connection borrowForCheck() throws SQLException {
    HikariPool p = pool;
    try {
      return p.getConnection(0);
    } catch (SQLTransientConnectionException e) {
      // nothing idle now: wait below
    }
    Duration bound = config.validationTimeout().compareTo(Duration.ofMillis(250)) < 0
        ? Duration.ofMillis(250) : config.validationTimeout();
    return awaitConnection(bound.toNanos(), bound, false);
  }

  /**
   * Registers {@link #healthCheck()} with {@code health} as {@link ServiceType#DATABASE} under this
   * manager's name, with {@code features}; outages and recoveries found by calls are reported to it
   * at once.
   */
  public void registerHealth(ConnectionHealthManager health, Set<String> features) {
    health.register(name, ServiceType.DATABASE, this::healthCheck, features);
    this.healthManager = health;
    Error broken = unusable;
    if (broken != null) {
      // the driver failed with an Error before registration (e.g. the first connect at create()):
      // the health manager must show it now, not after the next background check
      health.reportUnusable(name, broken);
    }
  }

  /** Connection state (CONNECTING, CONNECTED, FAILED while down, CLOSED). */
  public ConnectionState state() {
    return state.current();
  }

  /** Listens to state changes (on Lifeline's event threads, each transition once). */
  public void addStateListener(ConnectionStateListener listener) {
    state.addStateListener(listener);
  }

  /** {@link System#nanoTime()} when the database was last found down (for tests and benchmarks). */
  long downSinceNanos() {
    return downSinceNanos;
  }

  /** {@link System#nanoTime()} when the last release of waiting callers was done (tests, diagnostics). */
  long lastWaitersReleasedNanos() {
    return waits.lastAbortNanos();
  }

  /** True while the database is known down (calls fail fast). */
  public boolean isKnownDown() {
    return down.get() != null;
  }

  /** The guard (retry, breaker, budget) in front of every call. */
  public Guard guard() {
    return guard;
  }

  public DatabaseConfig config() {
    return config;
  }

  public String name() {
    return name;
  }

  boolean hasJournal() {
    return journal.hasJournal();
  }

  /** The ledger, the journal and its replay. */
  JournalReplay journal() {
    return journal;
  }

  boolean isClosed() {
    return closed.get();
  }

  LongAdder rejectedWhileDown() {
    return rejectedWhileDown;
  }

  /** Bytes in the write journal not yet replayed (0 without a journal). */
  public long journalBytes() {
    return journal.bytes();
  }

  /** True when async calls run on virtual threads. */
  public boolean asyncOnVirtualThreads() {
    return async.virtualThreads();
  }

  /** Closes the pool, the journal and the background threads. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    meters.close();
    ConnectionHealthManager h = healthManager;
    if (h != null) {
      try {
        h.unregister(name);
      } catch (RuntimeException e) {
        LOG.debug("unregister failed", e);
      }
    }
    waits.abortAll(); // waiting callers fail now with "manager is closed"
    background.shutdownNow();
    brokenCloser.shutdown();
    async.close();
    poolLock.lock();
    try {
      shutdownPool(pool);
    } finally {
      poolLock.unlock();
    }
    if (journal.hasJournal()) {
      try {
        background.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      journal.close();
    }
    state.transitionTo(ConnectionState.CLOSED);
  }

  @Override
  public String toString() {
    return "DatabaseConnectionManager[" + name + ", " + config.sanitizedUrl() + ", "
        + (down.get() != null ? "DOWN" : state.current()) + "]";
  }

  // ------------------------------------------------------------------------------------- global

  private static final AtomicReference<DatabaseConnectionManager> GLOBAL = new AtomicReference<>();
  private static volatile Lifeline.Registration globalRegistration;

  /** The process-wide manager, created from {@code DATABASE_*} env on first use. */
  public static DatabaseConnectionManager global() {
    DatabaseConnectionManager m = GLOBAL.get();
    return m != null ? m : initializeGlobal(DatabaseConfig.fromEnv());
  }

  /**
   * Creates the process-wide manager from {@code config} if there is none (returns the existing one
   * otherwise), registers it with {@link Lifeline#closeAll()} and its health check with {@link
   * ConnectionHealthManager#global()} (feature {@code "database"}).
   */
  public static DatabaseConnectionManager initializeGlobal(DatabaseConfig config) {
    for (;;) {
      DatabaseConnectionManager m = GLOBAL.get();
      if (m != null) {
        return m;
      }
      DatabaseConnectionManager created = create(config);
      if (GLOBAL.compareAndSet(null, created)) {
        created.registerHealth(ConnectionHealthManager.global(), Set.of("database"));
        globalRegistration = Lifeline.register(config.name(), DatabaseConnectionManager::shutdownGlobal);
        return created;
      }
      created.close();
    }
  }

  /** Closes the process-wide manager, if any (idempotent). */
  public static void shutdownGlobal() {
    DatabaseConnectionManager m = GLOBAL.getAndSet(null);
    if (m != null) {
      Lifeline.Registration r = globalRegistration;
      if (r != null) {
        r.unregister();
      }
      m.close();
    }
  }
}
