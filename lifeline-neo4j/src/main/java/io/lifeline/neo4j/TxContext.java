package io.lifeline.neo4j;

import java.util.Map;
import org.neo4j.driver.Query;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.Transaction;
import org.neo4j.driver.TransactionContext;
import org.neo4j.driver.Value;

/**
 * What a transaction function sees: the transaction's {@code run} methods only, so the function
 * cannot commit, roll back or close what Lifeline manages (as the driver's own transaction functions).
 */
final class TxContext implements TransactionContext {
  private final Transaction tx;

  TxContext(Transaction tx) {
    this.tx = tx;
  }

  @Override
  public Result run(String query, Value parameters) {
    return tx.run(query, parameters);
  }

  @Override
  public Result run(String query, Map<String, Object> parameters) {
    return tx.run(query, parameters);
  }

  @Override
  public Result run(String query, Record parameters) {
    return tx.run(query, parameters);
  }

  @Override
  public Result run(String query) {
    return tx.run(query);
  }

  @Override
  public Result run(Query query) {
    return tx.run(query);
  }
}
