package io.lifeline.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeline.testkit.PostgresServerExtension;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal's durability promise, with real crashes: a child JVM journals commands at full speed
 * while the (durable) database is down and is SIGKILLed at a random moment; a new child replays the
 * journal once the database is back. Every acknowledged command must be in the table exactly once,
 * and no command may be half-applied (each inserts 3 rows). 3 rounds; 20 with {@code -Psoak}.
 */
class JournalCrashTest {

  @RegisterExtension
  static final PostgresServerExtension PG = PostgresServerExtension.builder().durable(true).build();

  @TempDir
  Path dir;

  @Test
  void everyAcknowledgedCommandIsAppliedExactlyOnceAfterSigkillAndReplay() throws Exception {
    int rounds = Integer.getInteger("lifeline.jdbc.crashRounds", 3);
    long seed = Long.getLong("lifeline.jdbc.crashSeed", System.nanoTime());
    Random random = new Random(seed);
    PG.execute("CREATE TABLE crash_t(k text NOT NULL, n int NOT NULL)");
    int totalAcked = 0;
    for (int round = 0; round < rounds; round++) {
      String prefix = "r" + round + "-";
      Path journal = dir.resolve("round-" + round + ".journal");
      int killAfter = 1 + random.nextInt(300);
      PG.stop();
      Path acks = dir.resolve("round-" + round + ".acks");
      Process writer = child("write", journal.toString(), prefix, acks);
      // the child's stdout goes to a file: whatever it wrote before the kill is there, nothing is lost in a pipe
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
          .until(() -> ackLines(acks).size() >= killAfter);
      writer.destroyForcibly(); // SIGKILL at a random moment (after killAfter acknowledgements)
      assertThat(writer.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(writer.exitValue()).isEqualTo(137);
      Set<String> acked = new HashSet<>();
      for (String line : ackLines(acks)) {
        String[] parts = line.split(" ");
        assertThat(parts).as("ack line '%s'", line).hasSize(3);
        assertThat(parts[2]).as("acknowledged while down").isEqualTo("JOURNALED");
        acked.add(parts[1]);
      }
      PG.restart();
      Path replayOut = dir.resolve("round-" + round + ".replay");
      Process replayer = child("replay", journal.toString(), prefix, replayOut);
      assertThat(replayer.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(Files.readString(replayOut)).as("replay child output").contains("REPLAYED");
      Map<String, Integer> rows = rowsPerKey(prefix);
      for (String k : acked) {
        assertThat(rows.get(k)).as("rows of acknowledged %s (seed %d)", k, seed).isEqualTo(3);
      }
      for (Map.Entry<String, Integer> e : rows.entrySet()) {
        assertThat(e.getValue()).as("rows of %s: applied whole, once (seed %d)", e.getKey(), seed).isEqualTo(3);
      }
      List<String> unacked = new ArrayList<>(rows.keySet());
      unacked.removeAll(acked);
      assertThat(rows.size()).as("at most the one in flight at the kill beyond the %d acknowledged; unacknowledged"
              + " but applied: %s (seed %d, round %d)", acked.size(), unacked, seed, round)
          .isBetween(acked.size(), acked.size() + 1);
      totalAcked += acked.size();
    }
    assertThat(totalAcked).isGreaterThanOrEqualTo(rounds);
  }

  private static Map<String, Integer> rowsPerKey(String prefix) throws Exception {
    Map<String, Integer> m = new HashMap<>();
    try (Connection c = PG.adminConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT k, count(*) FROM crash_t WHERE k LIKE '" + prefix + "%' GROUP BY k")) {
      while (rs.next()) {
        m.put(rs.getString(1), rs.getInt(2));
      }
    }
    return m;
  }

  /** Complete ACK lines written so far (a line cut by the kill has no newline and is not counted). */
  private static List<String> ackLines(Path file) throws java.io.IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>();
    int from = 0;
    for (int nl; (nl = text.indexOf('\n', from)) >= 0; from = nl + 1) {
      String line = text.substring(from, nl);
      if (line.startsWith("ACK ")) {
        out.add(line);
      }
    }
    return out;
  }

  private static Process child(String mode, String journal, String prefix, Path stdout) throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1",
        "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
        "-cp", System.getProperty("java.class.path"), JournalCrashChild.class.getName(), mode, PG.jdbcUrl(), journal, prefix));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT)
        .redirectOutput(stdout.toFile()).start();
  }
}
