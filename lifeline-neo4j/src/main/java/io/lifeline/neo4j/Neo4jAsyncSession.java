package io.lifeline.neo4j;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.async.AsyncSession;

/**
 * The async peer of {@link Neo4jSession} (design document: {@code async with manager.async_session()}):
 * each {@link #runAsync} is one guarded transaction on the driver's async API; no thread waits for
 * Neo4j. Close with {@link #closeAsync()} (or {@link #close()}, which waits).
 *
 * <p>Run one query at a time (start the next when the previous future completed), like the
 * driver's async sessions.
 */
public final class Neo4jAsyncSession implements AutoCloseable {
  private final Neo4jConnectionManager manager;
  private final AsyncSession session;
  private final AccessMode mode;
  private final AtomicBoolean closed = new AtomicBoolean();

  Neo4jAsyncSession(Neo4jConnectionManager manager, AsyncSession session, AccessMode mode) {
    this.manager = manager;
    this.session = session;
    this.mode = mode;
  }

  /** {@link #runAsync(String, Map)} without parameters. */
  public CompletableFuture<Neo4jResult> runAsync(String cypher) {
    return runAsync(cypher, Map.of());
  }

  /** Runs {@code cypher} in one transaction of this session's access mode; all records fetched. */
  @SuppressWarnings("unchecked")
  public CompletableFuture<Neo4jResult> runAsync(String cypher, Map<String, ?> params) {
    Objects.requireNonNull(cypher, "cypher");
    if (closed.get()) {
      return CompletableFuture.failedFuture(new IllegalStateException("session is closed"));
    }
    Map<String, Object> p = params == null ? Map.of() : (Map<String, Object>) params;
    return manager.transactionAsync(() -> session, false, mode == AccessMode.READ,
        tx -> tx.runAsync(cypher, p).thenCompose(cursor -> cursor.listAsync()
            .thenCompose(records -> cursor.consumeAsync().thenApply(s -> new Neo4jResult(records, s)))));
  }

  public AccessMode accessMode() {
    return mode;
  }

  /** Closes the session without blocking (idempotent). */
  public CompletableFuture<Void> closeAsync() {
    if (closed.compareAndSet(false, true)) {
      return session.closeAsync().toCompletableFuture();
    }
    return CompletableFuture.completedFuture(null);
  }

  /** Closes the session and waits for it. */
  @Override
  public void close() {
    closeAsync().join();
  }

  @Override
  public String toString() {
    return "Neo4jAsyncSession[" + manager.name() + ", " + mode + (closed.get() ? ", closed" : "") + "]";
  }
}
