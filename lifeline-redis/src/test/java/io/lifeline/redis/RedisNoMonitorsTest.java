package io.lifeline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Virtual threads must never pin in lifeline-redis: no {@code synchronized} method and no {@code
 * monitorenter} in any class of this module. Checked on the compiled bytecode with the JDK's own {@code javap}.
 */
class RedisNoMonitorsTest {

  @Test
  void noClassInRedisModuleUsesAMonitor() throws Exception {
    ToolProvider javap = ToolProvider.findFirst("javap").orElse(null);
    if (javap == null) {
      return; // a JRE without javap: nothing to check with
    }
    Path classes = Path.of(RedisConnectionManager.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> files = new ArrayList<>();
    try (Stream<Path> s = Files.walk(classes)) {
      s.filter(p -> p.toString().endsWith(".class")).forEach(p -> files.add(p.toString()));
    }
    assertThat(files).hasSizeGreaterThan(10);
    List<String> args = new ArrayList<>(List.of("-c", "-p"));
    args.addAll(files);
    StringWriter out = new StringWriter();
    int rc = javap.run(new PrintWriter(out), new PrintWriter(new StringWriter()), args.toArray(new String[0]));
    assertThat(rc).isZero();
    List<String> offenders = new ArrayList<>();
    String current = "?";
    for (String line : out.toString().split("\n")) {
      if (line.startsWith("Compiled from") || line.matches("^(public |final |abstract |class |interface |enum ).*\\{$")) {
        current = line;
      }
      if (line.contains("monitorenter") || line.matches("^\\s+.*\\bsynchronized\\b.*\\(.*")) {
        offenders.add(current + " :: " + line.trim());
      }
    }
    assertThat(offenders).as("monitors in lifeline-redis").isEmpty();
  }
}
