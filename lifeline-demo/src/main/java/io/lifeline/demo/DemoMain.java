package io.lifeline.demo;

import io.lifeline.core.Secrets;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lifeline demo}: run by {@code ./lifeline demo} (the launcher runs this module for the
 * {@code demo} subcommand, since the demo depends on the CLI and not the other way round).
 */
@Command(name = "lifeline demo", mixinStandardHelpOptions = true,
    description = {"Starts real Redis, PostgreSQL and Neo4j and a Graphiti demo stub on loopback, a sample "
        + "application that uses them through Lifeline, and the dashboard with chaos controls.",
        "While it runs, type on stdin: kill|stop|restart|blackhole|latency <redis|postgres|neo4j|graphiti>, "
            + "or quit."},
    footer = {"", "Exit codes: 0 ok (with --chaos: the scenario passed), 1 the --chaos scenario failed, "
        + "4 the demo could not start."})
public final class DemoMain implements Callable<Integer> {
  @Option(names = "--port", description = "Dashboard port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0 = any free port).")
  int port = 9464;

  @Option(names = "--no-browser", description = "Do not open a browser.")
  boolean noBrowser;

  @Option(names = "--chaos", description = "Run the scripted scenario (kill Redis, black-hole Neo4j, stop "
      + "PostgreSQL, restore each), print a summary and exit 0 if it passed, 1 otherwise.")
  boolean chaos;

  @Option(names = "--rate", description = "Requests per second per backend (default ${DEFAULT-VALUE}).")
  int rate = 10;

  @Option(names = "--hold", description = "With --chaos: seconds each backend stays broken (default ${DEFAULT-VALUE}).")
  int holdSeconds = 3;

  @Option(names = "--without", split = ",", paramLabel = "BACKEND",
      description = "Do not start these backends (redis, postgres, neo4j, graphiti): their services stay "
          + "UNAVAILABLE, as when a backend cannot start.")
  java.util.Set<String> without = new java.util.TreeSet<>();

  @Option(names = "--token-env", description = "Require the token in this environment variable for the "
      + "dashboard's data (default: none, loopback only).")
  String tokenEnv;

  private final PrintStream out;
  private final CountDownLatch stop = new CountDownLatch(1);

  DemoMain(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    // the Neo4j harness ships its own SLF4J provider; the demo logs through Logback like the CLI
    if (System.getProperty("slf4j.provider") == null) {
      System.setProperty("slf4j.provider", "ch.qos.logback.classic.spi.LogbackServiceProvider");
    }
    System.exit(run(args, System.out));
  }

  static int run(String[] args, PrintStream out) {
    return new CommandLine(new DemoMain(out)).execute(args);
  }

  @Override
  public Integer call() throws Exception {
    long t0 = System.nanoTime();
    String token = tokenEnv == null ? null : System.getenv(tokenEnv);
    Demo demo;
    try {
      demo = Demo.start(new Demo.Options(portOrFree(), token, rate, without, out));
    } catch (Exception e) {
      out.println("lifeline demo: could not start: " + Secrets.describe(e));
      return 4;
    }
    Thread hook = new Thread(() -> {
      demo.close();
      stop.countDown();
    }, "lifeline-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.printf("lifeline demo: dashboard ready at %s in %.1f s (JVM start to ready: %.1f s)%n", demo.uri(),
        demo.startupTime().toNanos() / 1e9, jvmUptimeSeconds());
    out.println("  also: " + demo.uri() + "health  " + demo.uri() + "health/ready  " + demo.uri() + "metrics");
    out.flush();
    if (chaos) {
      List<String> failures = new ChaosScenario(demo, out, Duration.ofSeconds(holdSeconds)).run();
      demo.close();
      return failures.isEmpty() ? 0 : 1;
    }
    if (!noBrowser) {
      openBrowser(demo.uri().toString());
    }
    out.println("lifeline demo: running; Ctrl-C to stop. Type 'kill redis', 'restart redis', ... or 'quit'.");
    out.flush();
    Thread stdin = new Thread(() -> readCommands(demo), "lifeline-demo-stdin");
    stdin.setDaemon(true);
    stdin.start();
    stop.await();
    return 0;
  }

  private int portOrFree() {
    if (port == 0) {
      return 0;
    }
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
      return port;
    } catch (java.io.IOException e) {
      out.println("lifeline demo: port " + port + " is taken; using a free one");
      return 0;
    }
  }

  private static double jvmUptimeSeconds() {
    return java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
  }

  private void readCommands(Demo demo) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        String[] w = line.trim().split("\\s+");
        if (w.length == 0 || w[0].isEmpty()) {
          continue;
        }
        if ("quit".equals(w[0]) || "exit".equals(w[0])) {
          demo.close();
          stop.countDown();
          return;
        }
        try {
          Duration latency = w.length > 2 ? Duration.ofMillis(Long.parseLong(w[2])) : null;
          out.println(w.length < 2 ? "usage: kill|stop|restart|blackhole|latency <backend> [ms]"
              : demo.chaos(w[1], w[0], latency));
        } catch (Exception e) {
          out.println("lifeline demo: " + Secrets.describe(e));
        }
        out.flush();
      }
    } catch (java.io.IOException e) {
      // stdin closed: keep running until Ctrl-C / SIGTERM
    }
  }

  private void openBrowser(String url) {
    List<String> command = browserCommand(System.getenv("BROWSER"), System.getProperty("os.name", ""), url);
    try {
      new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      out.println("lifeline demo: opening " + url + " with " + command.get(0) + " (--no-browser to skip)");
    } catch (java.io.IOException e) {
      out.println("lifeline demo: could not open a browser (" + e.getMessage() + "); open " + url);
    }
  }

  /**
   * How the dashboard is opened: {@code $BROWSER} when set (the convention of xdg-utils and
   * Python's webbrowser: the command, given the URL), else the desktop's opener ({@code open} on
   * macOS, the URL handler on Windows, {@code xdg-open} elsewhere).
   */
  static List<String> browserCommand(String browserVariable, String osName, String url) {
    if (browserVariable != null && !browserVariable.isBlank()) {
      String first = browserVariable.split(java.io.File.pathSeparator, -1)[0].strip();
      return List.of(first, url);
    }
    String os = osName.toLowerCase(java.util.Locale.ROOT);
    if (os.contains("mac")) {
      return List.of("open", url);
    }
    if (os.contains("win")) {
      return List.of("rundll32", "url.dll,FileProtocolHandler", url);
    }
    return List.of("xdg-open", url);
  }
}
