package io.lifeline.testkit;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * Bytecode checks for tests. Lifeline's modules must never pin a virtual thread, so none of their
 * classes may hold a monitor: {@link #monitorsIn(Class)} lists every {@code synchronized} method
 * and {@code monitorenter} instruction in the compiled classes of a module, read with the JDK's own
 * {@code javap}.
 */
public final class Bytecode {
  private Bytecode() {}

  /**
   * The monitors (as {@code "class :: instruction"} lines) in every class of the classes directory
   * or jar that {@code anyClassOfModule} was loaded from; empty when there are none.
   *
   * @throws IllegalStateException when the JDK has no {@code javap} or the module has no classes
   */
  public static List<String> monitorsIn(Class<?> anyClassOfModule) {
    ToolProvider javap =
        ToolProvider.findFirst("javap")
            .orElseThrow(() -> new IllegalStateException("this JDK has no javap; run the tests on a JDK"));
    Path classes;
    try {
      classes = Path.of(anyClassOfModule.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    List<String> files = new ArrayList<>();
    try (Stream<Path> s = Files.walk(classes)) {
      s.filter(p -> p.toString().endsWith(".class")).forEach(p -> files.add(p.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (files.isEmpty()) {
      throw new IllegalStateException("no classes under " + classes);
    }
    List<String> args = new ArrayList<>(List.of("-c", "-p"));
    args.addAll(files);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = javap.run(new PrintWriter(out), new PrintWriter(err), args.toArray(new String[0]));
    if (rc != 0) {
      throw new IllegalStateException("javap failed (" + rc + "): " + err);
    }
    List<String> offenders = new ArrayList<>();
    String current = "?";
    for (String line : out.toString().split("\n")) {
      if (line.startsWith("Compiled from")
          || line.matches("^(public |final |abstract |class |interface |enum ).*\\{$")) {
        current = line;
      }
      if (line.matches("^\\s+\\d+: monitorenter\\b.*") || line.matches("^\\s+.*\\bsynchronized\\b.*\\(.*")) {
        offenders.add(current + " :: " + line.trim());
      }
    }
    return offenders;
  }
}
