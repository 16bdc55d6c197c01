package io.lifeline.core;

import io.lifeline.core.internal.CountWindow;
import io.lifeline.core.internal.SlidingWindow;
import java.util.ArrayDeque;
import org.jetbrains.kotlinx.lincheck.LinChecker;
import org.jetbrains.kotlinx.lincheck.annotations.Operation;
import org.jetbrains.kotlinx.lincheck.strategy.managed.modelchecking.ModelCheckingOptions;
import org.jetbrains.kotlinx.lincheck.strategy.stress.StressOptions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of the failure-rate breaker's count-based window ({@link CountWindow}) against a
 * plain list of the last {@value #SIZE} outcomes ({@link Spec}): every record's answer (does the
 * window now reach a threshold?) and every read of the counts must match some sequential order.
 * The window is small (3) so that Lincheck's scenarios wrap it several times and concurrent records
 * claim, help and evict across the wrap.
 */
public class CountWindowLincheckTest {
  static final int SIZE = 3;
  static final int MINIMUM = 2;
  static final float FAILURE_RATE = 60f;
  static final float SLOW_RATE = 60f;

  private final CountWindow window = new CountWindow(0, SIZE, MINIMUM, FAILURE_RATE, SLOW_RATE);

  @BeforeAll
  static void lincheckCanInstrumentThisJdk() {
    int jdk = Runtime.version().feature();
    Assumptions.assumeTrue(jdk <= 22,
        "Lincheck 2.39 (ASM 9.6) cannot instrument JDK " + jdk + " classes; run on JDK 17-22");
  }

  @Operation
  public boolean success() {
    return window.record(SlidingWindow.SUCCESS, 0);
  }

  @Operation
  public boolean failure() {
    return window.record(SlidingWindow.FAILED, 0);
  }

  @Operation
  public boolean slowFailure() {
    return window.record(SlidingWindow.FAILED | SlidingWindow.SLOW, 0);
  }

  @Operation
  public boolean slowSuccess() {
    return window.record(SlidingWindow.SLOW, 0);
  }

  /** "calls/failed/slow". */
  @Operation
  public String counts() {
    long c = window.counts(0);
    return SlidingWindow.total(c) + "/" + SlidingWindow.failed(c) + "/" + SlidingWindow.slow(c);
  }

  @Test
  void modelChecking() {
    ModelCheckingOptions o = new ModelCheckingOptions()
        .iterations(8)
        .invocationsPerIteration(100)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(3)
        .sequentialSpecification(Spec.class);
    LinChecker.Companion.check(CountWindowLincheckTest.class, o);
  }

  @Test
  void stress() {
    StressOptions o = new StressOptions()
        .iterations(5)
        .invocationsPerIteration(300)
        .threads(2)
        .actorsPerThread(5)
        .sequentialSpecification(Spec.class);
    LinChecker.Companion.check(CountWindowLincheckTest.class, o);
  }

  /** The window as the last {@value #SIZE} outcomes in a list, and Resilience4j's rule on it. */
  public static class Spec {
    private final ArrayDeque<int[]> last = new ArrayDeque<>(); // {failed, slow}

    private boolean add(int failed, int slow) {
      last.addLast(new int[] {failed, slow});
      if (last.size() > SIZE) {
        last.removeFirst();
      }
      int total = last.size();
      int f = last.stream().mapToInt(x -> x[0]).sum();
      int s = last.stream().mapToInt(x -> x[1]).sum();
      return total >= Math.min(MINIMUM, SIZE)
          && (f * 100f / total >= FAILURE_RATE || s * 100f / total >= SLOW_RATE);
    }

    public boolean success() {
      return add(0, 0);
    }

    public boolean failure() {
      return add(1, 0);
    }

    public boolean slowFailure() {
      return add(1, 1);
    }

    public boolean slowSuccess() {
      return add(0, 1);
    }

    public String counts() {
      return last.size() + "/" + last.stream().mapToInt(x -> x[0]).sum() + "/"
          + last.stream().mapToInt(x -> x[1]).sum();
    }
  }
}
