package io.lifeline.neo4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.neo4j.driver.Record;
import org.neo4j.driver.summary.ResultSummary;

/**
 * A query's records, fully fetched, with the summary. Returned by {@link Neo4jSession#run} so that
 * a failure while streaming happens inside the guarded call (and is retried or reported there),
 * never later while the caller iterates. Immutable.
 */
public final class Neo4jResult {
  private final List<Record> records;
  private final ResultSummary summary;

  Neo4jResult(List<Record> records, ResultSummary summary) {
    this.records = Collections.unmodifiableList(records);
    this.summary = summary;
  }

  /** The driver's records. */
  public List<Record> records() {
    return records;
  }

  /** The records as maps of column name to Java value ({@link Record#asMap()}). */
  public List<Map<String, Object>> list() {
    List<Map<String, Object>> out = new ArrayList<>(records.size());
    for (Record r : records) {
      out.add(r.asMap());
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * The only record, as a map.
   *
   * @throws NoSuchElementException if there is not exactly one record
   */
  public Map<String, Object> single() {
    if (records.size() != 1) {
      throw new NoSuchElementException("expected exactly one record, got " + records.size());
    }
    return records.get(0).asMap();
  }

  /** Counters, timings, server info and notifications of the query. */
  public ResultSummary summary() {
    return summary;
  }

  public int size() {
    return records.size();
  }

  @Override
  public String toString() {
    return "Neo4jResult[records=" + records.size() + "]";
  }
}
