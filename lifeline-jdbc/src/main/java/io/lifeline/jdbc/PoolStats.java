package io.lifeline.jdbc;

/**
 * Connection pool counts, from HikariCP's pool MXBean.
 *
 * @param active connections lent out
 * @param idle connections free in the pool
 * @param total active + idle
 * @param pending threads waiting for a connection
 */
public record PoolStats(int active, int idle, int total, int pending) {}
