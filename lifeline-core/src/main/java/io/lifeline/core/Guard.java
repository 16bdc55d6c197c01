package io.lifeline.core;

import io.lifeline.core.internal.Durations;
import io.lifeline.core.internal.FatalErrorLog;
import io.lifeline.core.internal.LifelineThreads;
import io.lifeline.core.internal.Watchdog;
import io.lifeline.core.spi.CallObserver;
import io.lifeline.core.spi.CallOutcome;
import io.lifeline.core.spi.Instrumentation;
import io.lifeline.core.spi.Instrumented;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;

/**
 * The one object every Lifeline call goes through: metrics, deadline, budgeted retry with backoff,
 * circuit breaker and attempt timeout, composed in a fixed order so they cannot be composed wrongly.
 *
 * <h2>Order (outermost first)</h2>
 *
 * <pre>
 *   metrics ─► call deadline ─► retry (backoff + budget) ─► circuit breaker ─► attempt timeout ─► operation
 * </pre>
 *
 * <ul>
 *   <li><b>Retry outside the breaker</b>: every attempt asks the breaker for a permit, so once it
 *       opens no further attempt reaches the dependency (never retry while open), and every attempt's
 *       outcome is counted by the breaker.
 *   <li><b>Attempt timeout inside the breaker</b>: a timed-out attempt counts as a failure.
 *   <li><b>The retry budget</b> is consulted before each retry, not per attempt: first attempts are
 *       never refused by it, retries are capped to a share of recent calls.
 *   <li><b>The call deadline</b> ({@link Builder#timeout}) bounds the whole call: no backoff sleeps
 *       past it and each attempt is bounded by what is left of it.
 *   <li><b>One retry layer</b>: a {@link LifelineException} coming out of the operation (e.g. from a
 *       nested Guard) is never retried again.
 * </ul>
 *
 * <h2>Outcomes</h2>
 *
 * A call returns the operation's result, or throws: the operation's own unchecked exception for a
 * {@linkplain ErrorClass#CALLER_ERROR caller error} (checked ones wrapped in {@link
 * CallFailedException}); {@link CircuitOpenException} when the breaker rejects an attempt; {@link
 * RetriesExhaustedException} when {@code maxRetries + 1} attempts failed or the budget refused a
 * retry; {@link CallTimeoutException} when the deadline passed; {@link ServiceUnavailableException}
 * for a non-retriable {@linkplain ErrorClass#FAILURE failure}; {@link CallFailedException} when the
 * calling thread was interrupted. An {@link Error} anywhere in an attempt's failure (e.g. a {@code
 * NoSuchMethodError} a driver wrapped in its own connection exception) is no outage: it is thrown
 * itself at once, before any classifier is asked, never retried nor counted against the breaker, and
 * logged once per type at ERROR (see {@link ErrorClassifier#findError}).
 *
 * <p>A call makes at most {@code maxRetries + 1} attempts; a call to a dead dependency makes exactly
 * that many while the breaker stays closed and the budget has room.
 *
 * <p>Every permit taken from the breaker is reported exactly once, whatever happens (a classifier
 * that throws, a supplier that throws, a rejected scheduler task, cancellation): a HALF_OPEN breaker
 * can never be left waiting for a probe that the Guard lost.
 *
 * <h2>Sync and async</h2>
 *
 * {@link #call} runs attempts on the calling thread and sleeps between them on that thread (which
 * unmounts a virtual thread). {@link #callAsync} never sleeps: retries and timeouts are scheduled;
 * the supplier is called on the caller's thread for the first attempt and on the retry executor
 * ({@link Builder#retryExecutor}) for retries, so it should return a stage quickly rather than do
 * blocking work itself. Cancelling the returned future cancels the attempt in flight and any pending
 * retry.
 *
 * <h2>Cost</h2>
 *
 * The success path of {@link #call} without timeouts takes no lock and allocates nothing: a
 * volatile read of the breaker, one CAS on a thread-striped budget counter and one {@code LongAdder}
 * increment. With an attempt timeout or deadline, each sync attempt schedules a timer task.
 *
 * <h2>Instrumentation</h2>
 *
 * Every Guard registers itself with {@link Instrumentation} (held weakly), tagged {@code service}
 * = its name and {@code backend} = {@link Builder#backend} (default {@value #DEFAULT_BACKEND}), so a
 * binder such as {@code LifelineMetrics.bindTo(registry)} sees it, whenever it was built. A binder
 * attaches a {@link CallObserver} ({@link #addCallObserver}); with none attached (the usual case
 * without a binder) a call pays one volatile read for it.
 *
 * <p>Thread-safe; share one Guard per dependency.
 */
public final class Guard {
  private final String name;
  private final RetryConfig config;
  private final int maxRetries;
  private final Backoff backoff;
  private final CircuitBreaker breaker;
  private final RetryBudget budget;
  private final ErrorClassifier classifier;
  private final ConnectionMetrics metrics;
  private final ScheduledExecutorService scheduler;
  private final java.util.concurrent.Executor retryExecutor;
  private final Ticker ticker;
  private final long attemptTimeoutNanos;
  private final long timeoutNanos;
  private final java.util.function.Function<? super Throwable, Duration> retryAfter;
  private final long maxDelayNanos;
  private final FatalErrorLog fatalErrors;
  private final String backend;
  private volatile CallObserver observer; // null: nobody observes calls
  // held here because Instrumentation holds it weakly: it lives as long as this Guard
  private final Instrumented meters = sink -> sink.calls(this, "service", name(), "backend", backend());

  /** The {@code backend} tag of a Guard built without {@link Builder#backend}. */
  public static final String DEFAULT_BACKEND = "guard";

  private Guard(Builder b) {
    this.name = b.name;
    this.config = b.config == null ? RetryConfig.defaults() : b.config;
    this.maxRetries = config.maxRetries();
    this.backoff = Backoff.of(config);
    this.ticker = b.ticker == null ? Ticker.system() : b.ticker;
    this.breaker = b.breaker != null ? b.breaker
        : CircuitBreaker.builder(name, config).withTicker(ticker).build();
    this.budget = b.budget != null ? b.budget
        : RetryBudget.of(config.retryBudgetRatio(), config.retryBudgetMinPerSecond(),
            config.retryBudgetWindow(), ticker);
    this.classifier = b.classifier == null ? ErrorClassifier.defaults() : b.classifier;
    this.fatalErrors = new FatalErrorLog(b.name);
    this.metrics = b.metrics == null ? new ConnectionMetrics() : b.metrics;
    this.scheduler = b.scheduler == null ? LifelineThreads.scheduler() : b.scheduler;
    this.retryExecutor = b.retryExecutor == null ? LifelineThreads.retries() : b.retryExecutor;
    this.attemptTimeoutNanos = b.attemptTimeout == null ? 0 : b.attemptTimeout.toNanos();
    this.timeoutNanos = b.timeout == null ? 0 : b.timeout.toNanos();
    this.retryAfter = b.retryAfter;
    this.maxDelayNanos = saturatedNanos(config.maxDelay());
    this.backend = b.backend == null ? DEFAULT_BACKEND : b.backend;
    if (b.instrument) {
      Instrumentation.register(meters);
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** A guard named {@code name} with {@code config} and the default error classification. */
  public static Guard of(String name, RetryConfig config) {
    return builder(name).retryConfig(config).build();
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  public RetryConfig config() {
    return config;
  }

  public CircuitBreaker circuitBreaker() {
    return breaker;
  }

  public RetryBudget retryBudget() {
    return budget;
  }

  public ConnectionMetrics metrics() {
    return metrics;
  }

  /** What this guard protects, as a metric tag ({@code redis}, {@code postgresql} …). */
  public String backend() {
    return backend;
  }

  /**
   * SPI: observes every call and attempt of this guard from now on (see {@link CallObserver} for
   * the contract); the returned handle detaches it. Several observers are called in the order they
   * were added. Meant for binders ({@code lifeline-micrometer}), not for application logic.
   */
  public AutoCloseable addCallObserver(CallObserver added) {
    Objects.requireNonNull(added, "observer");
    for (;;) {
      CallObserver cur = observer;
      CallObserver next = CallObservers.with(cur, added);
      if (OBSERVER.compareAndSet(this, cur, next)) {
        return () -> removeCallObserver(added);
      }
    }
  }

  private void removeCallObserver(CallObserver removed) {
    for (;;) {
      CallObserver cur = observer;
      CallObserver next = CallObservers.without(cur, removed);
      if (next == cur || OBSERVER.compareAndSet(this, cur, next)) {
        return;
      }
    }
  }

  private static final java.util.concurrent.atomic.AtomicReferenceFieldUpdater<Guard, CallObserver>
      OBSERVER = java.util.concurrent.atomic.AtomicReferenceFieldUpdater.newUpdater(
          Guard.class, CallObserver.class, "observer");

  // ------------------------------------------------------------------------------------------ sync

  /**
   * Runs {@code op} under this guard on the calling thread. See the class documentation for the
   * exceptions.
   */
  public <T> T call(Callable<? extends T> op) {
    CallObserver obs = observer;
    return obs == null ? attempts(op, null, null) : observedCall(op, obs);
  }

  private <T> T observedCall(Callable<? extends T> op, CallObserver obs) {
    Object token = obs.callStarted(name);
    long start = ticker.read();
    T result;
    try {
      result = attempts(op, obs, token);
    } catch (Throwable t) {
      obs.callEnded(token, ticker.read() - start, CallOutcome.of(t), t);
      throw t;
    }
    obs.callEnded(token, ticker.read() - start, CallOutcome.SUCCESS, null);
    return result;
  }

  private <T> T attempts(Callable<? extends T> op, CallObserver obs, Object token) {
    budget.recordCall();
    final long deadline = timeoutNanos > 0 ? ticker.read() + timeoutNanos : 0;
    Throwable last = null;
    for (int attempt = 1; ; attempt++) {
      long permit = breaker.tryAcquirePermission();
      if (permit < 0) {
        metrics.recordRejected();
        throw rejected(last);
      }
      long limit = 0;
      if (attemptTimeoutNanos != 0 || deadline != 0) {
        limit = attemptLimit(deadline);
        if (limit <= 0) {
          breaker.onIgnored(permit);
          throw new CallTimeoutException(name, Duration.ofNanos(timeoutNanos), attempt - 1, last);
        }
      }
      if (obs != null) {
        obs.attemptStarted(token, attempt);
      }
      T result;
      long started = breaker.startTime();
      try {
        result = limit == 0 ? op.call() : callWithTimeout(op, limit);
      } catch (Throwable t) {
        if (obs != null) {
          obs.attemptEnded(token, attempt, t);
        }
        last = t;
        if (t instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
          // the caller asked this thread to stop: neither a verdict on the dependency nor a reason to retry
          Thread.currentThread().interrupt();
          breaker.onIgnored(permit);
          throw t instanceof RuntimeException ? (RuntimeException) t : new CallFailedException(name, t);
        }
        Error fatal = ErrorClassifier.findError(t);
        if (fatal != null) {
          breaker.onIgnored(permit);
          throw fatal(fatal, t);
        }
        ErrorClass c = classify(t);
        if (c == ErrorClass.CALLER_ERROR) {
          breaker.onIgnored(permit);
          Throwable surfaced = callerError(t);
          if (surfaced instanceof Error) {
            throw (Error) surfaced;
          }
          throw (RuntimeException) surfaced;
        }
        breaker.onFailure(permit, started);
        metrics.recordFailure(t);
        if (c == ErrorClass.FAILURE) {
          throw failed(t);
        }
        long delay = retryDelay(attempt, t, deadline);
        metrics.recordRetry();
        sleep(delay, t);
        continue;
      }
      if (obs != null) {
        obs.attemptEnded(token, attempt, null);
      }
      breaker.onSuccess(permit, started);
      metrics.recordSuccess();
      return result;
    }
  }

  /** Runs {@code op} under this guard; see {@link #call(Callable)}. */
  public void run(CheckedRunnable op) {
    call(() -> {
      op.run();
      return null;
    });
  }

  /** A {@link Runnable} that may throw. */
  @FunctionalInterface
  public interface CheckedRunnable {
    void run() throws Exception;
  }

  /**
   * After a retriable failure of attempt {@code attempt}: throws if no retry may follow (deadline
   * passed or too close, attempts used up, breaker open, budget empty), else returns the backoff
   * delay in nanoseconds. The budget is asked last, so a refused retry never costs a token.
   */
  private long retryDelay(int attempt, Throwable t, long deadline) {
    long left = deadline == 0 ? Long.MAX_VALUE : deadline - ticker.read();
    if (left <= 0) {
      throw new CallTimeoutException(name, Duration.ofNanos(timeoutNanos), attempt, t);
    }
    if (attempt > maxRetries) {
      throw new RetriesExhaustedException(name, attempt, false, t);
    }
    if (breaker.state() == CircuitBreaker.State.OPEN) {
      throw new CircuitOpenException(name, CircuitBreaker.State.OPEN, breaker.remainingOpenTime(), t);
    }
    long delay = backoff.delayNanos(attempt);
    if (retryAfter != null) {
      delay = serverDelay(t, delay);
    }
    if (left <= delay) {
      throw new CallTimeoutException(name, Duration.ofNanos(timeoutNanos), attempt, t);
    }
    if (!budget.tryAcquireRetry()) {
      metrics.recordBudgetRefusal();
      throw new RetriesExhaustedException(name, attempt, true, t);
    }
    return delay;
  }

  /**
   * The delay the dependency asked for (e.g. HTTP {@code Retry-After}) in place of {@code backoff},
   * capped at {@link RetryConfig#maxDelay()}; {@code backoff} when there is no usable hint. A hint
   * function that throws is ignored (the throwable is added as suppressed to {@code t}).
   */
  private long serverDelay(Throwable t, long backoffNanos) {
    Duration hint;
    try {
      hint = retryAfter.apply(ErrorClassifier.unwrap(t));
    } catch (RuntimeException e) {
      t.addSuppressed(e);
      return backoffNanos;
    }
    if (hint == null) {
      return backoffNanos;
    }
    if (hint.isNegative()) {
      return 0;
    }
    return Math.min(saturatedNanos(hint), maxDelayNanos);
  }

  /** The classifier's verdict; a classifier that throws (or answers null) makes the error a FAILURE. */
  private ErrorClass classify(Throwable t) {
    try {
      ErrorClass c = classifier.classify(t);
      return c == null ? ErrorClass.FAILURE : c;
    } catch (RuntimeException | Error e) {
      t.addSuppressed(e);
      return ErrorClass.FAILURE;
    }
  }

  private LifelineException failed(Throwable t) {
    return t instanceof LifelineException ? (LifelineException) t
        : new ServiceUnavailableException(name, "call failed", t);
  }

  private CircuitOpenException rejected(Throwable last) {
    CircuitBreaker.State state = breaker.state();
    if (state == CircuitBreaker.State.CLOSED) {
      state = CircuitBreaker.State.OPEN; // it was not closed when it refused; it closed just now
    }
    Duration retryIn = state == CircuitBreaker.State.OPEN ? breaker.remainingOpenTime() : null;
    return new CircuitOpenException(name, state, retryIn, last);
  }

  private long attemptLimit(long deadline) {
    long limit = attemptTimeoutNanos > 0 ? attemptTimeoutNanos : Long.MAX_VALUE;
    if (deadline != 0) {
      limit = Math.min(limit, deadline - ticker.read());
    }
    return limit;
  }

  /**
   * Runs {@code op} on this thread; Lifeline's {@link Watchdog} interrupts it when {@code limitNanos}
   * pass (one lock-free enqueue per attempt, no timer task). The handshake guarantees an interrupt
   * never leaks out after the call returned.
   */
  private <T> T callWithTimeout(Callable<? extends T> op, long limitNanos) throws Exception {
    Watchdog.Watch watch = Watchdog.watch(limitNanos);
    T result;
    try {
      result = op.call();
    } catch (Throwable t) {
      if (!watch.finish()) {
        throw t;
      }
      TimeoutException te = new TimeoutException(
          "attempt timed out after " + Durations.format(Duration.ofNanos(limitNanos)));
      te.initCause(t);
      throw te;
    }
    watch.finish(); // finished just as the deadline fired: keep the result, drop the interrupt
    return result;
  }

  private void sleep(long nanos, Throwable last) {
    if (nanos <= 0) {
      return;
    }
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      CallFailedException ex = new CallFailedException(name, e);
      ex.addSuppressed(last);
      throw ex;
    }
  }

  /**
   * An {@link Error} in the attempt's failure (maybe wrapped by the driver): the client cannot work,
   * which is no outage. Not retried, not counted against the breaker or as a failure, reported once
   * per type at ERROR, and the {@code Error} itself is what the caller gets (the driver's wrapper, if
   * any, added as suppressed), so no manager mistakes it for a reason to answer from a fallback.
   */
  private Error fatal(Error error, Throwable surfaced) {
    fatalErrors.report(error, surfaced);
    if (surfaced != error && error.getSuppressed().length < 4) {
      error.addSuppressed(surfaced);
    }
    return error;
  }

  /** What a caller error surfaces as: unchecked ones unchanged, checked ones wrapped. */
  private Throwable callerError(Throwable t) {
    return t instanceof RuntimeException || t instanceof Error ? t : new CallFailedException(name, t);
  }

  // ----------------------------------------------------------------------------------------- async

  /**
   * Runs {@code op} under this guard without blocking: retries and timeouts are scheduled, never
   * slept. The returned future completes with the result or with the same exceptions {@link
   * #call(Callable)} throws. Cancelling it cancels the attempt in flight and any pending retry.
   */
  public <T> CompletableFuture<T> callAsync(Supplier<? extends CompletionStage<? extends T>> op) {
    Objects.requireNonNull(op, "op");
    budget.recordCall();
    AsyncCall<T> call = new AsyncCall<>(op, timeoutNanos > 0 ? ticker.read() + timeoutNanos : 0);
    CallObserver obs = observer;
    if (obs != null) {
      call.observe(obs);
    }
    call.result.whenComplete((v, e) -> call.cleanup(e));
    call.attempt();
    return call.result;
  }

  /** An attempt's {@code done} flag, without an {@code AtomicInteger} per attempt. */
  @SuppressWarnings("rawtypes")
  private static final AtomicIntegerFieldUpdater<AsyncCall.Attempt> DONE =
      AtomicIntegerFieldUpdater.newUpdater(AsyncCall.Attempt.class, "done");

  /**
   * One async call: a chain of attempts. Every path ends in completing {@code result}, and every
   * permit taken is reported exactly once (success, failure, or ignored when abandoned).
   */
  private final class AsyncCall<T> {
    final Supplier<? extends CompletionStage<? extends T>> op;
    final long deadline;
    final CompletableFuture<T> result = new CompletableFuture<>();
    volatile ScheduledFuture<?> pendingRetry;
    volatile Attempt current;
    volatile Throwable last;
    volatile int attempts;
    CallObserver obs; // written before the first attempt, then only read
    Object token;
    long start;

    AsyncCall(Supplier<? extends CompletionStage<? extends T>> op, long deadline) {
      this.op = op;
      this.deadline = deadline;
    }

    void observe(CallObserver o) {
      obs = o;
      token = o.callStarted(name);
      start = ticker.read();
    }

    void cleanup(Throwable error) {
      if (obs != null) {
        obs.callEnded(token, ticker.read() - start,
            error == null ? CallOutcome.SUCCESS : CallOutcome.of(error), error);
      }
      ScheduledFuture<?> r = pendingRetry;
      if (r != null) {
        r.cancel(false);
      }
      Attempt a = current;
      if (a != null) {
        a.abandon();
      }
    }

    void attempt() {
      try {
        startAttempt();
      } catch (Throwable unexpected) {
        result.completeExceptionally(unexpected);
      }
    }

    private void startAttempt() {
      if (result.isDone()) {
        return;
      }
      long permit = breaker.tryAcquirePermission();
      if (permit < 0) {
        metrics.recordRejected();
        result.completeExceptionally(rejected(last));
        return;
      }
      long limit = 0;
      if (attemptTimeoutNanos != 0 || deadline != 0) {
        limit = attemptLimit(deadline);
        if (limit <= 0) {
          breaker.onIgnored(permit);
          result.completeExceptionally(
              new CallTimeoutException(name, Duration.ofNanos(timeoutNanos), attempts, last));
          return;
        }
      }
      int number = ++attempts;
      if (obs != null) {
        obs.attemptStarted(token, number);
      }
      Attempt a = new Attempt(permit, number, breaker.startTime());
      current = a;
      CompletableFuture<? extends T> inFlight;
      try {
        inFlight = Objects.requireNonNull(op.get(), "supplier returned null").toCompletableFuture();
      } catch (Throwable t) {
        a.complete(null, t);
        return;
      }
      a.inFlight = inFlight;
      if (limit > 0) {
        long bound = limit;
        try {
          a.timer = scheduler.schedule(() -> a.complete(null, new TimeoutException(
              "attempt timed out after " + Durations.format(Duration.ofNanos(bound)))),
              limit, TimeUnit.NANOSECONDS);
        } catch (RuntimeException rejectedByScheduler) {
          a.abandon();
          result.completeExceptionally(rejectedByScheduler);
          return;
        }
      }
      if (inFlight.isDone()) {
        a.completeFrom(inFlight); // what whenComplete would do at once, without its extra future
      } else {
        inFlight.whenComplete(a::complete);
      }
      if (result.isDone()) {
        a.abandon(); // cancelled while the attempt was starting
      }
    }

    void scheduleRetry(long delay) {
      pendingRetry = scheduler.schedule(() -> {
        try {
          retryExecutor.execute(this::attempt);
        } catch (Throwable rejected) {
          result.completeExceptionally(rejected);
        }
      }, delay, TimeUnit.NANOSECONDS);
      if (result.isDone()) {
        pendingRetry.cancel(false);
      }
    }

    final class Attempt {
      final long permit;
      final int number;
      final long started;
      /** 0 until the attempt's outcome (or its abandonment) is taken, then 1; see {@link #DONE}. */
      volatile int done;
      volatile CompletableFuture<? extends T> inFlight;
      volatile ScheduledFuture<?> timer;

      Attempt(long permit, int number, long started) {
        this.permit = permit;
        this.number = number;
        this.started = started;
      }

      /** The call ended (cancelled) while this attempt was in flight. */
      void abandon() {
        if (DONE.compareAndSet(this, 0, 1)) {
          breaker.onIgnored(permit);
          stop();
        }
      }

      private void stop() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
          t.cancel(false);
        }
        CompletableFuture<? extends T> f = inFlight;
        if (f != null && !f.isDone()) {
          f.cancel(true);
        }
      }

      /** The outcome of {@code f}, which is done. */
      void completeFrom(CompletableFuture<? extends T> f) {
        T value;
        try {
          value = f.getNow(null);
        } catch (CompletionException e) {
          complete(null, e.getCause() != null ? e.getCause() : e);
          return;
        } catch (CancellationException e) {
          complete(null, e);
          return;
        }
        complete(value, null);
      }

      void complete(T value, Throwable error) {
        if (!DONE.compareAndSet(this, 0, 1)) {
          return;
        }
        try {
          handle(value, error);
        } catch (Throwable unexpected) {
          result.completeExceptionally(unexpected);
        }
      }

      private void handle(T value, Throwable error) {
        if (obs != null) {
          obs.attemptEnded(token, number, error == null ? null : ErrorClassifier.unwrap(error));
        }
        if (error == null) {
          ScheduledFuture<?> t = timer;
          if (t != null) {
            t.cancel(false);
          }
          breaker.onSuccess(permit, started);
          metrics.recordSuccess();
          result.complete(value);
          return;
        }
        stop();
        Throwable t = ErrorClassifier.unwrap(error);
        if (result.isDone()) {
          breaker.onIgnored(permit); // the caller cancelled: this outcome is no verdict
          return;
        }
        last = t;
        Error fatal = ErrorClassifier.findError(t);
        if (fatal != null) {
          breaker.onIgnored(permit);
          result.completeExceptionally(fatal(fatal, t));
          return;
        }
        ErrorClass c = classify(t);
        if (c == ErrorClass.CALLER_ERROR) {
          breaker.onIgnored(permit);
          result.completeExceptionally(callerError(t));
          return;
        }
        breaker.onFailure(permit, started);
        metrics.recordFailure(t);
        if (c == ErrorClass.FAILURE) {
          result.completeExceptionally(failed(t));
          return;
        }
        long delay;
        try {
          delay = retryDelay(number, t, deadline);
        } catch (LifelineException e) {
          result.completeExceptionally(e);
          return;
        }
        metrics.recordRetry();
        scheduleRetry(delay);
      }
    }
  }

  @Override
  public String toString() {
    return "Guard[" + name + ", " + breaker.state() + ", maxRetries=" + maxRetries + "]";
  }

  /**
   * Builds a {@link Guard}. Each option may be set once; a second set is a programming error ({@link
   * IllegalStateException}). Not thread-safe.
   */
  public static final class Builder {
    private final String name;
    private RetryConfig config;
    private CircuitBreaker breaker;
    private RetryBudget budget;
    private ErrorClassifier classifier;
    private ConnectionMetrics metrics;
    private ScheduledExecutorService scheduler;
    private java.util.concurrent.Executor retryExecutor;
    private Ticker ticker;
    private Duration attemptTimeout;
    private Duration timeout;
    private java.util.function.Function<? super Throwable, Duration> retryAfter;
    private String backend;
    private boolean instrument = true;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new ConfigurationException("name", "\"" + name + "\"", "must not be blank");
      }
    }

    private static void requireUnset(Object current, String option) {
      if (current != null) {
        throw new IllegalStateException(option + " was already set");
      }
    }

    /** Retry, backoff, breaker and budget settings (default {@link RetryConfig#defaults()}). */
    public Builder retryConfig(RetryConfig config) {
      requireUnset(this.config, "retryConfig");
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /** Use this breaker (e.g. shared with a health check) instead of one built from the config. */
    public Builder circuitBreaker(CircuitBreaker breaker) {
      requireUnset(this.breaker, "circuitBreaker");
      this.breaker = Objects.requireNonNull(breaker, "breaker");
      return this;
    }

    /** Use this budget (e.g. shared by several guards of one dependency), or {@link RetryBudget#unlimited()}. */
    public Builder retryBudget(RetryBudget budget) {
      requireUnset(this.budget, "retryBudget");
      this.budget = Objects.requireNonNull(budget, "budget");
      return this;
    }

    /** How failures are treated (default {@link ErrorClassifier#defaults()}). */
    public Builder classifier(ErrorClassifier classifier) {
      requireUnset(this.classifier, "classifier");
      this.classifier = Objects.requireNonNull(classifier, "classifier");
      return this;
    }

    /** Retry exactly the errors {@code retriable} accepts; others are caller errors. */
    public Builder retryOn(java.util.function.Predicate<? super Throwable> retriable) {
      return classifier(ErrorClassifier.retryOn(retriable));
    }

    /** Record into these metrics (default: a new instance). */
    public Builder metrics(ConnectionMetrics metrics) {
      requireUnset(this.metrics, "metrics");
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /** Scheduler for async retries and timeouts (default: Lifeline's shared daemon scheduler). */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      requireUnset(this.scheduler, "scheduler");
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Where async retries call the supplier (default: Lifeline's small shared retry pool; the
     * scheduler only keeps time and never runs user code).
     */
    public Builder retryExecutor(java.util.concurrent.Executor executor) {
      requireUnset(this.retryExecutor, "retryExecutor");
      this.retryExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Time source for the breaker, budget and deadline (default {@link Ticker#system()}). */
    public Builder ticker(Ticker ticker) {
      requireUnset(this.ticker, "ticker");
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Bound on each attempt (default: none — the driver's own timeouts apply). When it passes, a sync
     * attempt's thread is interrupted and an async attempt's future cancelled, and the attempt fails
     * with a retriable {@link TimeoutException} that counts against the breaker. An interrupt cannot
     * stop blocking I/O that ignores interrupts (classic sockets on platform threads): such an
     * attempt returns when its I/O does, and if it then succeeded its result is kept. Configure the
     * driver's own socket timeouts as the hard bound; this is the backstop.
     */
    public Builder attemptTimeout(Duration attemptTimeout) {
      requireUnset(this.attemptTimeout, "attemptTimeout");
      this.attemptTimeout = positive("attemptTimeout", attemptTimeout);
      return this;
    }

    /**
     * Bound on the whole call, all attempts and backoff included (default: none). Each attempt is
     * bounded by what is left of it, as by {@link #attemptTimeout}; no backoff is slept past it.
     */
    public Builder timeout(Duration timeout) {
      requireUnset(this.timeout, "timeout");
      this.timeout = positive("timeout", timeout);
      return this;
    }

    /**
     * How long the dependency itself asked the caller to wait before retrying after a given
     * retriable failure (HTTP {@code Retry-After}, a broker's back-off hint), or {@code null} when it
     * did not say. When the function returns a duration, that duration, capped at {@link
     * RetryConfig#maxDelay()}, replaces the backoff delay for that retry (negative counts as zero);
     * every other rule still applies: the retry counts against {@code maxRetries} and the budget,
     * is never made while the breaker is open, and a delay that would pass the call deadline ends
     * the call with {@link CallTimeoutException} at once instead of sleeping. The function gets the
     * failure with {@link java.util.concurrent.CompletionException} wrappers removed; it must be
     * cheap and must not block. Default: none, the backoff always decides.
     */
    public Builder retryAfter(java.util.function.Function<? super Throwable, Duration> hint) {
      requireUnset(this.retryAfter, "retryAfter");
      this.retryAfter = Objects.requireNonNull(hint, "hint");
      return this;
    }

    /**
     * What this guard protects, reported as the {@code backend} tag of its meters (default {@value
     * Guard#DEFAULT_BACKEND}); lower case letters, digits and {@code -_.}, at most 32 characters.
     * The managers set it ({@code redis}, {@code postgresql}, {@code neo4j}, {@code http}).
     */
    public Builder backend(String backend) {
      requireUnset(this.backend, "backend");
      Objects.requireNonNull(backend, "backend");
      if (!backend.matches("[a-z0-9._-]{1,32}")) {
        throw new ConfigurationException("backend", "\"" + backend + "\"",
            "must be 1-32 characters of a-z, 0-9, '.', '_', '-'");
      }
      this.backend = backend;
      return this;
    }

    /**
     * Whether the guard registers itself with {@link Instrumentation} (default true). A connection
     * manager passes false and describes its guard with its own meters ({@code MeterSink.calls}),
     * so they go away together when the manager is closed.
     */
    public Builder instrument(boolean register) {
      this.instrument = register;
      return this;
    }

    private static Duration positive(String key, Duration d) {
      Objects.requireNonNull(d, key);
      if (d.isZero() || d.isNegative() || d.compareTo(Duration.ofDays(365)) > 0) {
        throw new ConfigurationException(key, Durations.format(d), "must be > 0 and <= 365 days");
      }
      return d;
    }

    public Guard build() {
      return new Guard(this);
    }
  }
}
