package io.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file under {@code bad-configs/} is rejected by {@code lifeline config validate} and {@code
 * lifeline check} with exit 3, the line its first comment expects, one {@code error:} line per
 * problem, no stack trace, and never the canary password it or the environment holds.
 */
class BadConfigCorpusTest {
  static final String CANARY = "hunter2-canary";
  static final Map<String, String> ENV = Map.of("REDIS_URL", "redis://localhost:6379", "CANARY_PASSWORD", CANARY);

  static Stream<Path> corpus() throws IOException, URISyntaxException {
    Path dir = Path.of(BadConfigCorpusTest.class.getResource("/bad-configs").toURI());
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".yml")).sorted().collect(Collectors.toList()).stream();
    }
  }

  @Test
  void theCorpusHoldsAtLeastFortyCases() throws Exception {
    assertThat(corpus().count()).isGreaterThanOrEqualTo(40);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void validateRejectsWithTheExpectedLine(Path file) throws IOException {
    String expected = expectation(file);
    CliRun run = CliRun.of(ENV, "config", "validate", file.toString());
    assertOneLinePerProblem(run, expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void checkRejectsTheSameWayBeforeContactingAnything(Path file) throws IOException {
    CliRun run = CliRun.of(ENV, "check", "--config", file.toString());
    assertOneLinePerProblem(run, expectation(file));
    assertThat(run.out()).isEmpty();
  }

  static void assertOneLinePerProblem(CliRun run, String expected) {
    assertThat(run.exit()).as(run.err()).isEqualTo(ExitCodes.CONFIG);
    List<String> lines = run.err().lines().collect(Collectors.toList());
    assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("error: "));
    assertThat(lines).anySatisfy(l -> assertThat(l).contains(expected));
    assertThat(run.err()).doesNotContain(CANARY).doesNotContain("\tat ").doesNotContain("Exception:");
  }

  /** The text after {@code # expect: } on the first line (read as Latin-1: some files are not UTF-8). */
  static String expectation(Path file) throws IOException {
    String first = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).lines().findFirst().orElse("");
    assertThat(first).as("first line of " + file).startsWith("# expect: ");
    return first.substring("# expect: ".length());
  }
}
