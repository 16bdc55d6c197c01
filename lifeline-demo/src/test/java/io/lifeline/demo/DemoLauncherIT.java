package io.lifeline.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code ./lifeline demo} goes to the demo module (not the CLI jar): run as a real process after
 * {@code package} (failsafe), when the demo's jar and class path file are newer than the sources, so
 * the launcher starts it without building. The demo itself is tested by DemoProcessTest and
 * ChaosScenarioTest.
 */
class DemoLauncherIT {
  @Test
  void theLauncherRunsTheDemoForTheDemoSubcommand() throws Exception {
    Path launcher = Path.of(System.getProperty("lifeline.launcher"));
    ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "demo", "--help");
    String repo = System.getProperty("maven.repo.local");
    if (repo != null) {
      pb.environment().put("LIFELINE_MAVEN_OPTS", "-Dmaven.repo.local=" + repo);
    }
    Process p = pb.redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("lifeline demo", "--chaos", "--no-browser", "--port").doesNotContain("building");
  }
}
