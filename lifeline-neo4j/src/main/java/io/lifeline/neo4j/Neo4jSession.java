package io.lifeline.neo4j;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.Session;
import org.neo4j.driver.TransactionCallback;

/**
 * A session of a {@link Neo4jConnectionManager}: several queries in a row, each seeing the previous
 * ones' writes (bookmarks), closed with try-with-resources.
 *
 * <pre>{@code
 * try (Neo4jSession session = manager.session()) {
 *   session.run("CREATE (n:Person {name: $name})", Map.of("name", "Alice"));
 *   long count = (Long) session.run("MATCH (n:Person) RETURN count(n) AS count").single().get("count");
 * }
 * }</pre>
 *
 * <p>Every {@code run} is one transaction under the manager's guard, with the same retry rules as
 * the manager's calls: retried on failures before the commit; in a WRITE session a connection
 * failure during the commit throws {@link TransactionOutcomeUnknownException} (unless the work is
 * run with {@link #executeWrite(TransactionCallback, Idempotency)} as idempotent). Results are
 * fetched completely inside the call ({@link Neo4jResult}). Queries that must run in an auto-commit
 * transaction ({@code CALL {...} IN TRANSACTIONS}) are not supported here.
 *
 * <p>Not thread-safe (like the driver's sessions): use one session per thread.
 */
public final class Neo4jSession implements AutoCloseable {
  private final Neo4jConnectionManager manager;
  private final Session session;
  private final AccessMode mode;
  private final AtomicBoolean closed = new AtomicBoolean();

  Neo4jSession(Neo4jConnectionManager manager, Session session, AccessMode mode) {
    this.manager = manager;
    this.session = session;
    this.mode = mode;
  }

  /** {@link #run(String, Map)} without parameters. */
  public Neo4jResult run(String cypher) {
    return run(cypher, Map.of());
  }

  /** Runs {@code cypher} in one transaction of this session's access mode and fetches all records. */
  @SuppressWarnings("unchecked")
  public Neo4jResult run(String cypher, Map<String, ?> params) {
    Objects.requireNonNull(cypher, "cypher");
    ensureOpen();
    Map<String, Object> p = params == null ? Map.of() : (Map<String, Object>) params;
    return manager.transaction(session, mode == AccessMode.READ, tx -> {
      Result r = tx.run(cypher, p);
      List<Record> records = r.list();
      return new Neo4jResult(records, r.consume());
    });
  }

  /** A read transaction function in this session; retried as a whole on retriable errors. */
  public <T> T executeRead(TransactionCallback<T> work) {
    Objects.requireNonNull(work, "work");
    ensureOpen();
    return manager.transaction(session, true, tx -> work.execute(new TxContext(tx)));
  }

  /** A write transaction function in this session that is not idempotent. */
  public <T> T executeWrite(TransactionCallback<T> work) {
    return executeWrite(work, Idempotency.NOT_IDEMPOTENT);
  }

  /** A write transaction function in this session; see {@link Idempotency}. */
  public <T> T executeWrite(TransactionCallback<T> work, Idempotency idempotency) {
    Objects.requireNonNull(work, "work");
    ensureOpen();
    return manager.transaction(session, idempotency == Idempotency.IDEMPOTENT,
        tx -> work.execute(new TxContext(tx)));
  }

  /** This session's access mode. */
  public AccessMode accessMode() {
    return mode;
  }

  public boolean isOpen() {
    return !closed.get();
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("session is closed");
    }
  }

  /** Closes the session and returns its connection to the pool (idempotent). */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      session.close();
    }
  }

  @Override
  public String toString() {
    return "Neo4jSession[" + manager.name() + ", " + mode + (closed.get() ? ", closed" : "") + "]";
  }
}
