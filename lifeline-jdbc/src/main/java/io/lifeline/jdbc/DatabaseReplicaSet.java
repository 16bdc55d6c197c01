package io.lifeline.jdbc;

import io.lifeline.core.RetryConfig;
import io.lifeline.core.Secrets;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceType;
import io.lifeline.core.internal.Durations;
import io.lifeline.core.internal.LifelineThreads;
import io.lifeline.jdbc.InstanceStatus.Role;
import io.lifeline.jdbc.internal.InstanceProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL primary with streaming standbys: writes go to whichever server is the primary now,
 * reads that may be slightly stale go to the standbys, load-balanced, and to the primary only when no
 * standby can serve them.
 *
 * <pre>{@code
 * DatabaseReplicaSet db = DatabaseReplicaSet.create(ReplicaSetConfig.fromEnv());
 * // DATABASE_URL=jdbc:postgresql://pg-a:5432,pg-b:5432,pg-c:5432/app
 * db.update("INSERT INTO orders(id) VALUES (?)", 42);                 // the primary
 * List<Long> ids = db.query("SELECT id FROM orders", r -> r.getLong(1)); // a standby
 * try (Session s = db.readSession()) { s.query("SELECT ..."); }       // a standby
 * db.primary().submit(command);                                        // JOURNAL mode: journaled while no primary
 * }</pre>
 *
 * <h2>How it works</h2>
 * <ul>
 *   <li>Writes: one {@link DatabaseConnectionManager} ({@link #primary()}) over the whole URL with
 *       pgjdbc's {@code targetServerType=primary} and {@code hostRecheckSeconds=1}: after a
 *       promotion its next connection finds the new primary, whichever host it is; in between it
 *       behaves as for a down database (FAIL_FAST: {@link DatabaseUnavailableException} within the
 *       fail-fast bound; JOURNAL: {@code submit} journals, replayed once on the new primary).
 *   <li>Reads: one manager per server (no retries: the replica set moves on to the next server
 *       instead). Every {@code lagCheckInterval} each server's role and lag are measured ({@link
 *       InstanceProbe}); a standby serves reads while its lag is at most {@code
 *       maxReplicationLag}. pgjdbc's {@code loadBalanceHosts} cannot exclude a lagging standby, so
 *       the round-robin is done here, allocation-free, over the standbys that qualify.
 *   <li>During a failover (primary gone, no promotion yet) the standbys keep serving reads for up to
 *       {@code maxReplicationLag} after they were cut off; a read finds no standby → the primary →
 *       {@link DatabaseUnavailableException} while there is none.
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} closes every manager and the lag monitor's thread.
 */
public final class DatabaseReplicaSet implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DatabaseReplicaSet.class);
  /** Prefix of the lag monitor's thread. */
  public static final String THREAD_PREFIX = "lifeline-replicaset-";
  /** No retries on a single server: the next server is the retry. */
  static final RetryConfig PER_SERVER_RETRY = RetryConfig.builder().maxRetries(0).circuitBreakerThreshold(3)
      .build();

  private final ReplicaSetConfig config;
  private final String name;
  private final DatabaseConnectionManager primary;
  private final List<ReplicaSetConfig.Host> hosts;
  private final DatabaseConnectionManager[] servers;
  /** Latest measurement per server, same index as {@link #servers}. */
  private final AtomicReferenceArray<InstanceStatus> statuses;
  private final long[] lastStreamingNanos; // monitor thread only
  /** Indexes of the standbys that serve reads now; replaced whole (readers never see a partial one). */
  private volatile int[] readable = new int[0];
  private final AtomicInteger nextRead = new AtomicInteger();
  private final ScheduledThreadPoolExecutor monitor;
  private final AtomicBoolean closed = new AtomicBoolean();

  private DatabaseReplicaSet(ReplicaSetConfig config) {
    this.config = config;
    DatabaseConfig base = config.database();
    this.name = base.name();
    this.hosts = config.hosts();
    Map<String, String> primaryProps = new LinkedHashMap<>(base.driverProperties());
    primaryProps.put("targetServerType", "primary");
    primaryProps.put("hostRecheckSeconds", "1");
    this.primary = DatabaseConnectionManager.create(copy(base, name, base.url(), base.retryConfig(),
        base.degradedMode(), primaryProps));
    this.servers = new DatabaseConnectionManager[hosts.size()];
    this.statuses = new AtomicReferenceArray<>(hosts.size());
    this.lastStreamingNanos = new long[hosts.size()];
    long now = System.nanoTime();
    for (int i = 0; i < hosts.size(); i++) {
      ReplicaSetConfig.Host h = hosts.get(i);
      Map<String, String> props = new LinkedHashMap<>(base.driverProperties());
      props.put("targetServerType", "any");
      servers[i] = DatabaseConnectionManager.create(copy(base, name + "@" + h, config.urlOf(h), PER_SERVER_RETRY,
          DegradedMode.FAIL_FAST, props));
      statuses.set(i, new InstanceStatus(h.toString(), Role.DOWN, null, false, "not measured yet"));
      lastStreamingNanos[i] = now;
    }
    this.monitor = new ScheduledThreadPoolExecutor(1, LifelineThreads.factory(THREAD_PREFIX + name + "-"));
    monitor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    long interval = config.lagCheckInterval().toNanos();
    monitor.scheduleWithFixedDelay(this::measure, 0, interval, TimeUnit.NANOSECONDS);
  }

  /** A replica set for {@code config}; connects in the background (starts while servers are down). */
  public static DatabaseReplicaSet create(ReplicaSetConfig config) {
    return new DatabaseReplicaSet(config);
  }

  private static DatabaseConfig copy(DatabaseConfig b, String name, String url, RetryConfig retry,
      DegradedMode mode, Map<String, String> props) {
    return new DatabaseConfig(name, url, b.username(), b.password(), b.poolSize(), b.maxOverflow(),
        b.poolTimeout(), b.poolRecycle(), b.idleTimeout(), b.validationTimeout(), b.connectTimeout(),
        b.socketTimeout(), b.loginTimeout(), b.recoveryProbeInterval(), retry, mode,
        mode == DegradedMode.JOURNAL ? b.journalPath() : null, b.journalMaxBytes(), b.asyncMaxPending(), props);
  }

  // ------------------------------------------------------------------------------------ writes

  /** The manager of whichever server is the primary: writes, transactions, {@code submit}. */
  public DatabaseConnectionManager primary() {
    return primary;
  }

  /** {@link DatabaseConnectionManager#update} on the primary. */
  public int update(String sql, Object... params) {
    return primary.update(sql, params);
  }

  /** {@link DatabaseConnectionManager#inTransaction} on the primary. */
  public <T> T inTransaction(TransactionFunction<T> fn) {
    return primary.inTransaction(fn);
  }

  // ------------------------------------------------------------------------------------- reads

  /**
   * Rows of a read on a standby (round-robin over those within the lag bound), on the next standby
   * if that one is unavailable, and on the primary if none is (the write manager, or, while that
   * one is unavailable, the server last measured as primary: just after a promotion). SQL errors
   * are the caller's and are not retried elsewhere.
   *
   * @throws DatabaseUnavailableException when no standby serves and the primary is unavailable
   */
  public <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) {
    return read(m -> m.query(sql, mapper, params));
  }

  /**
   * A session on a standby (as {@link #query}) for several reads; close it to return the
   * connection. Statements on it are the caller's: only getting the connection moves on to
   * another server.
   */
  public Session readSession() {
    return read(DatabaseConnectionManager::session);
  }

  /**
   * {@code op} on a standby (round-robin over those within the lag bound), on the next one if that
   * one is unavailable, then on the write manager, then, while that one is unavailable, on the
   * server last measured as primary.
   */
  private <T> T read(java.util.function.Function<DatabaseConnectionManager, T> op) {
    int[] r = readable;
    int start = r.length == 0 ? 0 : Math.floorMod(nextRead.getAndIncrement(), r.length);
    for (int i = 0; i < r.length; i++) {
      int s = r[(start + i) % r.length];
      try {
        return op.apply(servers[s]);
      } catch (ServiceUnavailableException e) {
        excludeUntilMeasured(s, e);
      }
    }
    try {
      return op.apply(primary);
    } catch (ServiceUnavailableException e) {
      int p = measuredPrimary();
      if (p < 0) {
        throw e;
      }
      return op.apply(servers[p]); // the write manager has not found it yet
    }
  }

  /** A standby failed a read: no more reads on it until the next measurement says otherwise. */
  private void excludeUntilMeasured(int s, Throwable e) {
    InstanceStatus st = statuses.get(s);
    if (st.servesReads()) {
      statuses.set(s, new InstanceStatus(st.address(), Role.DOWN, null, false, Secrets.describe(e)));
      publishReadable();
    }
  }

  /**
   * The server the last measurement found to be a primary, or -1. Right after a promotion the
   * write manager ({@link #primary()}) may still be known down — waiting for its next recovery
   * probe, or pgjdbc's host status cache still saying "standby" — while the promoted server,
   * measured through its own connection, already answers: reads go there rather than fail.
   */
  private int measuredPrimary() {
    for (int i = 0; i < servers.length; i++) {
      if (statuses.get(i).role() == Role.PRIMARY) {
        return i;
      }
    }
    return -1;
  }

  // ---------------------------------------------------------------------------------- monitor

  /** Measures every server's role and lag; monitor thread. */
  private void measure() {
    long now = System.nanoTime();
    for (int i = 0; i < servers.length; i++) {
      InstanceStatus before = statuses.get(i);
      InstanceStatus after = probe(i, now);
      statuses.set(i, after);
      if (before.role() != after.role() || before.servesReads() != after.servesReads()) {
        LOG.info("Database '{}': {} is now {}", name, after.address(), after.describe());
      }
    }
    publishReadable();
  }

  private InstanceStatus probe(int i, long now) {
    String address = hosts.get(i).toString();
    try {
      List<Object[]> rows = servers[i].query(InstanceProbe.SQL,
          r -> new Object[] {r.getBoolean(1), r.getBoolean(2), r.getDouble(3)});
      Object[] row = rows.get(0);
      if (!(Boolean) row[0]) {
        return new InstanceStatus(address, Role.PRIMARY, null, false, null);
      }
      boolean streaming = (Boolean) row[1];
      if (streaming) {
        lastStreamingNanos[i] = now;
      }
      long lag = InstanceProbe.effectiveLagNanos((Double) row[2], streaming, lastStreamingNanos[i], now);
      boolean serves = lag <= config.maxReplicationLag().toNanos();
      return new InstanceStatus(address, Role.STANDBY, Duration.ofNanos(lag), serves, null);
    } catch (RuntimeException e) {
      return new InstanceStatus(address, Role.DOWN, null, false, Secrets.describe(e));
    }
  }

  private void publishReadable() {
    List<Integer> r = new ArrayList<>();
    for (int i = 0; i < servers.length; i++) {
      if (statuses.get(i).servesReads()) {
        r.add(i);
      }
    }
    readable = r.stream().mapToInt(Integer::intValue).toArray();
  }

  // ----------------------------------------------------------------------------------- health

  /** The latest measurement of every server, in URL order. */
  public List<InstanceStatus> instances() {
    List<InstanceStatus> out = new ArrayList<>(servers.length);
    for (int i = 0; i < servers.length; i++) {
      out.add(statuses.get(i));
    }
    return out;
  }

  /**
   * UP when the primary answers and every standby serves reads; DEGRADED when a standby is down or
   * excluded, or when the primary is down but standbys still serve reads; DOWN when neither writes
   * nor reads can be served. Details: {@code instances} ({@code host:port -> primary / standby, lag
   * ... / down: ...}) and the primary's own check.
   */
  public CheckResult healthCheck() {
    CheckResult p = primary.healthCheck();
    Map<String, Object> details = new LinkedHashMap<>();
    Map<String, String> instances = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (InstanceStatus st : instances()) {
      instances.put(st.address(), st.describe());
      if (st.role() == Role.DOWN || (st.role() == Role.STANDBY && !st.servesReads())) {
        problems.add(st.address() + " " + st.describe());
      }
    }
    details.put("instances", instances);
    details.put("primary", p.details());
    int serving = readable.length;
    if (p.outcome() == CheckResult.Outcome.DOWN) {
      String why = "no primary: " + p.error();
      return serving == 0 ? new CheckResult(CheckResult.Outcome.DOWN, null, why + "; no standby serves reads", details)
          : new CheckResult(CheckResult.Outcome.DEGRADED, null, why + "; reads served by " + serving + " standby(s)",
              details);
    }
    if (!problems.isEmpty() || p.outcome() == CheckResult.Outcome.DEGRADED) {
      return new CheckResult(CheckResult.Outcome.DEGRADED, p.latency(), String.join("; ", problems), details);
    }
    return new CheckResult(CheckResult.Outcome.UP, p.latency(), null, details);
  }

  /** Registers {@link #healthCheck()} with {@code health} under the configured name. */
  public void registerHealth(ConnectionHealthManager health, Set<String> features) {
    health.register(name, ServiceType.DATABASE, this::healthCheck, features);
  }

  public ReplicaSetConfig config() {
    return config;
  }

  /** Closes the monitor and every manager. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    monitor.shutdownNow();
    try {
      monitor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    primary.close();
    for (DatabaseConnectionManager m : servers) {
      m.close();
    }
  }

  @Override
  public String toString() {
    return "DatabaseReplicaSet[" + name + ", hosts=" + hosts + ", readable=" + readable.length
        + ", maxReplicationLag=" + Durations.format(config.maxReplicationLag()) + "]";
  }
}
