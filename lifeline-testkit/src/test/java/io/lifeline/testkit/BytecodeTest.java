package io.lifeline.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BytecodeTest {

  /** Holds a monitor on purpose, so the check has something to find. */
  static final class Pinning {
    private int n;

    synchronized void method() {
      n++;
    }

    void block() {
      synchronized (this) {
        n++;
      }
    }
  }

  @Test
  void findsSynchronizedMethodsAndBlocks() {
    assertThat(Bytecode.monitorsIn(Pinning.class))
        .anySatisfy(l -> assertThat(l).contains("Pinning").contains("synchronized"))
        .anySatisfy(l -> assertThat(l).contains("monitorenter"));
  }

  @Test
  void testkitMainClassesHoldNoMonitor() {
    assertThat(Bytecode.monitorsIn(FaultProxy.class)).isEmpty();
  }
}
