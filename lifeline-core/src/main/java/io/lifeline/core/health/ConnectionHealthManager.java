package io.lifeline.core.health;

import io.lifeline.core.Backoff;
import io.lifeline.core.ConfigurationException;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.Secrets;
import io.lifeline.core.Ticker;
import io.lifeline.core.internal.Durations;
import io.lifeline.core.internal.LifelineThreads;
import io.lifeline.core.internal.OrderedDispatcher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One place that knows which dependency is healthy, which features are degraded because of it, and
 * tells everyone who cares — promptly, exactly once, never blocked by a slow check.
 *
 * <h2>Checks</h2>
 * Each registered service is checked every {@code checkInterval} (default 30 s) once {@link #start()}
 * ran, and on demand with {@link #checkNow}. Each service has its own schedule: its next check is due
 * one interval after the previous one was <em>due</em>, whatever any other service's check does.
 * Checks run on a bounded pool ({@code maxConcurrentChecks} threads, default 16), never on the
 * scheduler thread, and a service never has two checks in flight. Waiting for a thread and running
 * are bounded separately, each by {@code checkTimeout} (default 5 s):
 * <ul>
 *   <li><b>Not started.</b> A check that no thread took within {@code checkTimeout} (every thread
 *       busy) is withdrawn and reported as "not started (check threads busy)": a scheduling problem
 *       of this manager, not an answer of the service — it changes no status, is not counted in
 *       {@code totalChecks}, is counted in {@link HealthStatus#checksNotStarted()}, {@link
 *       #checksNotStarted()} and the {@link HealthReport#checkThreads() report}, and is logged at WARN
 *       (the first at once, then at most one line per {@code logSummaryInterval}). The service's next
 *       check goes ahead of the others in the queue, so the same services do not miss every round.
 *   <li><b>Timed out.</b> A check still running {@code checkTimeout} after it <em>started</em> is
 *       recorded as DOWN ("check timed out") at that moment and its thread is interrupted; the
 *       service's next round is scheduled as usual. An asynchronous check's pending stage is
 *       cancelled.
 *   <li><b>Stuck.</b> The thread of a timed-out check is <em>abandoned</em> at once: a new thread
 *       replaces it, so overrunning checks do not take the {@code maxConcurrentChecks} threads from
 *       other services (a check that honours the interrupt returns at once and its thread ends). If
 *       it is still inside the check 100 ms after the interrupt (it ignores interruption), one WARN
 *       per service names the stuck check, its thread and the top of its stack. Until the check
 *       returns, that service's rounds start no new check and count as failures ("previous check
 *       still stuck", {@link HealthStatus#checkStuck()}), at the plain interval (no backoff: nothing
 *       is sent); when it returns, its thread ends and the service is checked again on its next
 *       round.
 *   <li><b>Bound.</b> At most {@code maxAbandonedChecks} threads (default 100; {@link
 *       #abandonedChecks()}, and in the report) are abandoned at once. Past it, an overrunning check
 *       keeps its place in the pool until it returns: other services keep being checked as long as
 *       fewer than {@code maxAbandonedChecks + maxConcurrentChecks} checks are stuck at once; beyond
 *       that their checks are reported "not started" (never as failures) until a stuck one returns.
 * </ul>
 * Size {@code maxConcurrentChecks} for the checks that may each run up to their timeout at the same
 * time (slow, not stuck): they hold a thread until then. While a service is UNAVAILABLE, its interval
 * grows by a jittered exponential backoff ({@link RetryConfig}: base, cap, jitter) so a dead service
 * is not hammered. (Virtual threads were considered for checks on Java 21+ and not used: a check that
 * spins, or blocks while pinned, would hold one of the JVM's few carrier threads and stall every
 * virtual thread of the application.)
 *
 * <h2>Status</h2>
 * Decided by {@link StatusMachine}; a successful check slower than {@code latencyThreshold} counts as
 * SLOW. Managers report their own call outcomes with {@link #reportFailure} / {@link #reportSuccess},
 * so a failure marks the service down without waiting for the next check.
 *
 * <h2>Features</h2>
 * Each service lists the features that need it. A feature is available when every service that
 * needs it is HEALTHY or DEGRADED (rule {@link FeatureRule#ALL}), or, if configured with {@link
 * FeatureRule#ANY}, when at least one is. A feature no service lists is available.
 *
 * <h2>Notifications</h2>
 * Every status transition is delivered to each listener exactly once, in order per service, on the
 * manager's notifier threads — never on a checking thread or the caller's. Each listener has its own
 * bounded mailbox (10 000 events; overflow is dropped and logged), so a slow or throwing listener
 * delays and breaks no other listener (up to 4 notifier threads: four listeners blocked for good
 * would stall delivery to the rest).
 *
 * <h2>Logs</h2>
 * Each transition is logged once (WARN when a service becomes or stops being usable, INFO otherwise).
 * Failed checks of a service that is already down are not logged one by one: at most one summary
 * line per {@code logSummaryInterval} (default 5 min).
 *
 * <p>Thread-safe. {@link #close()} cancels in-flight checks and stops every thread it started
 * (threads abandoned to stuck checks are daemon threads and end when their check returns).
 */
public final class ConnectionHealthManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionHealthManager.class);
  static final String THREAD_PREFIX = "lifeline-health-";
  private static final int MAILBOX_LIMIT = 10_000;
  private static final long SEQ_MASK = Long.MAX_VALUE;
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** How a feature's availability follows from its services. */
  public enum FeatureRule {
    /** Available when every service that needs it is usable (HEALTHY or DEGRADED). */
    ALL,
    /** Available when at least one service that provides it is usable (redundant backends). */
    ANY
  }

  private final RetryConfig retryConfig;
  // volatile: retune() replaces them while rounds run; each round and check reads them once
  private volatile Duration checkInterval;
  private volatile Duration checkTimeout;
  private volatile Duration latencyThreshold;
  private final long logSummaryNanos;
  private volatile StatusMachine machine;
  private final Backoff downBackoff;
  private final Ticker ticker;
  private final Clock clock;
  private final Map<String, FeatureRule> featureRules;
  private final ScheduledThreadPoolExecutor scheduler;
  private final CheckRunner runner;
  private final ThreadPoolExecutor notifier;
  private final ConcurrentHashMap<String, Service> services = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<Mailbox> mailboxes = new CopyOnWriteArrayList<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Ticker time of the last "checks not started" WARN, and how many were not started since. */
  private final java.util.concurrent.atomic.AtomicLong lastNotStartedLog = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong notStartedSinceLog = new java.util.concurrent.atomic.AtomicLong();
  private final AtomicBoolean notStartedLogged = new AtomicBoolean();
  private final HealthMeters meters;

  private ConnectionHealthManager(Builder b) {
    this.retryConfig = b.retryConfig;
    this.checkInterval = b.checkInterval;
    this.checkTimeout = b.checkTimeout;
    this.latencyThreshold = b.latencyThreshold;
    this.logSummaryNanos = b.logSummaryInterval.toNanos();
    this.machine = new StatusMachine(b.unavailableThreshold, b.recoveryThreshold);
    this.downBackoff = Backoff.of(b.retryConfig);
    this.ticker = b.ticker;
    this.clock = b.clock;
    this.featureRules = Map.copyOf(b.featureRules);
    int id = INSTANCES.incrementAndGet();
    this.scheduler = new ScheduledThreadPoolExecutor(1, LifelineThreads.factory(THREAD_PREFIX + id + "-scheduler-"));
    scheduler.setRemoveOnCancelPolicy(true);
    this.runner = new CheckRunner(b.maxConcurrentChecks, b.maxAbandonedChecks,
        LifelineThreads.factory(THREAD_PREFIX + id + "-check-"), scheduler, ticker);
    // core = max: with an unbounded queue a pool never grows past its core size
    this.notifier = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS,
        new java.util.concurrent.LinkedBlockingQueue<>(), LifelineThreads.factory(THREAD_PREFIX + id + "-notify-"));
    notifier.allowCoreThreadTimeOut(true);
    this.meters = new HealthMeters(this, "health-" + id);
  }

  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------------------------ register

  /** Registers (or replaces) a service; checked from now on if the manager is started. */
  public void register(String name, ServiceType type, HealthCheck check, Set<String> features) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(check, "check");
    if (closed.get()) {
      throw new IllegalStateException("health manager is closed");
    }
    Service s = new Service(name, type, check, features == null ? Set.of() : Set.copyOf(features));
    Service old = services.put(name, s);
    if (old != null) {
      old.remove();
    }
    if (started.get()) {
      s.schedule(0);
    }
    meters.servicesChanged();
  }

  /** Stops checking {@code name} and forgets it. Returns whether it was registered. */
  public boolean unregister(String name) {
    Service s = services.remove(name);
    if (s == null) {
      return false;
    }
    s.remove();
    meters.servicesChanged();
    return true;
  }

  /**
   * Changes the check schedule and thresholds of a running manager (a configuration reload): the
   * interval applies at once (a round due later than one new interval from now is brought forward
   * to then; a round running now schedules the next with the new interval), the timeout and latency threshold from the next check, the thresholds from the next check's
   * verdict (counts already made are kept, e.g. 2 failures toward a new threshold of 3). Validated
   * like the builder's values, all problems at once; nothing changes when one is rejected.
   *
   * @throws io.lifeline.core.ConfigurationException naming every value out of range
   */
  public void retune(Duration checkInterval, Duration checkTimeout, Duration latencyThreshold,
      int unavailableThreshold, int recoveryThreshold) {
    io.lifeline.core.Validation v = io.lifeline.core.Validation.byField();
    validateTunables(v, checkInterval, checkTimeout, latencyThreshold, unavailableThreshold, recoveryThreshold);
    v.throwIfAny();
    StatusMachine next = new StatusMachine(unavailableThreshold, recoveryThreshold);
    this.checkInterval = checkInterval;
    this.checkTimeout = checkTimeout;
    this.latencyThreshold = latencyThreshold;
    this.machine = next;
    long interval = checkInterval.toNanos();
    services.values().forEach(svc -> svc.pullIn(interval));
  }

  /** The ranges of what {@link #retune} can change, shared with the builder. */
  private static void validateTunables(io.lifeline.core.Validation v, Duration checkInterval, Duration checkTimeout,
      Duration latencyThreshold, int unavailableThreshold, int recoveryThreshold) {
    v.duration("checkInterval", checkInterval, Duration.ofMillis(10), Duration.ofDays(1));
    v.duration("checkTimeout", checkTimeout, Duration.ofMillis(1), Duration.ofHours(1));
    v.duration("latencyThreshold", latencyThreshold, Duration.ZERO, Duration.ofHours(1));
    v.range("unavailableThreshold", unavailableThreshold, 1, 1_000);
    v.range("recoveryThreshold", recoveryThreshold, 1, 1_000);
  }

  /** The interval between two checks of a service, as now in force. */
  public Duration checkInterval() {
    return checkInterval;
  }

  /** The bound on a check's wait for a thread and on its run time, as now in force. */
  public Duration checkTimeout() {
    return checkTimeout;
  }

  /** Names of registered services. */
  public Set<String> services() {
    return Set.copyOf(services.keySet());
  }

  // ----------------------------------------------------------------------------------- lifecycle

  /** Starts background monitoring (idempotent). Every service is checked at once, then every interval. */
  public ConnectionHealthManager start() {
    if (closed.get()) {
      throw new IllegalStateException("health manager is closed");
    }
    if (started.compareAndSet(false, true)) {
      for (Service s : services.values()) {
        s.schedule(0);
      }
    }
    return this;
  }

  public boolean isRunning() {
    return started.get() && !closed.get();
  }

  /**
   * Stops monitoring: cancels scheduled and in-flight checks (interrupting their threads), completes
   * pending {@link #checkNowAsync} futures, lets the notifier deliver what is queued, and waits up to
   * 5 s for every thread to end — except threads abandoned to checks that ignore interruption: those
   * are daemon threads and end when their check returns. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    meters.close();
    for (Service s : services.values()) {
      s.remove();
    }
    scheduler.shutdownNow();
    runner.shutdownNow();
    for (Service s : services.values()) {
      s.releaseWaiters(); // their deadlines were dropped with the scheduler: nothing will report
    }
    notifier.shutdown();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
      runner.awaitTermination(Math.max(0, deadline - System.nanoTime()));
      if (!notifier.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        notifier.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      notifier.shutdownNow();
    }
  }

  // -------------------------------------------------------------------------------------- checks

  /**
   * Runs {@code name}'s check now (or joins the one in flight) and waits for its outcome: at most
   * {@code checkTimeout} for a thread plus {@code checkTimeout} of run time.
   */
  public HealthStatus checkNow(String name) {
    return checkNowAsync(name).join();
  }

  /** Runs {@code name}'s check now; completes with the status after it. */
  public CompletableFuture<HealthStatus> checkNowAsync(String name) {
    Service s = require(name);
    return s.run().thenApply(v -> s.snapshot());
  }

  /** Checks every service concurrently and waits for all (each bounded as in {@link #checkNow}). */
  public Map<String, HealthStatus> checkAll() {
    return checkAllAsync().join();
  }

  public CompletableFuture<Map<String, HealthStatus>> checkAllAsync() {
    List<Service> all = new ArrayList<>(services.values());
    List<CompletableFuture<HealthStatus>> fs = new ArrayList<>();
    for (Service s : all) {
      fs.add(s.run().thenApply(v -> s.snapshot()));
    }
    return CompletableFuture.allOf(fs.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      Map<String, HealthStatus> out = new java.util.TreeMap<>();
      for (CompletableFuture<HealthStatus> f : fs) {
        HealthStatus h = f.join();
        out.put(h.service(), h);
      }
      return out;
    });
  }

  /** A manager's own call failed: counts as a failed check now, without waiting for the next one. */
  public void reportFailure(String name, Throwable error) {
    Service s = services.get(name);
    if (s != null) {
      s.apply(StatusMachine.Signal.FAILURE, null, error == null ? "failure reported" : Secrets.describe(error),
          Map.of(), false);
    }
  }

  /**
   * A manager's client cannot work at all: {@code error} is an {@link Error} from inside its driver
   * (e.g. a {@code NoSuchMethodError} from mismatched library versions). Unlike {@link #reportFailure}
   * the service is UNAVAILABLE at once, with the error as the reason in its status and the report.
   */
  public void reportUnusable(String name, Throwable error) {
    Service s = services.get(name);
    if (s != null) {
      s.apply(StatusMachine.Signal.UNUSABLE, null, "client unusable: " + Secrets.describe(error), Map.of(),
          false);
    }
  }

  /** A manager's own call succeeded in {@code latency}. */
  public void reportSuccess(String name, Duration latency) {
    Service s = services.get(name);
    if (s != null) {
      StatusMachine.Signal sig = latency != null && latency.compareTo(latencyThreshold) > 0
          ? StatusMachine.Signal.SLOW : StatusMachine.Signal.SUCCESS;
      s.apply(sig, latency, null, null, false);
    }
  }

  // ------------------------------------------------------------------------------- status, report

  /** The current status of {@code name}; throws {@link IllegalArgumentException} if unknown. */
  public HealthStatus status(String name) {
    return require(name).snapshot();
  }

  /** The status of {@code name} without a snapshot (for gauges), or null if it is not registered. */
  ServiceStatus currentStatus(String name) {
    Service s = services.get(name);
    return s == null ? null : s.state.get().machine.status();
  }

  public Map<String, HealthStatus> statuses() {
    Map<String, HealthStatus> out = new java.util.TreeMap<>();
    for (Service s : services.values()) {
      out.put(s.name, s.snapshot());
    }
    return out;
  }

  public boolean isFeatureAvailable(String feature) {
    FeatureRule rule = featureRules.getOrDefault(feature, FeatureRule.ALL);
    boolean any = false;
    boolean all = true;
    boolean listed = false;
    for (Service s : services.values()) {
      if (s.features.contains(feature)) {
        listed = true;
        boolean usable = s.state.get().machine.status().isUsable();
        any |= usable;
        all &= usable;
      }
    }
    return !listed || (rule == FeatureRule.ANY ? any : all);
  }

  /** The services that list {@code feature} (empty when none does), sorted. */
  public Set<String> servicesBacking(String feature) {
    Set<String> out = new TreeSet<>();
    for (Map.Entry<String, Service> e : services.entrySet()) {
      if (e.getValue().features.contains(feature)) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  /** Every feature any service lists. */
  public Set<String> features() {
    Set<String> out = new TreeSet<>();
    for (Service s : services.values()) {
      out.addAll(s.features);
    }
    return out;
  }

  public Set<String> availableFeatures() {
    return filterFeatures(this::isFeatureAvailable);
  }

  public Set<String> degradedFeatures() {
    return filterFeatures(f -> !isFeatureAvailable(f));
  }

  private Set<String> filterFeatures(Predicate<String> p) {
    Set<String> out = new TreeSet<>();
    for (String f : features()) {
      if (p.test(f)) {
        out.add(f);
      }
    }
    return out;
  }

  /**
   * Check threads currently abandoned to checks that overran their timeout and have not returned
   * (at most {@code maxAbandonedChecks}); each goes away when its check returns.
   */
  public int abandonedChecks() {
    return runner.abandoned();
  }

  /**
   * Checks that could not start within {@code checkTimeout} because every check thread was busy,
   * since this manager was built (a scheduling problem, not counted as failures of the services).
   */
  public long checksNotStarted() {
    return runner.notStarted();
  }

  public HealthReport report() {
    Map<String, HealthStatus> all = statuses();
    ServiceStatus overall = ServiceStatus.HEALTHY;
    boolean allDown = !all.isEmpty();
    for (HealthStatus h : all.values()) {
      if (h.status() != ServiceStatus.HEALTHY) {
        overall = ServiceStatus.DEGRADED;
      }
      allDown &= h.status() == ServiceStatus.UNAVAILABLE;
    }
    if (allDown) {
      overall = ServiceStatus.UNAVAILABLE;
    }
    return new HealthReport(overall, all, new TreeSet<>(availableFeatures()), new TreeSet<>(degradedFeatures()),
        new HealthReport.CheckThreads(runner.threads(), runner.abandoned(), runner.maxAbandoned(),
            runner.notStarted()),
        clock.instant());
  }

  // ------------------------------------------------------------------------------------ listeners

  /** Every transition of every service. */
  public void addStatusListener(StatusListener listener) {
    mailboxes.add(new Mailbox(Objects.requireNonNull(listener, "listener"), t -> true));
  }

  /** Transitions to a worse status (HEALTHY → DEGRADED/UNAVAILABLE, DEGRADED → UNAVAILABLE, RECOVERING → …). */
  public void onDegraded(StatusListener listener) {
    mailboxes.add(new Mailbox(Objects.requireNonNull(listener, "listener"),
        t -> rank(t.to) > rank(t.from)));
  }

  /** Transitions back to HEALTHY. */
  public void onRecovered(StatusListener listener) {
    mailboxes.add(new Mailbox(Objects.requireNonNull(listener, "listener"),
        t -> t.to == ServiceStatus.HEALTHY));
  }

  public void removeStatusListener(StatusListener listener) {
    mailboxes.removeIf(m -> m.listener == listener);
  }

  private static int rank(ServiceStatus s) {
    switch (s) {
      case HEALTHY: return 0;
      case DEGRADED: return 1;
      case RECOVERING: return 2;
      default: return 3;
    }
  }

  private Service require(String name) {
    Service s = services.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no service '" + name + "' is registered; known: " + services.keySet());
    }
    return s;
  }

  /**
   * A check that waited {@code checkTimeout} for a thread is a scheduling problem of this manager:
   * logged at WARN at once the first time, then at most once per {@code logSummaryInterval} with the
   * count since the last line.
   */
  private void warnNotStarted(String service, long waitedNanos) {
    long count = notStartedSinceLog.incrementAndGet();
    long now = ticker.read();
    long last = lastNotStartedLog.get();
    boolean first = notStartedLogged.compareAndSet(false, true);
    if ((first || now - last >= logSummaryNanos) && lastNotStartedLog.compareAndSet(last, now)) {
      notStartedSinceLog.addAndGet(-count);
      LOG.warn("health check of '{}' not started (check threads busy): it waited {} for one of the {} check threads"
              + " ({} abandoned to stuck checks); {} check(s) not started since the last such line, {} in all."
              + " Not counted as a failure of the service; retried next round. Consider more maxConcurrentChecks"
              + " or faster checks", service, Durations.format(Duration.ofNanos(waitedNanos)), runner.threads(),
          runner.abandoned(), count, runner.notStarted());
    }
  }

  private static String threadName(CheckRunner.Attempt a) {
    Thread t = a.thread();
    return t == null ? "?" : "'" + t.getName() + "'";
  }

  /**
   * The top frames of a stuck check's thread, down to the first frame outside the JDK (where the
   * check's own code waits), for its one log line. Taken once per stuck episode of a service.
   */
  private static String topFrames(Thread t) {
    if (t == null) {
      return "";
    }
    StackTraceElement[] frames = t.getStackTrace();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(8, frames.length); i++) {
      sb.append("\n\tat ").append(frames[i]);
      String c = frames[i].getClassName();
      if (i >= 2 && !c.startsWith("java.") && !c.startsWith("jdk.") && !c.startsWith("sun.")) {
        break;
      }
    }
    return sb.toString();
  }

  // -------------------------------------------------------------------------------------- service

  /** Immutable per-service state; replaced by CAS. {@code seq} counts status transitions. */
  private static final class State {
    final StatusMachine.State machine;
    final long seq;
    final Instant lastCheck;
    final Instant lastSuccess;
    final Duration responseTime;
    final long totalChecks;
    final long successes;
    final String lastError;
    final Map<String, Object> details;

    State(StatusMachine.State machine, long seq, Instant lastCheck, Instant lastSuccess, Duration responseTime,
        long totalChecks, long successes, String lastError, Map<String, Object> details) {
      this.machine = machine;
      this.seq = seq;
      this.lastCheck = lastCheck;
      this.lastSuccess = lastSuccess;
      this.responseTime = responseTime;
      this.totalChecks = totalChecks;
      this.successes = successes;
      this.lastError = lastError;
      this.details = details;
    }
  }

  private static final class Transition {
    final String service;
    final ServiceStatus from;
    final ServiceStatus to;
    final HealthStatus status;

    Transition(String service, ServiceStatus from, ServiceStatus to, HealthStatus status) {
      this.service = service;
      this.from = from;
      this.to = to;
      this.status = status;
    }

    @Override
    public String toString() {
      return service + ": " + from + " -> " + to;
    }
  }

  private final class Service {
    final String name;
    final ServiceType type;
    final HealthCheck check;
    final Set<String> features;
    final AtomicReference<State> state = new AtomicReference<>(
        new State(StatusMachine.State.INITIAL, 0, null, null, null, 0, 0, null, Map.of()));
    /** The check in flight (queued, running, or overrun and still running), as its outcome future. */
    final AtomicReference<CompletableFuture<Void>> flight = new AtomicReference<>();
    /** The overrun check whose thread has not returned yet; null otherwise. */
    volatile CheckRunner.Attempt stuck;
    final AtomicBoolean stuckLogged = new AtomicBoolean();
    final java.util.concurrent.atomic.AtomicLong notStartedCount = new java.util.concurrent.atomic.AtomicLong();
    /** Rounds in a row whose check found no thread: the priority of its next check in the queue. */
    final AtomicInteger notStartedInARow = new AtomicInteger();
    /** Ticker time of the last "still down" summary (or of going down); guards log spam. */
    final java.util.concurrent.atomic.AtomicLong lastSummary = new java.util.concurrent.atomic.AtomicLong();
    final AtomicInteger failuresSinceSummary = new AtomicInteger();
    final OrderedDispatcher<Transition> dispatcher;
    volatile ScheduledFuture<?> next;
    volatile long nextAtNanos = Long.MIN_VALUE;
    volatile boolean removed;

    Service(String name, ServiceType type, HealthCheck check, Set<String> features) {
      this.name = name;
      this.type = type;
      this.check = check;
      this.features = features;
      this.dispatcher = new OrderedDispatcher<>("health '" + name + "'", notifier, 1, SEQ_MASK,
          ConnectionHealthManager.this::fanOut);
    }

    /**
     * After {@link #retune}: a round due more than {@code intervalNanos} from now (scheduled with a
     * longer interval or a backoff) is brought forward to one new interval from now. A round that
     * has begun is left alone: it schedules its successor with the new interval itself.
     */
    void pullIn(long intervalNanos) {
      scheduling.lock();
      try {
        ScheduledFuture<?> n = next;
        if (n == null || removed || nextAtNanos - ticker.read() <= intervalNanos) {
          return;
        }
        if (n.cancel(false)) {
          nextAtNanos = Long.MIN_VALUE; // from now, not from the cancelled round's due time
          schedule(intervalNanos);
        }
      } finally {
        scheduling.unlock();
      }
    }

    /**
     * Orders {@link #pullIn} with a finishing round's {@code schedule(nextDelay())}: without it a
     * retune between the round's reading of the old interval and its scheduling found no pending
     * round to bring forward, and the next check waited the old interval. Taken once per round,
     * never on a call path; a lock, not a monitor (no virtual-thread pinning).
     */
    private final java.util.concurrent.locks.ReentrantLock scheduling = new java.util.concurrent.locks.ReentrantLock();

    private void scheduleNext() {
      scheduling.lock();
      try {
        schedule(nextDelay());
      } finally {
        scheduling.unlock();
      }
    }

    void remove() {
      removed = true;
      ScheduledFuture<?> n = next;
      if (n != null) {
        n.cancel(false);
      }
    }

    /**
     * The last round found the previous check still stuck and sent nothing. Its delay is the plain
     * interval even when the stuck check returns between that round and the computing of the delay:
     * otherwise the failures counted while stuck set the backoff, and a service whose check had
     * just come back waited up to the backoff's cap (60 s by default) for its next check.
     */
    volatile boolean lastRoundStuck;

    /** The last check timed out and its thread has not returned from it yet. */
    boolean previousCheckRunning() {
      CompletableFuture<Void> f = flight.get();
      return f != null && f.isDone();
    }

    void releaseWaiters() {
      CompletableFuture<Void> f = flight.get();
      if (f != null) {
        f.complete(null);
      }
    }

    /**
     * Schedules the next check {@code delayNanos} after the previous one was <em>due</em> (not after
     * it finished), so checks keep their rhythm instead of drifting by their own duration; a check
     * that is already overdue runs at once.
     */
    void schedule(long delayNanos) {
      scheduling.lock();
      try {
        scheduleLocked(delayNanos);
      } finally {
        scheduling.unlock();
      }
    }

    private void scheduleLocked(long delayNanos) {
      if (removed || closed.get()) {
        return;
      }
      long now = ticker.read();
      long previous = nextAtNanos;
      long due = previous == Long.MIN_VALUE || delayNanos == 0 ? now + delayNanos : previous + delayNanos;
      if (due < now) {
        due = now;
      }
      nextAtNanos = due;
      try {
        next = scheduler.schedule(this::round, due - now, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // closed meanwhile
      }
    }

    /**
     * The interval, stretched by jittered exponential backoff while UNAVAILABLE — except while a
     * check of this service is stuck: no new check is sent then, so there is nothing to spare, and
     * the plain interval lets the service be checked again one interval after its check returns.
     */
    long nextDelay() {
      StatusMachine.State m = state.get().machine;
      long interval = checkInterval.toNanos();
      if (m.status() == ServiceStatus.UNAVAILABLE && m.consecutiveFailures() > 0 && !previousCheckRunning()
          && !lastRoundStuck) {
        return interval + downBackoff.delayNanos(Math.min(m.consecutiveFailures(), 62));
      }
      return interval;
    }

    /**
     * Runs one check, or joins the one in flight. Completes normally once its outcome is recorded
     * (at the latest at the check's timeout, or at the end of its wait for a thread).
     */
    /**
     * One scheduled round; the next is scheduled when it ends, whatever happens in it. An exception
     * out of a round (a failing meter listener, say) once ended this service's checks for good:
     * its status froze at whatever it was, with no log line.
     */
    private void round() {
      CompletableFuture<Void> f;
      try {
        f = run();
      } catch (RuntimeException | Error e) {
        LOG.error("health check round of '{}' failed; the next round is scheduled as usual: {}", name,
            Secrets.describe(e));
        f = CompletableFuture.completedFuture(null);
      }
      f.whenComplete((h, e) -> scheduleNext());
    }

    CompletableFuture<Void> run() {
      Round round = new Round();
      for (;;) {
        if (flight.compareAndSet(null, round.done)) {
          break;
        }
        CompletableFuture<Void> c = flight.get();
        if (c == null) {
          continue; // the previous check just ended
        }
        if (!c.isDone()) {
          return c; // an on-demand check joins the one queued or running
        }
        // the previous check overran its timeout and has not returned: no second thread for it
        lastRoundStuck = true;
        CheckRunner.Attempt a = stuck;
        apply(StatusMachine.Signal.FAILURE, null, a == null ? "previous check still running after " + checkTimeout.toMillis() + "ms (interrupted)"
            : "previous check still stuck: running for " + Durations.format(Duration.ofNanos(a.runningNanos()))
                + " (timeout " + checkTimeout.toMillis() + "ms) on thread " + threadName(a), null, true);
        return CompletableFuture.completedFuture(null);
      }
      lastRoundStuck = false;
      if (runner.submit(name, check, checkTimeout.toNanos(), notStartedInARow.get(), round) == null) {
        flight.compareAndSet(round.done, null); // closing
        round.done.complete(null);
      }
      return round.done;
    }

    /** Reports of one check from the {@link CheckRunner}; each completes {@link #done} once. */
    private final class Round implements CheckRunner.Listener {
      final CompletableFuture<Void> done = new CompletableFuture<>();

      @Override
      public void notStarted(long waitedNanos) {
        try {
          notStartedCount.incrementAndGet();
          notStartedInARow.incrementAndGet();
          warnNotStarted(name, waitedNanos);
        } finally {
          end();
        }
      }

      @Override
      public void finished(CheckResult result) {
        try {
          stuckLogged.set(false); // answered in time: a later overrun is news again
          notStartedInARow.set(0);
          record(result);
          if (result.latency() != null && meters.checkTiming.isObserved()) {
            meters.checkTiming.record(result.latency().toNanos(),
                result.outcome().name().toLowerCase(java.util.Locale.ROOT));
          }
        } catch (RuntimeException | Error e) {
          // the round must end whatever a meter listener does, or the service is never checked again
          LOG.error("recording the health check of '{}' failed: {}", name, Secrets.describe(e));
        } finally {
          end();
        }
      }

      @Override
      public void timedOut(CheckRunner.Attempt attempt, boolean threadHeld) {
        try {
          notStartedInARow.set(0);
          apply(StatusMachine.Signal.FAILURE, checkTimeout, "check timed out after " + checkTimeout.toMillis() + "ms",
              null, true);
          meters.checkTiming.record(checkTimeout.toNanos(), "timeout");
        } catch (RuntimeException | Error e) {
          LOG.error("recording the health check timeout of '{}' failed: {}", name, Secrets.describe(e));
        } finally {
          if (threadHeld) {
            done.complete(null); // the caller moves on; the flight ends when the thread returns
          } else {
            end();
          }
        }
      }

      @Override
      public void stuck(CheckRunner.Attempt attempt) {
        stuck = attempt;
        logStuckOnce(attempt);
      }

      @Override
      public void returnedLate(CheckRunner.Attempt attempt) {
        stuck = null;
        flight.compareAndSet(done, null);
        LOG.debug("health check of '{}' returned after {} (timeout {}ms); its thread is released", name,
            Durations.format(Duration.ofNanos(attempt.runningNanos())), checkTimeout.toMillis());
      }

      private void end() {
        flight.compareAndSet(done, null);
        done.complete(null);
      }
    }

    /** Once per episode (until a check of this service answers in time): which check is stuck, where. */
    private void logStuckOnce(CheckRunner.Attempt a) {
      if (!stuckLogged.compareAndSet(false, true)) {
        return;
      }
      String replaced = a.threadAbandoned()
          ? "its thread is abandoned and replaced (" + runner.abandoned() + " of at most " + runner.maxAbandoned()
              + " abandoned check threads)"
          : "its thread is NOT replaced: the bound of " + runner.maxAbandoned() + " abandoned check threads"
              + " (maxAbandonedChecks) is reached, so the pool runs with one thread less until it returns";
      LOG.warn("health check of '{}' overran its {}ms timeout and is still running on thread {}; {}; this service"
          + " is not checked again until it returns{}", name, checkTimeout.toMillis(), threadName(a), replaced,
          topFrames(a.thread()));
    }

    void record(CheckResult r) {
      StatusMachine.Signal sig;
      switch (r.outcome()) {
        case UP:
          sig = r.latency() != null && r.latency().compareTo(latencyThreshold) > 0
              ? StatusMachine.Signal.SLOW : StatusMachine.Signal.SUCCESS;
          break;
        case DEGRADED:
          sig = StatusMachine.Signal.SLOW;
          break;
        default:
          sig = StatusMachine.Signal.FAILURE;
      }
      String err = r.outcome() == CheckResult.Outcome.UP ? null
          : r.error() != null ? r.error() : r.outcome().name().toLowerCase(java.util.Locale.ROOT);
      apply(sig, r.latency(), err, r.details(), true);
    }

    /** Folds one signal into the state (CAS); publishes a transition if the status changed. */
    void apply(StatusMachine.Signal sig, Duration latency, String error, Map<String, Object> details,
        boolean isCheck) {
      if (closed.get()) {
        return; // checks interrupted by close() report nothing
      }
      Instant now = clock.instant();
      for (;;) {
        State s = state.get();
        StatusMachine.State m = machine.next(s.machine, sig);
        boolean changed = m.status() != s.machine.status();
        boolean ok = sig != StatusMachine.Signal.FAILURE && sig != StatusMachine.Signal.UNUSABLE;
        State n = new State(m, changed ? s.seq + 1 : s.seq, now, ok ? now : s.lastSuccess,
            latency != null ? latency : s.responseTime,
            isCheck ? s.totalChecks + 1 : s.totalChecks,
            isCheck && ok ? s.successes + 1 : s.successes,
            error != null ? error : s.lastError,
            details != null && !details.isEmpty() ? details : s.details);
        if (state.compareAndSet(s, n)) {
          if (changed) {
            if (m.status() == ServiceStatus.UNAVAILABLE) {
              lastSummary.set(ticker.read());
              failuresSinceSummary.set(0);
            }
            dispatcher.publish(n.seq, new Transition(name, s.machine.status(), m.status(), toStatus(n)));
          } else if (m.status() == ServiceStatus.UNAVAILABLE && sig == StatusMachine.Signal.FAILURE) {
            summarizeStillDown(n);
          }
          return;
        }
      }
    }

    /**
     * Repeated failures of a down service are not logged one by one: at most one summary line per
     * {@code logSummaryInterval} (default 5 min) says it is still down.
     */
    private void summarizeStillDown(State n) {
      int failures = failuresSinceSummary.incrementAndGet();
      long last = lastSummary.get();
      long now = ticker.read();
      if (now - last >= logSummaryNanos && lastSummary.compareAndSet(last, now)) {
        failuresSinceSummary.addAndGet(-failures);
        LOG.warn("service '{}' is still UNAVAILABLE: {} more failed checks in the last {}s; last error: {}",
            name, failures, Duration.ofNanos(now - last).toSeconds(), n.lastError);
      }
    }

    HealthStatus snapshot() {
      return toStatus(state.get());
    }

    HealthStatus toStatus(State s) {
      long nextAt = nextAtNanos;
      Instant nextCheckAt = !isRunning() || removed || nextAt == Long.MIN_VALUE ? null
          : clock.instant().plusNanos(Math.max(0, nextAt - ticker.read()));
      return new HealthStatus(name, type, s.machine.status(), s.lastCheck, s.lastSuccess, s.responseTime,
          s.machine.consecutiveFailures(), s.totalChecks,
          s.totalChecks == 0 ? 0.0 : (double) s.successes / s.totalChecks, s.lastError, nextCheckAt,
          notStartedCount.get(), stuck != null, s.details);
    }
  }

  private void fanOut(Transition t) {
    String why = t.status.lastError() == null || t.to == ServiceStatus.HEALTHY ? "" : ": " + t.status.lastError();
    if (t.from.isUsable() != t.to.isUsable()) {
      LOG.warn("service '{}' is {} (was {}){}", t.service, t.to, t.from, why);
    } else {
      LOG.info("service '{}' is {} (was {}){}", t.service, t.to, t.from, why);
    }
    for (Mailbox m : mailboxes) {
      if (m.filter.test(t)) {
        m.post(t);
      }
    }
  }

  /** One listener's queue: serial delivery on the notifier, bounded, isolated from other listeners. */
  private final class Mailbox {
    final StatusListener listener;
    final Predicate<Transition> filter;
    final ConcurrentLinkedQueue<Transition> queue = new ConcurrentLinkedQueue<>();
    final AtomicInteger size = new AtomicInteger();
    final AtomicInteger wip = new AtomicInteger();
    final AtomicInteger dropped = new AtomicInteger();

    Mailbox(StatusListener listener, Predicate<Transition> filter) {
      this.listener = listener;
      this.filter = filter;
    }

    void post(Transition t) {
      if (size.incrementAndGet() > MAILBOX_LIMIT) {
        size.decrementAndGet();
        if (dropped.getAndIncrement() % 1_000 == 0) {
          LOG.warn("status listener {} is too slow: {} queued, notifications dropped ({} so far)",
              listener, MAILBOX_LIMIT, dropped.get());
        }
        return;
      }
      queue.add(t);
      if (wip.getAndIncrement() == 0) {
        try {
          notifier.execute(this::drain);
        } catch (RejectedExecutionException closedNow) {
          wip.set(0);
        }
      }
    }

    void drain() {
      int missed = 1;
      for (;;) {
        Transition t;
        while ((t = queue.poll()) != null) {
          size.decrementAndGet();
          try {
            listener.onStatusChange(t.service, t.from, t.to, t.status);
          } catch (Throwable e) {
            LOG.warn("status listener {} threw on {}; other listeners unaffected", listener, t, e);
          }
        }
        missed = wip.addAndGet(-missed);
        if (missed == 0) {
          return;
        }
      }
    }
  }

  @Override
  public String toString() {
    return "ConnectionHealthManager[services=" + services.size() + ", running=" + isRunning() + "]";
  }

  // --------------------------------------------------------------------------------------- global

  private static final AtomicReference<ConnectionHealthManager> GLOBAL = new AtomicReference<>();
  private static volatile io.lifeline.core.Lifeline.Registration globalRegistration;

  /** The process-wide manager, created with defaults and started on first use. */
  public static ConnectionHealthManager global() {
    ConnectionHealthManager m = GLOBAL.get();
    return m != null ? m : initializeGlobal(builder());
  }

  /**
   * Creates and starts the process-wide manager from {@code builder} if there is none yet; returns
   * the one in place otherwise (idempotent, thread-safe).
   */
  public static ConnectionHealthManager initializeGlobal(Builder builder) {
    for (;;) {
      ConnectionHealthManager m = GLOBAL.get();
      if (m != null) {
        return m;
      }
      ConnectionHealthManager created = builder.build();
      if (GLOBAL.compareAndSet(null, created)) {
        globalRegistration =
            io.lifeline.core.Lifeline.register("health", ConnectionHealthManager::shutdownGlobal);
        return created.start();
      }
      created.close();
    }
  }

  /** Closes the process-wide manager, if any (idempotent). */
  public static void shutdownGlobal() {
    ConnectionHealthManager m = GLOBAL.getAndSet(null);
    if (m != null) {
      io.lifeline.core.Lifeline.Registration r = globalRegistration;
      if (r != null) {
        r.unregister();
      }
      m.close();
    }
  }

  // -------------------------------------------------------------------------------------- builder

  /** Builds a {@link ConnectionHealthManager}. Not thread-safe. */
  public static final class Builder {
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_LATENCY_THRESHOLD = Duration.ofSeconds(1);
    public static final int DEFAULT_UNAVAILABLE_THRESHOLD = 3;
    public static final int DEFAULT_RECOVERY_THRESHOLD = 2;
    public static final int DEFAULT_MAX_CONCURRENT_CHECKS = 16;
    public static final int DEFAULT_MAX_ABANDONED_CHECKS = 100;

    private RetryConfig retryConfig = RetryConfig.defaults();
    private Duration checkInterval = DEFAULT_CHECK_INTERVAL;
    private Duration checkTimeout = DEFAULT_CHECK_TIMEOUT;
    private Duration latencyThreshold = DEFAULT_LATENCY_THRESHOLD;
    private Duration logSummaryInterval = Duration.ofMinutes(5);
    private int unavailableThreshold = DEFAULT_UNAVAILABLE_THRESHOLD;
    private int recoveryThreshold = DEFAULT_RECOVERY_THRESHOLD;
    private int maxConcurrentChecks = DEFAULT_MAX_CONCURRENT_CHECKS;
    private int maxAbandonedChecks = DEFAULT_MAX_ABANDONED_CHECKS;
    private Ticker ticker = Ticker.system();
    private Clock clock = Clock.systemUTC();
    private final Map<String, FeatureRule> featureRules = new HashMap<>();

    /** Builder methods given {@code null} (reported by {@link #build()}, with the other problems). */
    private final List<String> nullArguments = new ArrayList<>();

    private Builder() {}

    /** Backoff (base, cap, jitter) between checks of an UNAVAILABLE service. */
    public Builder retryConfig(RetryConfig config) {
      this.retryConfig = config;
      return this;
    }

    /** Time between two checks of one service: 10 ms to 1 day (default 30 s). */
    public Builder checkInterval(Duration interval) {
      this.checkInterval = interval;
      return this;
    }

    /**
     * Bound on a check's wait for a thread, and separately on its run time: 1 ms to 1 hour (default
     * 5 s); a check that overruns it is DOWN, and its thread is replaced if it has not returned.
     */
    public Builder checkTimeout(Duration timeout) {
      this.checkTimeout = timeout;
      return this;
    }

    /** A successful check slower than this counts as SLOW (→ DEGRADED): 0 to 1 hour (default 1 s). */
    public Builder latencyThreshold(Duration threshold) {
      this.latencyThreshold = threshold;
      return this;
    }

    /** At most one "still down" log line per service per this interval: 1 s to 1 day (default 5 min). */
    public Builder logSummaryInterval(Duration interval) {
      this.logSummaryInterval = interval;
      return this;
    }

    /** Consecutive failures that make a service UNAVAILABLE: 1 to 1000 (default 3). */
    public Builder unavailableThreshold(int failures) {
      this.unavailableThreshold = failures;
      return this;
    }

    /** Consecutive successes that make an UNAVAILABLE service HEALTHY again: 1 to 1000 (default 2). */
    public Builder recoveryThreshold(int successes) {
      this.recoveryThreshold = successes;
      return this;
    }

    /**
     * Threads that may run checks at once: 1 to 1024 (default 16); threads abandoned to overrunning
     * checks are replaced and do not count (see {@link #maxAbandonedChecks}).
     */
    public Builder maxConcurrentChecks(int threads) {
      this.maxConcurrentChecks = threads;
      return this;
    }

    /**
     * At most this many check threads are abandoned to checks that overran their timeout and have
     * not returned: 0 to 10000 (default 100; 0 = never replace one). Each abandoned thread is
     * replaced so that stuck checks do not take the {@code maxConcurrentChecks} threads; past this
     * bound an overrunning check keeps its place in the pool until it returns.
     */
    public Builder maxAbandonedChecks(int threads) {
      this.maxAbandonedChecks = threads;
      return this;
    }

    public Builder featureRule(String feature, FeatureRule rule) {
      if (feature == null || rule == null) {
        nullArguments.add(feature == null ? "featureRule (feature)" : "featureRule " + feature + " (rule)");
      } else {
        featureRules.put(feature, rule);
      }
      return this;
    }

    public Builder ticker(Ticker ticker) {
      this.ticker = ticker;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Validates and builds. Every invalid value (out of range, or {@code null} given to a builder
     * method) is reported in one {@link ConfigurationException}, named by the builder method.
     */
    public ConnectionHealthManager build() {
      io.lifeline.core.Validation v = io.lifeline.core.Validation.byField();
      v.required("retryConfig", retryConfig);
      validateTunables(v, checkInterval, checkTimeout, latencyThreshold, unavailableThreshold, recoveryThreshold);
      v.duration("logSummaryInterval", logSummaryInterval, Duration.ofSeconds(1), Duration.ofDays(1));
      v.range("maxConcurrentChecks", maxConcurrentChecks, 1, 1_024);
      v.range("maxAbandonedChecks", maxAbandonedChecks, 0, 10_000);
      v.required("ticker", ticker);
      v.required("clock", clock);
      nullArguments.forEach(method -> v.problem(method, "null", "must not be null"));
      v.throwIfAny();
      new StatusMachine(unavailableThreshold, recoveryThreshold); // validates
      return new ConnectionHealthManager(this);
    }
  }

}
