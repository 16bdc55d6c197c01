package io.lifeline.core;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import io.lifeline.core.internal.AtomicCircuitBreaker;
import org.jetbrains.kotlinx.lincheck.LinChecker;
import org.jetbrains.kotlinx.lincheck.annotations.Operation;
import org.jetbrains.kotlinx.lincheck.annotations.Param;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.kotlinx.lincheck.strategy.managed.modelchecking.ModelCheckingOptions;
import org.jetbrains.kotlinx.lincheck.strategy.stress.StressOptions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link CircuitBreaker}'s single-step operations against a sequential
 * specification ({@link Spec}) written independently of the implementation, with Lincheck's model
 * checker (exhaustive interleavings of small scenarios) and its stress mode (real threads).
 *
 * <p>Each operation is exactly one breaker call. Outcomes are reported with permits of a generation
 * chosen by Lincheck's parameter generator, so stale permits (from before a transition) are
 * exercised as much as fresh ones.
 */
@Param(name = "gen", gen = IntGen.class, conf = "0:3")
public class CircuitBreakerLincheckTest {
  static final int THRESHOLD = 2;
  static final int PROBES = 2;
  static final long TIMEOUT_NANOS = 1_000_000_000L;

  private final AtomicLong now = new AtomicLong();
  private final CircuitBreaker breaker = CircuitBreaker.builder("lin")
      .withFailureThreshold(THRESHOLD)
      .withOpenTimeout(Duration.ofNanos(TIMEOUT_NANOS))
      .withHalfOpenProbes(PROBES)
      .withTicker(now::get)
      .withEventExecutor(Runnable::run)
      .build();

  @BeforeAll
  static void lincheckCanInstrumentThisJdk() {
    int jdk = Runtime.version().feature();
    Assumptions.assumeTrue(jdk <= 22,
        "Lincheck 2.39 (ASM 9.6) cannot instrument JDK " + jdk + " classes; run on JDK 17-22");
  }

  private static long permit(int gen) {
    return AtomicCircuitBreaker.permitOf(CircuitBreaker.State.CLOSED, gen);
  }

  /** "rejected", or "permitted@" + the generation of the permit. */
  @Operation
  public String acquire() {
    long p = breaker.tryAcquirePermission();
    return p < 0 ? "rejected" : "permitted@" + ((p >>> 40) & ((1L << 21) - 1));
  }

  @Operation
  public void success(@Param(name = "gen") int gen) {
    breaker.onSuccess(permit(gen));
  }

  @Operation
  public void failure(@Param(name = "gen") int gen) {
    breaker.onFailure(permit(gen));
  }

  @Operation
  public void ignored(@Param(name = "gen") int gen) {
    breaker.onIgnored(permit(gen));
  }

  @Operation
  public CircuitBreaker.State state() {
    return breaker.state();
  }

  @Operation
  public void advance() {
    now.addAndGet(TIMEOUT_NANOS);
  }

  /** 1 in the default build, 5 with {@code -Psoak} (see lifeline-core's pom). */
  private static final int SCALE = Math.max(1, Integer.getInteger("lifeline.lincheck.scale", 1));

  @Test
  void modelChecking() {
    ModelCheckingOptions o = new ModelCheckingOptions()
        .iterations(4 * SCALE)
        .invocationsPerIteration(200)
        .threads(3)
        .actorsPerThread(2)
        .actorsBefore(4)
        .sequentialSpecification(Spec.class);
    LinChecker.Companion.check(CircuitBreakerLincheckTest.class, o);
  }

  @Test
  void stress() {
    StressOptions o = new StressOptions()
        .iterations(10 * SCALE)
        .invocationsPerIteration(500)
        .threads(2)
        .actorsPerThread(4)
        .sequentialSpecification(Spec.class);
    LinChecker.Companion.check(CircuitBreakerLincheckTest.class, o);
  }

  /** The breaker as a plain sequential state machine. */
  public static class Spec {
    private CircuitBreaker.State state = CircuitBreaker.State.CLOSED;
    private int generation;
    private int failures;
    private int issued;
    private int succeeded;
    private long openedAt;
    private long halfOpenSince;
    private long now;

    private void to(CircuitBreaker.State s) {
      state = s;
      generation++;
      failures = 0;
      issued = 0;
      succeeded = 0;
      if (s == CircuitBreaker.State.OPEN) {
        openedAt = now;
      }
      if (s == CircuitBreaker.State.HALF_OPEN) {
        halfOpenSince = now;
      }
    }

    public String acquire() {
      if (state == CircuitBreaker.State.OPEN) {
        if (now - openedAt < TIMEOUT_NANOS) {
          return "rejected";
        }
        to(CircuitBreaker.State.HALF_OPEN);
      }
      if (state == CircuitBreaker.State.HALF_OPEN) {
        if (issued >= PROBES) {
          // all probes out for longer than the max wait (= the open timeout, whole seconds): hung
          if (now / 1_000_000_000L - halfOpenSince / 1_000_000_000L > TIMEOUT_NANOS / 1_000_000_000L) {
            to(CircuitBreaker.State.OPEN);
          }
          return "rejected";
        }
        issued++;
      }
      return "permitted@" + generation;
    }

    public void success(int gen) {
      if (gen != generation) {
        return;
      }
      if (state == CircuitBreaker.State.CLOSED) {
        failures = 0;
      } else if (state == CircuitBreaker.State.HALF_OPEN && ++succeeded >= PROBES) {
        to(CircuitBreaker.State.CLOSED);
      }
    }

    public void failure(int gen) {
      if (gen != generation) {
        return;
      }
      if (state == CircuitBreaker.State.CLOSED && ++failures >= THRESHOLD) {
        to(CircuitBreaker.State.OPEN);
      } else if (state == CircuitBreaker.State.HALF_OPEN) {
        to(CircuitBreaker.State.OPEN);
      }
    }

    public void ignored(int gen) {
      if (gen == generation && state == CircuitBreaker.State.HALF_OPEN && issued > 0) {
        issued--;
      }
    }

    public CircuitBreaker.State state() {
      return state;
    }

    public void advance() {
      now += TIMEOUT_NANOS;
    }
  }
}
