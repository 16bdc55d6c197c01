/**
 * {@link io.lifeline.jdbc.DatabaseConnectionManager}: HikariCP that fails fast while the database is
 * down and recovers by itself, the SQLState table ({@link io.lifeline.jdbc.SqlErrorKind}),
 * transactions re-run after serialization failures and deadlocks, and a durable write journal
 * ({@link io.lifeline.jdbc.DegradedMode#JOURNAL}) applied exactly once. Configure with {@link
 * io.lifeline.jdbc.DatabaseConfig}.
 */
package io.lifeline.jdbc;
