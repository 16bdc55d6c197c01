package io.lifeline.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@code ./lifeline demo --chaos --no-browser}: the scripted scenario on real backends (kill Redis,
 * black-hole Neo4j, stop PostgreSQL, restore each) passes, exit 0, and its summary states the
 * detection and recovery times and the SQL count of orders.
 */
class ChaosScenarioTest {
  @Test
  void theScriptedScenarioPassesAndExitsZero() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int exit = DemoMain.run(new String[] {"--chaos", "--no-browser", "--port", "0", "--hold", "1", "--rate", "20"}, out);
    String text = bytes.toString(StandardCharsets.UTF_8);
    System.out.println(text); // the summary, in the test's report
    assertThat(exit).as(text).isZero();
    assertThat(text).contains("chaos: PASS", "chaos summary")
        .containsPattern("redis +kill +detected in \\d+\\.\\d\\d s, recovered in \\d+\\.\\d\\d s")
        .containsPattern("neo4j +blackhole +detected in")
        .containsPattern("postgres +stop +detected in")
        .containsPattern("application errors 0,")
        .containsPattern("orders acknowledged (\\d+), in the table \\1 \\(\\1 distinct\\)");
  }
}
