package io.lifeline.jdbc;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Child JVM of {@link JournalCrashTest}. {@code write <url> <journal> <prefix>}: submits commands at
 * full speed (the database is down, so they are journaled) and prints {@code ACK <key>} after each
 * acknowledgement, until killed. {@code replay <url> <journal>}: opens the journal, waits until it
 * is replayed, prints {@code REPLAYED} and exits.
 */
public final class JournalCrashChild {
  private JournalCrashChild() {}

  public static void main(String[] args) {
    String mode = args[0];
    DatabaseConfig config = TestDb.config(args[1]).name("crash-child").degradedMode(DegradedMode.JOURNAL)
        .journalPath(Path.of(args[2])).journalMaxBytes(256L * 1024 * 1024).build();
    DatabaseConnectionManager db = DatabaseConnectionManager.create(config);
    if (mode.equals("write")) {
      String prefix = args[3];
      for (long i = 0; ; i++) {
        String key = prefix + i;
        WriteOutcome o = db.submit(WriteCommand.of(key,
            "INSERT INTO crash_t(k, n) SELECT ?, g FROM generate_series(1, 3) g", key));
        System.out.println("ACK " + key + " " + o);
        System.out.flush();
      }
    }
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> db.journalBytes() == 0);
    db.close();
    System.out.println("REPLAYED");
    System.out.flush();
    System.exit(0);
  }
}
