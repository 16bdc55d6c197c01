package io.lifeline.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code ops/prometheus/lifeline-rules.yml}: {@code promtool check rules} and {@code promtool test
 * rules ops/prometheus/tests/*.yml} pass (every alert fires and stays silent in its unit test).
 * Needs {@code promtool} on the PATH (Debian package {@code prometheus}; {@code .ci/run} installs
 * it): without it the test is skipped on a developer machine and FAILS when {@code CI} is set, so
 * CI can never pass without running the rules' tests. The shape checks below run everywhere.
 */
class PrometheusRulesTest {
  static final Path RULES = Path.of("..", "ops", "prometheus", "lifeline-rules.yml");
  static final Path TESTS = Path.of("..", "ops", "prometheus", "tests");

  @Test
  void promtoolChecksTheRulesAndPassesTheirUnitTests() throws Exception {
    Path promtool = findOnPath("promtool");
    if (promtool == null) {
      String ci = System.getenv("CI");
      if (ci != null && !ci.isEmpty()) {
        fail("CI is set but promtool is not on the PATH: .ci/run must install the 'prometheus' package");
      }
      Assumptions.abort("promtool not on the PATH (apt-get install prometheus); CI runs this test");
    }
    run(promtool, "check", "rules", RULES.toString());
    List<String> tests = new ArrayList<>(List.of(promtool.toString(), "test", "rules"));
    try (Stream<Path> s = Files.list(TESTS)) {
      s.filter(p -> p.toString().endsWith(".yml")).sorted().forEach(p -> tests.add(p.toString()));
    }
    assertThat(tests).hasSizeGreaterThan(3);
    run(tests.toArray(new String[0]));
  }

  @Test
  void everyAlertHasSeveritySummaryDescriptionWithServiceAndInstanceAndATest() throws Exception {
    String rules = Files.readString(RULES);
    StringBuilder allTests = new StringBuilder();
    try (Stream<Path> s = Files.list(TESTS)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        allTests.append(Files.readString(p));
      }
    }
    String[] blocks = rules.split("\n\\s*- alert: ");
    assertThat(blocks).hasSizeGreaterThanOrEqualTo(9); // the header and 8 alerts
    for (int i = 1; i < blocks.length; i++) {
      String block = blocks[i];
      String name = block.substring(0, block.indexOf('\n')).trim();
      assertThat(block).as(name).contains("severity:", "summary:", "description:");
      String description = block.substring(block.indexOf("description:"));
      assertThat(description).as(name).contains("{{ $labels.service }}", "{{ $labels.instance }}");
      assertThat(allTests.toString()).as("%s has a promtool test", name).contains("alertname: " + name);
      assertThat(countOf(allTests.toString(), "alertname: " + name)).as("%s: fires and does not fire", name)
          .isGreaterThanOrEqualTo(2);
    }
  }

  /** The metric names the rules' expressions use (for the scrape comparison). */
  static Set<String> metricsInRules() throws Exception {
    Set<String> out = new TreeSet<>();
    Matcher m = Pattern.compile("expr: (.*)").matcher(Files.readString(RULES));
    Pattern metric = Pattern.compile("\\blifeline_[a-z0-9_]+");
    while (m.find()) {
      Matcher n = metric.matcher(m.group(1));
      while (n.find()) {
        out.add(n.group());
      }
    }
    return out;
  }

  private static int countOf(String s, String part) {
    int n = 0;
    for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  private static void run(Path tool, String... args) throws Exception {
    String[] all = new String[args.length + 1];
    all[0] = tool.toString();
    System.arraycopy(args, 0, all, 1, args.length);
    run(all);
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    assertThat(p.exitValue()).as("%s\n%s", String.join(" ", command), new String(out, StandardCharsets.UTF_8))
        .isZero();
  }

  private static Path findOnPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }
}
