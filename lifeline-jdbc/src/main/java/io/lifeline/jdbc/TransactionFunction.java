package io.lifeline.jdbc;

/**
 * The body of {@link DatabaseConnectionManager#inTransaction}. It may run more than once (after a
 * serialization failure, a deadlock or a connection lost before COMMIT), so it must not have side
 * effects outside the transaction.
 */
@FunctionalInterface
public interface TransactionFunction<T> {
  T apply(Session tx) throws Exception;
}
