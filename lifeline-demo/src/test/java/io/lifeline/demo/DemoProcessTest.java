package io.lifeline.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo as its own process, as {@code ./lifeline demo} runs it: it prints the dashboard URL,
 * opens it with the desktop's opener (a stand-in {@code xdg-open} here), serves {@code /}, {@code /health}, {@code /health/ready} and {@code /metrics}, and
 * on SIGTERM (what Ctrl-C and {@code kill} send) stops every server it started: no redis-server or
 * postgres process is left behind.
 */
class DemoProcessTest {
  private static final Pattern READY = Pattern.compile("dashboard ready at (http://127\\.0\\.0\\.1:\\d+/)");

  @TempDir
  Path tmp;

  @Test
  void servesTheEndpointsAndLeavesNoServerProcessBehindOnSigterm() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    // the browser: a stand-in xdg-open first on the PATH records the URL it is asked to open
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path opened = tmp.resolve("opened.txt");
    Path opener = Files.writeString(bin.resolve("xdg-open"), "#!/bin/sh\necho \"$1\" >> '" + opened + "'\n");
    assertThat(opener.toFile().setExecutable(true)).isTrue();
    ProcessBuilder pb = new ProcessBuilder(java.toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
        "-cp", System.getProperty("java.class.path"), DemoMain.class.getName(), "--port", "0",
        "--without", "neo4j") // Neo4j runs inside the demo's JVM (nothing to leave behind) and starts slowest
        .redirectErrorStream(true);
    pb.environment().remove("BROWSER");
    pb.environment().put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
    Process demo = pb.start();
    List<String> output = new CopyOnWriteArrayList<>();
    CompletableFuture<String> url = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          output.add(line);
          Matcher m = READY.matcher(line);
          if (m.find()) {
            url.complete(m.group(1));
          }
        }
      } catch (Exception e) {
        url.completeExceptionally(e);
      }
      url.completeExceptionally(new AssertionError("demo exited before it was ready: " + output));
    });
    reader.setDaemon(true);
    reader.start();
    List<ProcessHandle> servers;
    try {
      URI base = URI.create(url.get(90, TimeUnit.SECONDS));
      // without --no-browser the demo opens the dashboard it printed
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(opened)
          && Files.readString(opened).strip().equals(base.toString()));
      HttpClient http = HttpClient.newHttpClient();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        String body = get(http, base, "health").body();
        return body.contains("\"redis\":{\"status\":\"HEALTHY\"") && body.contains("\"lastSuccess\":\"")
            && body.contains("\"neo4j\":{\"status\":\"UNAVAILABLE\"");
      });
      assertThat(get(http, base, "health/ready").statusCode()).isEqualTo(200);
      assertThat(get(http, base, "metrics").body()).contains("lifeline_");
      assertThat(get(http, base, "").body()).contains("dashboard.js");
      // every server process the demo started, by the PIDs it prints: redis-server (a child of the
      // JVM) and PostgreSQL's postmaster (pg_ctl daemonizes it), with their own children
      servers = new java.util.ArrayList<>();
      Matcher pid = Pattern.compile(" pid (\\d+)").matcher(String.join("\n", output));
      while (pid.find()) {
        ProcessHandle.of(Long.parseLong(pid.group(1))).ifPresent(servers::add);
      }
      assertThat(servers).as("redis and postgres PIDs in: " + output).hasSize(2).allMatch(ProcessHandle::isAlive);
      List<ProcessHandle> children = servers.stream().flatMap(ProcessHandle::descendants).collect(Collectors.toList());
      servers.addAll(children);
      // chaos from the command line: typed on the demo's stdin
      java.io.Writer stdin = new java.io.OutputStreamWriter(demo.getOutputStream(), StandardCharsets.UTF_8);
      stdin.write("kill redis\n");
      stdin.flush();
      await().atMost(Duration.ofSeconds(10)).until(() -> get(http, base, "health").body()
          .contains("\"redis\":{\"status\":\"UNAVAILABLE\""));
      stdin.write("restart redis\n");
      stdin.flush();
      await().atMost(Duration.ofSeconds(15)).until(() -> get(http, base, "health").body()
          .contains("\"redis\":{\"status\":\"HEALTHY\""));
      assertThat(output).contains("redis killed (SIGKILL)", "redis restarted");
      servers.addAll(demo.descendants().collect(Collectors.toList())); // the restarted redis-server
    } catch (Throwable t) {
      demo.destroy(); // SIGTERM first: a SIGKILLed demo cannot stop its servers
      if (!demo.waitFor(60, TimeUnit.SECONDS)) {
        demo.destroyForcibly();
      }
      throw new AssertionError("demo output: " + String.join("\n", output), t);
    }
    demo.destroy(); // SIGTERM
    assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("the demo exits on SIGTERM").isTrue();
    // a server's last children may still be exiting (or be reparented zombies not yet reaped) the
    // moment the demo's JVM is gone: each must be gone within a few seconds, not at that instant
    List<ProcessHandle> all = List.copyOf(servers);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      for (ProcessHandle p : all) {
        assertThat(p.isAlive()).as("server process " + p.pid() + " " + p.info().commandLine().orElse("")
            + " is gone").isFalse();
      }
    });
  }

  private static HttpResponse<String> get(HttpClient http, URI base, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
