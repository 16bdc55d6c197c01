package io.lifeline.jdbc.internal;

/**
 * The query that measures one server's role and replication lag, and its interpretation.
 *
 * <p>Lag is {@code now() - pg_last_xact_replay_timestamp()} only while the standby has received WAL
 * it has not replayed yet; a standby that has replayed everything it received is not behind (the
 * timestamp alone would grow on an idle primary). A standby whose WAL receiver is not streaming
 * (its primary is gone) is as far behind as the time since it was last seen streaming.
 */
public final class InstanceProbe {
  public static final String SQL = "SELECT pg_is_in_recovery(), "
      + "EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'), "
      + "CASE WHEN NOT pg_is_in_recovery() THEN 0 "
      + "WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 "
      + "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000, 0) END";

  private InstanceProbe() {}

  /**
   * The effective lag in nanoseconds of a standby measured at {@code nowNanos}.
   *
   * @param replayLagMillis the third column of {@link #SQL}
   * @param streaming the second column
   * @param lastStreamingNanos when it was last seen streaming (the probe's start if never)
   */
  public static long effectiveLagNanos(double replayLagMillis, boolean streaming, long lastStreamingNanos,
      long nowNanos) {
    long replay = (long) (Math.max(0, replayLagMillis) * 1_000_000L);
    if (streaming) {
      return replay;
    }
    return Math.max(replay, nowNanos - lastStreamingNanos);
  }
}
