package io.lifeline.redis;

/**
 * Where reads go while the master is up, in Sentinel mode ({@link RedisConfig#sentinels()}).
 * While the master is down (before and during a promotion) reads of keys not written in that
 * window go to a replica whatever the policy, and the fallback cache answers only when no replica
 * can (see {@link RedisConnectionManager}).
 */
public enum ReadFromPolicy {
  /** Every read on the master: read-your-writes (default). */
  MASTER,
  /** Reads on a replica, on the master when none is up. Replication is asynchronous: a read may miss a write just made. */
  REPLICA_PREFERRED,
  /** Reads on the node (master or replica) with the lowest measured latency. Same caveat. */
  NEAREST
}
