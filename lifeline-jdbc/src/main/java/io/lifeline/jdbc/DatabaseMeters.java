package io.lifeline.jdbc;

import io.lifeline.core.spi.ConnectionMeters;
import io.lifeline.core.spi.Instrumentation;
import io.lifeline.core.spi.Instrumented;
import io.lifeline.core.spi.MeterSink;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The meters of one {@link DatabaseConnectionManager}: its Guard's calls, connection state, calls
 * refused while the database is known down, the HikariCP pool's counts, commits whose outcome is
 * unknown, connection acquire times and timeouts, and the write journal (pending bytes, age, journaled, replayed, dropped, replays cut
 * short). Tags are the manager's name and the JDBC sub-protocol ({@code backend=postgresql}), never
 * SQL or the URL.
 */
final class DatabaseMeters implements Instrumented {
  private final DatabaseConnectionManager manager;
  private final String backend;
  private final Instrumentation.Registration registration;

  DatabaseMeters(DatabaseConnectionManager manager) {
    this.manager = manager;
    this.backend = manager.guard().backend();
    this.registration = Instrumentation.register(this);
  }

  void close() {
    registration.close();
  }

  @Override
  public void describeMeters(MeterSink sink) {
    String service = manager.name();
    DatabaseConnectionManager db = manager;
    sink.calls(db.guard(), "service", service, "backend", backend);
    ConnectionMeters.describeState(sink, db, DatabaseConnectionManager::state,
        "service", service, "backend", backend);
    sink.counter("lifeline.calls", "Guarded calls by outcome", null, db.rejectedWhileDown(),
        LongAdder::sum, "service", service, "backend", backend, "outcome", "rejected_while_down");
    pool(sink, "lifeline.pool.active", "Connections lent out", p -> p.poolStats().active(), service);
    pool(sink, "lifeline.pool.idle", "Connections ready to lend", p -> p.poolStats().idle(), service);
    pool(sink, "lifeline.pool.pending", "Threads waiting for a connection",
        p -> p.poolStats().pending(), service);
    pool(sink, "lifeline.pool.size", "Connections open (HikariCP total)", p -> p.poolStats().total(),
        service);
    sink.counter("lifeline.pool.acquire.timeouts", "Acquires that timed out (poolTimeout)", null,
        db.acquireTimeouts, LongAdder::sum, "pool", service);
    sink.timer("lifeline.pool.acquire.duration", "Time to acquire a connection by outcome",
        db.acquireTiming, "pool", service);
    sink.counter("lifeline.jdbc.outcome.unknown",
        "Commits whose outcome is unknown (connection lost during COMMIT)", null, db.outcomeUnknown,
        LongAdder::sum, "service", service, "backend", backend);
    if (!db.hasJournal()) {
      return;
    }
    sink.counter("lifeline.calls", "Guarded calls by outcome", null, db.journal().journaled,
        LongAdder::sum, "service", service, "backend", backend, "outcome", "fallback");
    sink.gauge("lifeline.journal.pending", "Journal bytes not yet replayed", "bytes", db.journal(),
        JournalReplay::pendingBytes, "service", service, "backend", backend);
    sink.gauge("lifeline.journal.oldest.age",
        "Time since the journal was last empty: a bound on its oldest entry's age", "seconds", db.journal(),
        JournalReplay::pendingSeconds, "service", service, "backend", backend);
    journal(sink, "lifeline.journal.appended", "Writes journaled while the database was down",
        db.journal().journaled, service);
    journal(sink, "lifeline.journal.replayed", "Journaled writes applied on recovery",
        db.journal().replayed, service);
    journal(sink, "lifeline.journal.dropped",
        "Journaled writes the database rejected on replay (logged at ERROR, dropped)",
        db.journal().dropped, service);
    journal(sink, "lifeline.journal.replay.failures",
        "Replays cut short by a new outage (the entry stays and is retried)", db.journal().interrupted,
        service);
    journal(sink, "lifeline.journal.replay.batches",
        "Replay transactions committed (each applies up to 128 journaled writes)", db.journal().batches, service);
  }

  /** A gauge of the manager's HikariCP pool; the {@code pool} tag is the manager's name. */
  private void pool(MeterSink sink, String name, String description,
      ToDoubleFunction<DatabaseConnectionManager> f, String service) {
    sink.gauge(name, description, null, manager, f, "pool", service);
  }

  /** {@code postgresql} for {@code jdbc:postgresql://…}: the sub-protocol, or {@code jdbc}. */
  static String backendOf(String url) {
    if (url != null && url.startsWith("jdbc:")) {
      int end = url.indexOf(':', 5);
      if (end > 5) {
        String sub = url.substring(5, end);
        if (sub.matches("[a-z0-9]{1,32}")) {
          return sub;
        }
      }
    }
    return "jdbc";
  }

  private void journal(MeterSink sink, String name, String description, LongAdder adder,
      String service) {
    sink.counter(name, description, null, adder, LongAdder::sum, "service", service, "backend", backend);
  }
}
