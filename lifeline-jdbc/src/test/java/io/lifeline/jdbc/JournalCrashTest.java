package io.lifeline.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.testkit.PostgresServerExtension;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
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
      Process writer = child("write", journal.toString(), prefix);
      Set<String> acked = ConcurrentHashMap.newKeySet();
      CountDownLatch enough = new CountDownLatch(killAfter);
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            if (line.startsWith("ACK ")) {
              String[] parts = line.split(" ");
              assertThat(parts[2]).as("acknowledged while down").isEqualTo("JOURNALED");
              acked.add(parts[1]);
              enough.countDown();
            }
          }
        } catch (java.io.IOException e) {
          // the child died
        }
      });
      reader.start();
      assertThat(enough.await(60, TimeUnit.SECONDS)).as("child acknowledged " + killAfter + " commands (seed " + seed + ")").isTrue();
      writer.destroyForcibly(); // SIGKILL
      assertThat(writer.waitFor(10, TimeUnit.SECONDS)).isTrue();
      reader.join(10_000);
      assertThat(writer.exitValue()).isEqualTo(137);
      PG.restart();
      Process replayer = child("replay", journal.toString(), prefix);
      String out = new String(replayer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(replayer.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(out).as("replay child output").contains("REPLAYED");
      Map<String, Integer> rows = rowsPerKey(prefix);
      for (String k : acked) {
        assertThat(rows.get(k)).as("rows of acknowledged %s (seed %d)", k, seed).isEqualTo(3);
      }
      for (Map.Entry<String, Integer> e : rows.entrySet()) {
        assertThat(e.getValue()).as("rows of %s: applied whole, once (seed %d)", e.getKey(), seed).isEqualTo(3);
      }
      assertThat(rows.size()).as("at most the one in flight at the kill beyond the acknowledged")
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

  private static Process child(String mode, String journal, String prefix) throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1",
        "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
        "-cp", System.getProperty("java.class.path"), JournalCrashChild.class.getName(), mode, PG.jdbcUrl(), journal, prefix));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }
}
