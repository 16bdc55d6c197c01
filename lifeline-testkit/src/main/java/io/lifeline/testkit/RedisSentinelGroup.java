package io.lifeline.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.embedded.Redis;
import redis.embedded.RedisSentinel;
import redis.embedded.RedisServer;

/**
 * A real Redis master with replicas, monitored by Sentinels (all the {@code embedded-redis} 6.2
 * binary on free loopback ports), for tests of failover: kill the master with SIGKILL and the
 * Sentinels promote a replica.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisSentinelGroup GROUP = RedisSentinelGroup.builder().replicas(2).sentinels(3).build();
 *
 * int old = GROUP.currentMasterPort();
 * GROUP.kill(old);                                   // SIGKILL the master
 * int promoted = GROUP.awaitNewMaster(old, Duration.ofSeconds(20));
 * }</pre>
 *
 * <p>{@link #start()} returns once every replica is in sync with the master and every Sentinel
 * sees every replica and every other Sentinel, so a failover can start at once. Sentinels use
 * {@code down-after-milliseconds} {@link Builder#downAfter} (default 500 ms) and quorum 2 (1 with
 * one Sentinel): the promotion then typically follows a master kill within 1-3 s. No data is
 * persisted. Thread-safe; the embedded-redis dependency is optional in the testkit.
 */
public final class RedisSentinelGroup implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final int replicaCount;
  private final int sentinelCount;
  private final String masterName;
  private final Duration downAfter;
  private final Duration failoverTimeout;
  private final List<Integer> dataPorts = new ArrayList<>();
  private final List<Integer> sentinelPorts = new ArrayList<>();
  private final Map<Integer, Redis> running = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private boolean started;

  private RedisSentinelGroup(Builder b) {
    this.replicaCount = b.replicas;
    this.sentinelCount = b.sentinels;
    this.masterName = b.masterName;
    this.downAfter = b.downAfter;
    this.failoverTimeout = b.failoverTimeout;
  }

  /** Two replicas, three Sentinels, master name {@code mymaster}. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** Starts the master, the replicas and the Sentinels, and waits until all see each other. */
  public RedisSentinelGroup start() throws IOException {
    lock.lock();
    try {
      if (!started) {
        started = true;
        startAll();
      }
      return this;
    } finally {
      lock.unlock();
    }
  }

  private void startAll() throws IOException {
    int master = RedisServerExtension.freePort();
    dataPorts.add(master);
    startData(master, null);
    for (int i = 0; i < replicaCount; i++) {
      int p = RedisServerExtension.freePort();
      dataPorts.add(p);
      startData(p, master);
    }
    RedisProcesses.await(READY_TIMEOUT, replicaCount + " replicas in sync with " + master,
        () -> dataPorts.stream().skip(1).allMatch(p ->
            "up".equals(Resp.infoField((String) Resp.tryCommand(p, "INFO", "replication"), "master_link_status"))));
    int quorum = sentinelCount == 1 ? 1 : 2;
    for (int i = 0; i < sentinelCount; i++) {
      int sp = RedisServerExtension.freePort();
      sentinelPorts.add(sp);
      RedisSentinel s = RedisSentinel.newRedisSentinel().bind("127.0.0.1").port(sp).masterPort(master)
          .masterName(masterName).quorumSize(quorum).downAfterMilliseconds(downAfter.toMillis())
          .failOverTimeout(failoverTimeout.toMillis()).parallelSyncs(1).build();
      s.start();
      running.put(sp, s);
    }
    RedisProcesses.await(READY_TIMEOUT, "every Sentinel to see " + replicaCount + " replicas and "
        + (sentinelCount - 1) + " other Sentinels", () -> sentinelPorts.stream().allMatch(sp ->
            count(sp, "REPLICAS") == replicaCount && count(sp, "SENTINELS") == sentinelCount - 1));
  }

  private void startData(int port, Integer masterPort) throws IOException {
    var b = RedisServer.newRedisServer().bind("127.0.0.1").port(port).setting("save \"\"")
        .setting("appendonly no");
    if (masterPort != null) {
      b.slaveOf("127.0.0.1", masterPort);
    }
    RedisServer s = b.build();
    s.start();
    running.put(port, s);
  }

  private int count(int sentinelPort, String what) {
    Object r = Resp.tryCommand(sentinelPort, "SENTINEL", what, masterName);
    return r instanceof List ? ((List<?>) r).size() : -1;
  }

  /** The master name the Sentinels monitor. */
  public String masterName() {
    return masterName;
  }

  /** Ports of the data nodes: the initial master first, then the replicas. */
  public List<Integer> dataPorts() {
    return List.copyOf(dataPorts);
  }

  public List<Integer> sentinelPorts() {
    return List.copyOf(sentinelPorts);
  }

  /** {@code 127.0.0.1:p1,127.0.0.1:p2,...}: the Sentinels, as {@code REDIS_SENTINELS} takes them. */
  public String sentinelAddresses() {
    return sentinelPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
  }

  /** The master's port as the first answering Sentinel reports it. */
  public int currentMasterPort() {
    for (int sp : sentinelPorts) {
      Object r = Resp.tryCommand(sp, "SENTINEL", "get-master-addr-by-name", masterName);
      if (r instanceof List && ((List<?>) r).size() == 2) {
        return Integer.parseInt((String) ((List<?>) r).get(1));
      }
    }
    throw new IllegalStateException("no Sentinel answered");
  }

  /** True if the data node on {@code port} answers and reports {@code role:master}. */
  public boolean isMaster(int port) {
    return "master".equals(Resp.infoField((String) Resp.tryCommand(port, "INFO", "replication"), "role"));
  }

  /**
   * Waits until a Sentinel names a master other than {@code oldPort} and that node reports itself
   * master (the promotion is done); returns its port.
   */
  public int awaitNewMaster(int oldPort, Duration timeout) {
    int[] found = new int[1];
    RedisProcesses.await(timeout, "a master other than " + oldPort, () -> {
      try {
        int p = currentMasterPort();
        found[0] = p;
        return p != oldPort && isMaster(p);
      } catch (IllegalStateException e) {
        return false;
      }
    });
    return found[0];
  }

  /** SIGKILL to the data node or Sentinel on {@code port} (no shutdown code runs); returns the PID. */
  public long kill(int port) {
    long pid = RedisProcesses.kill(port);
    Redis r = running.remove(port);
    if (r != null) {
      quietStop(r);
    }
    return pid;
  }

  /** Stops every process. Idempotent. */
  @Override
  public void close() {
    lock.lock();
    try {
      for (Redis r : running.values()) {
        quietStop(r);
      }
      running.clear();
    } finally {
      lock.unlock();
    }
  }

  private static void quietStop(Redis r) {
    try {
      r.stop();
    } catch (IOException | RuntimeException ignored) {
      // already gone
    }
  }

  @Override
  public String toString() {
    return "RedisSentinelGroup[master=" + masterName + ", data=" + dataPorts + ", sentinels=" + sentinelPorts + "]";
  }

  /** Builds a {@link RedisSentinelGroup}. Not thread-safe. */
  public static final class Builder {
    private int replicas = 2;
    private int sentinels = 3;
    private String masterName = "mymaster";
    private Duration downAfter = Duration.ofMillis(500);
    private Duration failoverTimeout = Duration.ofSeconds(2);

    private Builder() {}

    /** Replicas of the master (0-5, default 2). */
    public Builder replicas(int n) {
      if (n < 0 || n > 5) {
        throw new IllegalArgumentException("replicas must be 0-5: " + n);
      }
      this.replicas = n;
      return this;
    }

    /** Sentinels (1-5, default 3). */
    public Builder sentinels(int n) {
      if (n < 1 || n > 5) {
        throw new IllegalArgumentException("sentinels must be 1-5: " + n);
      }
      this.sentinels = n;
      return this;
    }

    public Builder masterName(String name) {
      this.masterName = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Sentinel {@code down-after-milliseconds} (default 500 ms). */
    public Builder downAfter(Duration d) {
      this.downAfter = Objects.requireNonNull(d, "downAfter");
      return this;
    }

    /** Sentinel {@code failover-timeout} (default 2 s). */
    public Builder failoverTimeout(Duration d) {
      this.failoverTimeout = Objects.requireNonNull(d, "failoverTimeout");
      return this;
    }

    public RedisSentinelGroup build() {
      return new RedisSentinelGroup(this);
    }
  }
}
