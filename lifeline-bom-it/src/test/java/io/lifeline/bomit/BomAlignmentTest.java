package io.lifeline.bomit;

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
 * A project that imports only {@code lifeline-bom} resolves, for every artifact a module runs with,
 * exactly the version that module resolved (and was tested with) under {@code lifeline-parent}.
 *
 * <p>Both sides are Maven's own resolution, written by {@code dependency:list}: each module's
 * {@code target/runtime-dependencies.txt} (the parent's execution) and this project's runtime and
 * test trees. Without the BOM's Netty and Reactor pins this fails, e.g. {@code io.netty:netty-handler:
 * lifeline-redis resolved 4.1.137.Final, a BOM-only user gets 4.1.118.Final}.
 */
class BomAlignmentTest {
  static final List<String> MODULES = List.of(
      "lifeline-core", "lifeline-redis", "lifeline-jdbc", "lifeline-neo4j", "lifeline-http",
      "lifeline-micrometer", "lifeline-console", "lifeline-cli", "lifeline-testkit");

  @Test
  void everyArtifactAModuleRunsWithHasTheSameVersionForABomOnlyUser() throws IOException {
    Path root = Path.of(System.getProperty("lifeline.bomit.reactorRoot"));
    Path mine = Path.of(System.getProperty("lifeline.bomit.listDir"));
    Map<String, String> runtime = read(mine.resolve("runtime-dependencies.txt"));
    Map<String, String> test = read(mine.resolve("test-dependencies.txt"));
    assertThat(runtime).as("this consumer's runtime tree").containsKeys(
        "io.lifeline:lifeline-redis", "io.netty:netty-handler", "io.projectreactor:reactor-core");

    List<String> divergent = new ArrayList<>();
    for (String module : MODULES) {
      Path list = root.resolve(module).resolve("target/runtime-dependencies.txt");
      assertThat(list).as("written by lifeline-parent's dependency:list execution").exists();
      read(list).forEach((artifact, version) -> {
        String user = test.get(artifact); // the test tree holds the runtime tree and the testkit's servers
        if (!version.equals(user)) {
          divergent.add(artifact + ": " + module + " resolved " + version + ", a BOM-only user gets "
              + (user == null ? "nothing" : user));
        }
      });
    }
    // The runtime tree alone must agree with the test tree (no test library drags a runtime one).
    runtime.forEach((artifact, version) -> {
      if (!version.equals(test.get(artifact))) {
        divergent.add(artifact + ": runtime " + version + ", test " + test.get(artifact));
      }
    });
    assertThat(divergent).as("versions a BOM-only user would run with, unlike the build").isEmpty();
  }

  /** {@code groupId:artifactId[:classifier]} → version, from a {@code dependency:list} output file. */
  static Map<String, String> read(Path file) throws IOException {
    Map<String, String> versions = new TreeMap<>();
    for (String line : Files.readAllLines(file)) {
      String coordinates = line.strip().split("\\s+", 2)[0];
      String[] p = coordinates.split(":");
      if (p.length == 5) { // group:artifact:type:version:scope
        versions.put(p[0] + ":" + p[1], p[3]);
      } else if (p.length == 6) { // group:artifact:type:classifier:version:scope
        versions.put(p[0] + ":" + p[1] + ":" + p[3], p[4]);
      }
    }
    return versions;
  }
}
