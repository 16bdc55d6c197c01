package io.lifeline.jdbc;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * One write ({@code INSERT}/{@code UPDATE}/{@code DELETE} with parameters) with a caller-chosen,
 * unique idempotency key, for {@link DatabaseConnectionManager#submit(WriteCommand)}. The key is
 * recorded in the ledger table {@code lifeline_journal_applied} in the same transaction as the
 * write, so the command is applied at most once however often it is submitted or replayed.
 *
 * <p>Parameters may be {@code null}, {@link String}, {@link Integer}, {@link Long}, {@link Short},
 * {@link Double}, {@link Float}, {@link Boolean}, {@link BigDecimal}, {@link UUID} or {@code
 * byte[]} (the types the journal can store); anything else is rejected here.
 */
public record WriteCommand(String idempotencyKey, String sql, List<Object> params) {

  /** Longest idempotency key (the ledger column is {@code VARCHAR(255)}). */
  public static final int MAX_KEY_LENGTH = 255;

  public WriteCommand {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(sql, "sql");
    if (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException("idempotencyKey must be 1.." + MAX_KEY_LENGTH + " characters");
    }
    if (sql.isBlank()) {
      throw new IllegalArgumentException("sql must not be blank");
    }
    List<Object> copy = new ArrayList<>(params == null ? List.of() : params);
    for (int i = 0; i < copy.size(); i++) {
      Object p = copy.get(i);
      if (!(p == null || p instanceof String || p instanceof Integer || p instanceof Long
          || p instanceof Short || p instanceof Double || p instanceof Float || p instanceof Boolean
          || p instanceof BigDecimal || p instanceof UUID || p instanceof byte[])) {
        throw new IllegalArgumentException("parameter " + (i + 1) + " has unsupported type "
            + p.getClass().getName() + " (journal stores String, numbers, Boolean, BigDecimal, UUID, byte[], null)");
      }
    }
    params = Collections.unmodifiableList(copy);
  }

  /** A command with positional parameters. */
  public static WriteCommand of(String idempotencyKey, String sql, Object... params) {
    return new WriteCommand(idempotencyKey, sql, java.util.Arrays.asList(params));
  }

  /** Key and SQL only: parameter values may be personal data and are not shown. */
  @Override
  public String toString() {
    return "WriteCommand[key=" + idempotencyKey + ", sql=" + sql + ", params=" + params.size() + "]";
  }
}
