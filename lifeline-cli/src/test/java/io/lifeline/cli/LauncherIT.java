package io.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./lifeline} launcher as a real process on the shaded jar built by {@code package}
 * (failsafe runs after it): the jar is newer than the sources, so the launcher runs it without
 * building. Few cases on purpose: each is a JVM start.
 */
class LauncherIT {
  static final Path LAUNCHER = Path.of(System.getProperty("lifeline.launcher"));
  static final Path JAR = Path.of(System.getProperty("lifeline.jar"));

  @TempDir
  Path dir;

  record Result(int exit, String out, String err) {}

  static Result run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(LAUNCHER.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("LIFELINE_JAR", JAR.toString()); // never a build from a test
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  /**
   * The first run after a build makes the class-data archive next to the jar (a training run), says
   * so on stderr only, and still prints just the version on stdout; later runs use it silently.
   */
  @org.junit.jupiter.api.BeforeAll
  static void classDataArchive() throws Exception {
    Path jsa = Path.of(JAR.toString().replaceFirst("\\.jar$", ".jsa"));
    Result first = run("--version");
    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(first.out()).startsWith("lifeline 0.").hasLineCount(1);
    assertThat(jsa).exists().isNotEmptyFile();
    Result second = run("--version");
    assertThat(second.err()).isEmpty();
    assertThat(second.out()).isEqualTo(first.out());
  }

  @Test
  void versionAndHelp() throws Exception {
    assertThat(JAR).exists();
    Result version = run("--version");
    assertThat(version.exit()).as(version.err()).isZero();
    assertThat(version.out()).startsWith("lifeline 0.").doesNotContain("unknown");
  }

  @Test
  void configValidateExitCodes() throws Exception {
    Result example = run("config", "example");
    assertThat(example.exit()).isZero();
    Path good = Files.writeString(dir.resolve("lifeline.yml"), example.out());
    Result valid = run("config", "validate", good.toString());
    assertThat(valid.exit()).as(valid.err()).isZero();
    assertThat(valid.out()).contains("valid (5 services");

    Path bad = Files.writeString(dir.resolve("bad.yml"), "services:\n  cache: {type: redis, url: 'redis://h', tiemout: 2s}\n");
    Result invalid = run("config", "validate", bad.toString());
    assertThat(invalid.exit()).isEqualTo(3);
    assertThat(invalid.err()).isEqualTo("error: services.cache.tiemout=****: unknown key; did you mean 'timeout'? "
        + "(allowed: alerts, features, password, passwordFile, timeout, type, url) (line 2)\n");
  }
}
