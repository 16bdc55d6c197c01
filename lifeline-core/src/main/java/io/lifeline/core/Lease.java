package io.lifeline.core;

/**
 * Exclusive use of one member of a {@link ConnectionPool}, from {@link ConnectionPool#acquire} until
 * {@link #close()}. Use it in try-with-resources:
 *
 * <pre>{@code
 * try (Lease<Neo4jConnectionManager> lease = pool.acquire()) {
 *   lease.get().run(query);
 * } // returned to the pool here
 * }</pre>
 *
 * <p><b>Close exactly once.</b> A lease is not a fresh object per acquisition: to keep acquire and
 * release allocation-free it is the pool's own slot for that member (as in Stormpot). Closing it a
 * second time while the member is still idle is detected and ignored, and {@link #get()} or
 * {@link #markBroken()} after close throw or do nothing as documented. But once the member has been
 * handed to the next caller, the old reference cannot be told apart from the new one: closing it
 * again would return <em>their</em> member to the pool. Never keep a lease, or the member obtained
 * from it, after {@code close()}.
 *
 * <p><b>Thread safety.</b> A lease belongs to one caller at a time. It may be passed to another
 * thread (with the usual happens-before hand-over) and closed there, but two threads must not use
 * the same lease concurrently.
 *
 * @param <T> the pooled member type
 */
public interface Lease<T> extends AutoCloseable {

  /**
   * The pooled member. Cheap; may be called any number of times while the lease is open.
   *
   * @throws IllegalStateException if this lease was closed and its member is not lent out again
   */
  T get();

  /**
   * Marks the member as broken (for example after an I/O error that left the connection unusable).
   * On {@link #close()} the pool then destroys the member instead of reusing it; its slot is filled
   * again, lazily, by a later acquire. Idempotent; ignored after close.
   */
  void markBroken();

  /**
   * Returns the member to the pool, or destroys it if it was {@linkplain #markBroken() marked
   * broken} or the pool has been closed. If a caller is waiting in {@code acquire}, the member is
   * handed to it directly. Never throws; a failing destroyer is logged.
   */
  @Override
  void close();
}
