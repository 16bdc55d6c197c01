package io.lifeline.jdbc;

import io.lifeline.core.Secrets;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.jdbc.internal.WriteJournal;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exactly-once half of {@link DatabaseConnectionManager#submit}: the idempotency ledger, the
 * durable journal of commands submitted while the database was down, and their replay, in order,
 * once it is back. Package-private: the manager is the façade.
 *
 * <p>The replay applies the journal in batches of up to {@value #BATCH} commands per transaction:
 * one ledger lookup for the batch, consecutive commands with the same SQL as one JDBC batch, the
 * ledger rows as one JDBC batch, one COMMIT (one fsync on the server instead of one per command).
 * While the journal holds entries, new submits are journaled behind them (order), so the replay's
 * speed is how soon writes reach the database directly again after an outage. A batch that fails
 * for any other reason than the database going away (a command the database rejects, a key a
 * concurrent applier recorded first) is rolled back and applied again one command per
 * transaction: the rejected command is dropped and logged, the others applied, each exactly once.
 */
final class JournalReplay implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JournalReplay.class);
  /** Commands per replay transaction. */
  static final int BATCH = 128;

  private final DatabaseConnectionManager db;
  private final String name;
  private final WriteJournal journal;
  private final ScheduledExecutorService background;
  private final long retryMillis;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile long offset;
  private volatile boolean ledgerReady;
  /** Since when the journal holds entries (nanoTime, never 0 while it does; 0 while empty). */
  private volatile long pendingSince;
  final LongAdder journaled = new LongAdder();
  final LongAdder replayed = new LongAdder();
  final LongAdder dropped = new LongAdder();
  /** Replays cut short by an outage (the entries stay and are retried). */
  final LongAdder interrupted = new LongAdder();
  final LongAdder batches = new LongAdder();

  /** {@code journal} null: the ledger only (FAIL_FAST). */
  JournalReplay(DatabaseConnectionManager db, String name, WriteJournal journal, ScheduledExecutorService background,
      long retryMillis) {
    this.db = db;
    this.name = name;
    this.journal = journal;
    this.background = background;
    this.retryMillis = retryMillis;
    if (journal != null && journal.size() > 0) {
      pendingSince = System.nanoTime() | 1; // entries of an earlier run: at least this old
    }
  }

  boolean hasJournal() {
    return journal != null;
  }

  /** True when a submit must be journaled to keep its place behind entries not yet replayed. */
  boolean holdsEntries() {
    return journal != null && journal.size() > 0;
  }

  /** Appends and fsyncs {@code command}; replays at once when the database is not known down. */
  WriteOutcome append(WriteCommand command, boolean databaseDown) {
    try {
      journal.append(command);
    } catch (IOException e) {
      throw new ServiceUnavailableException(name, "database down and the write journal failed", e);
    }
    if (pendingSince == 0) {
      pendingSince = System.nanoTime() | 1;
    }
    journaled.increment();
    if (!databaseDown) {
      schedule();
    }
    return WriteOutcome.JOURNALED;
  }

  // ------------------------------------------------------------------------------------ ledger

  /** Thrown inside the apply transaction when the key is already in the ledger (a caller error: no retry). */
  static final class AlreadyApplied extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AlreadyApplied() {
      super("already applied", null, false, false);
    }
  }

  /** {@code cmd} and its ledger row in one transaction, unless the ledger has its key. */
  WriteOutcome applyOne(WriteCommand cmd) {
    ensureLedger();
    try {
      return db.inTransaction(tx -> {
        if (tx.query("SELECT 1 FROM " + DatabaseConnectionManager.LEDGER_TABLE + " WHERE idempotency_key = ?",
            cmd.idempotencyKey()) > 0) {
          throw new AlreadyApplied();
        }
        try {
          tx.update("INSERT INTO " + DatabaseConnectionManager.LEDGER_TABLE + " (idempotency_key) VALUES (?)",
              cmd.idempotencyKey());
        } catch (SQLException e) {
          if ("23505".equals(e.getSQLState())) {
            throw new AlreadyApplied();
          }
          throw e;
        }
        tx.update(cmd.sql(), cmd.params().toArray());
        return WriteOutcome.APPLIED;
      });
    } catch (AlreadyApplied e) {
      return WriteOutcome.ALREADY_APPLIED;
    }
  }

  /**
   * {@code cmds}, in order, in one transaction: those whose key the ledger (or an earlier command
   * of the batch) has are skipped. All or nothing.
   *
   * @return how many were applied (the rest were applied before)
   */
  int applyBatch(List<WriteCommand> cmds) {
    ensureLedger();
    return db.inTransaction(tx -> {
      Connection c = tx.connection();
      Set<String> applied = recorded(c, cmds);
      List<WriteCommand> todo = new ArrayList<>(cmds.size());
      for (WriteCommand cmd : cmds) {
        if (applied.add(cmd.idempotencyKey())) {
          todo.add(cmd);
        }
      }
      for (int i = 0; i < todo.size();) {
        String sql = todo.get(i).sql();
        int end = i + 1;
        while (end < todo.size() && todo.get(end).sql().equals(sql)) {
          end++;
        }
        if (end - i == 1) {
          tx.update(sql, todo.get(i).params().toArray());
        } else {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int k = i; k < end; k++) {
              Session.bind(ps, todo.get(k).params().toArray());
              ps.addBatch();
            }
            ps.executeBatch();
          }
        }
        i = end;
      }
      if (!todo.isEmpty()) {
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO " + DatabaseConnectionManager.LEDGER_TABLE + " (idempotency_key) VALUES (?)")) {
          for (WriteCommand cmd : todo) {
            ps.setString(1, cmd.idempotencyKey());
            ps.addBatch();
          }
          ps.executeBatch();
        }
      }
      return todo.size();
    });
  }

  /** The keys of {@code cmds} the ledger has. */
  private static Set<String> recorded(Connection c, List<WriteCommand> cmds) throws SQLException {
    StringBuilder sql = new StringBuilder(64 + cmds.size() * 2).append("SELECT idempotency_key FROM ")
        .append(DatabaseConnectionManager.LEDGER_TABLE).append(" WHERE idempotency_key IN (");
    for (int i = 0; i < cmds.size(); i++) {
      sql.append(i == 0 ? "?" : ",?");
    }
    Set<String> keys = new HashSet<>();
    try (PreparedStatement ps = c.prepareStatement(sql.append(')').toString())) {
      for (int i = 0; i < cmds.size(); i++) {
        ps.setString(i + 1, cmds.get(i).idempotencyKey());
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          keys.add(rs.getString(1));
        }
      }
    }
    return keys;
  }

  private void ensureLedger() {
    if (ledgerReady) {
      return;
    }
    db.inTransaction(tx -> {
      try {
        tx.update("CREATE TABLE IF NOT EXISTS " + DatabaseConnectionManager.LEDGER_TABLE
            + " (idempotency_key VARCHAR(255) PRIMARY KEY, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)");
      } catch (SQLException e) {
        if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
          throw e; // a concurrent CREATE may collide; the table exists either way
        }
      }
      return null;
    });
    ledgerReady = true;
  }

  // ------------------------------------------------------------------------------------ replay

  /** Runs the replay on the background thread unless it runs or is queued already. */
  void schedule() {
    if (journal == null || db.isClosed() || journal.size() == 0 || !scheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      background.execute(this::replay);
    } catch (RuntimeException e) {
      scheduled.set(false); // closing
    }
  }

  private void replay() {
    boolean retryLater = false;
    try {
      List<WriteJournal.Entry> batch = new ArrayList<>(BATCH);
      for (;;) {
        if (db.isClosed() || db.isKnownDown()) {
          return;
        }
        batch.clear();
        long at = offset;
        for (WriteJournal.Entry e; batch.size() < BATCH && (e = journal.read(at)) != null; at = e.next()) {
          batch.add(e);
        }
        if (batch.isEmpty()) {
          if (journal.clearIfReplayed(offset)) {
            pendingSince = 0;
            offset = 0;
            return;
          }
          continue; // appended to since the read: read on
        }
        try {
          applyBatch(commands(batch));
          replayed.add(batch.size()); // applied now or (a commit whose answer was lost) before
          batches.increment();
          offset = at;
        } catch (ServiceUnavailableException | TransactionOutcomeUnknownException ex) {
          interrupted.increment();
          retryLater = true; // stays in the journal; the ledger makes the retry safe
          return;
        } catch (RuntimeException ex) {
          if (!replayOneByOne(batch)) {
            retryLater = true;
            return;
          }
        }
      }
    } catch (IOException ex) {
      LOG.error("database '{}': cannot read write journal {}: {}", name, journal.path(), Secrets.describe(ex));
      retryLater = true;
    } finally {
      scheduled.set(false);
      if (!db.isClosed() && !db.isKnownDown()) {
        if (retryLater) {
          try {
            background.schedule(this::schedule, retryMillis, TimeUnit.MILLISECONDS);
          } catch (RuntimeException ignored) {
            // closing
          }
        } else if (journal.size() > offset) {
          schedule();
        }
      }
    }
  }

  /**
   * The batch again, one command per transaction: the one the database rejects is dropped (and
   * logged), the others applied. False when the database went away meanwhile (retry later from
   * the first command not applied).
   */
  private boolean replayOneByOne(List<WriteJournal.Entry> batch) {
    for (WriteJournal.Entry e : batch) {
      try {
        applyOne(e.command());
        replayed.increment();
      } catch (ServiceUnavailableException | TransactionOutcomeUnknownException ex) {
        interrupted.increment();
        return false;
      } catch (RuntimeException ex) {
        dropped.increment();
        LOG.error("database '{}': journaled command {} was rejected by the database and is dropped: {}",
            name, e.command(), Secrets.describe(ex.getCause() != null ? ex.getCause() : ex));
      }
      offset = e.next();
    }
    return true;
  }

  private static List<WriteCommand> commands(List<WriteJournal.Entry> batch) {
    List<WriteCommand> cmds = new ArrayList<>(batch.size());
    for (WriteJournal.Entry e : batch) {
      cmds.add(e.command());
    }
    return cmds;
  }

  // ----------------------------------------------------------------------------- observability

  /** Journal bytes not yet replayed (0 without a journal). */
  long pendingBytes() {
    return journal == null ? 0 : Math.max(0, journal.size() - offset);
  }

  /** Bytes in the journal file (0 without a journal). */
  long bytes() {
    return journal == null ? 0 : journal.size();
  }

  /** Seconds since the journal last was empty: a bound on its oldest entry's age (0 when empty). */
  double pendingSeconds() {
    long since = pendingSince;
    return since == 0 ? 0 : (System.nanoTime() - since) / 1e9;
  }

  void describe(Map<String, Object> m) {
    if (journal != null) {
      m.put("journalBytes", journal.size());
      m.put("journaled", journaled.sum());
      m.put("replayed", replayed.sum());
      m.put("dropped", dropped.sum());
    }
  }

  /** Closes the journal (after the background thread stopped). */
  @Override
  public void close() {
    if (journal != null) {
      try {
        journal.close();
      } catch (IOException e) {
        LOG.debug("journal close failed", e);
      }
    }
  }
}
