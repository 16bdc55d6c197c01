package io.lifeline.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * With spring-boot-dependencies imported after lifeline-bom (as this module and the README do),
 * every artifact a Lifeline module runs with keeps the version that module was built and tested
 * with: Boot 4 manages Netty 4.2, the Neo4j driver 6 and its Bolt modules 11, HikariCP 7, Jackson
 * 2.21, and none of them may leak into a Lifeline manager's tree. Both sides are Maven's own
 * resolution ({@code dependency:list}); the modules' lists are written by lifeline-parent.
 */
class BootAlignmentTest {
  static final List<String> MODULES = List.of("lifeline-core", "lifeline-redis", "lifeline-jdbc", "lifeline-neo4j",
      "lifeline-http", "lifeline-micrometer", "lifeline-console");

  @Test
  void bootsBomDoesNotChangeAVersionALifelineModuleRunsWith() throws IOException {
    Path root = Path.of(System.getProperty("lifeline.reactorRoot"));
    Map<String, String> mine = read(Path.of(System.getProperty("lifeline.listDir")).resolve("test-dependencies.txt"));
    assertThat(mine).containsKeys("org.springframework.boot:spring-boot", "io.netty:netty-handler");
    List<String> divergent = new ArrayList<>();
    for (String module : MODULES) {
      Path list = root.resolve(module).resolve("target/runtime-dependencies.txt");
      assertThat(list).as("written by lifeline-parent's dependency:list execution").exists();
      read(list).forEach((artifact, version) -> {
        if (!version.equals(mine.get(artifact))) {
          divergent.add(artifact + ": " + module + " runs with " + version + ", a Boot application gets " + mine.get(artifact));
        }
      });
    }
    assertThat(divergent).isEmpty();
  }

  static Map<String, String> read(Path file) throws IOException {
    Map<String, String> versions = new TreeMap<>();
    for (String line : Files.readAllLines(file)) {
      String[] p = line.strip().split("\\s+", 2)[0].split(":");
      if (p.length == 5) {
        versions.put(p[0] + ":" + p[1], p[3]);
      } else if (p.length == 6) {
        versions.put(p[0] + ":" + p[1] + ":" + p[3], p[4]);
      }
    }
    return versions;
  }
}
