package io.lifeline.redis.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.ReadFrom;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.masterreplica.MasterReplica;
import io.lettuce.core.masterreplica.StatefulRedisMasterReplicaConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lifeline.core.Secrets;
import io.lifeline.redis.RedisMetrics.Op;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a Sentinel-mode manager needs besides its master connection: a master/replica connection
 * (Lettuce {@link MasterReplica}, topology from the Sentinels) that serves reads from replicas, a
 * subscription to each Sentinel's {@code +switch-master} so a promotion is acted on at once, and a
 * probe of every instance (master, replicas, Sentinels) for the health report.
 *
 * <p>These connections have their own client with Lettuce's auto-reconnect on: they only read or
 * listen, so (unlike the master connection) nothing has to be reconciled before they serve again.
 * Every method is bounded by the command timeout and never throws for an unreachable node.
 * Thread-safe; {@link #connect()} and {@link #probe()} are called from the manager's scheduler
 * thread.
 */
public final class SentinelNodes implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SentinelNodes.class);
  /** A read no replica could answer: the caller asks the fallback cache. */
  public static final Object MISS = new Object();

  private final String name;
  private final RedisClient client;
  private final RedisURI uri;
  private final String masterName;
  private final ReadFrom onlineReadFrom;
  private final Runnable onSwitchMaster;
  private final List<StatefulRedisPubSubConnection<String, String>> subscriptions = new CopyOnWriteArrayList<>();
  private final Map<String, StatefulRedisSentinelConnection<String, String>> sentinels = new ConcurrentHashMap<>();
  private volatile StatefulRedisMasterReplicaConnection<String, String> nodes;
  private volatile boolean closed;

  /**
   * @param onlineReadFrom where reads go while the master is up, or null when they go to the
   *     master connection (then this connection serves replicas only)
   * @param onSwitchMaster run (on a Lettuce thread; must not block) when a Sentinel announces a
   *     new master
   */
  public SentinelNodes(String name, ClientResources resources, ClientOptions options, RedisURI uri,
      String masterName, ReadFrom onlineReadFrom, Runnable onSwitchMaster) {
    this.name = name;
    this.client = RedisClient.create(resources);
    // reads queued while Lettuce reconnects (Sentinel kills every client of a node it reconfigures)
    // wait for it, bounded by the command timeout, instead of failing at once
    client.setOptions(options.mutate().autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS).build());
    this.uri = uri;
    this.masterName = masterName;
    this.onlineReadFrom = onlineReadFrom == null ? ReadFrom.REPLICA : onlineReadFrom;
    this.onSwitchMaster = onSwitchMaster;
  }

  /** Opens what is not open yet (best effort; retried on the next call). Scheduler thread. */
  public void connect() {
    if (closed) {
      return;
    }
    if (subscriptions.isEmpty()) {
      for (RedisURI s : uri.getSentinels()) {
        try {
          StatefulRedisPubSubConnection<String, String> sub =
              client.connectPubSub(StringCodec.UTF8, RedisURI.create(s.getHost(), s.getPort()));
          sub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
              if ("+switch-master".equals(channel) && message.startsWith(masterName + " ")) {
                LOG.info("Redis '{}': Sentinel announced a new master: {}", name, message);
                onSwitchMaster.run();
              }
            }
          });
          sub.sync().subscribe("+switch-master");
          subscriptions.add(sub);
        } catch (RuntimeException e) {
          LOG.debug("Redis '{}': cannot subscribe to Sentinel {}:{}: {}", name, s.getHost(), s.getPort(),
              Secrets.describe(e));
        }
      }
    }
    if (nodes == null) {
      try {
        StatefulRedisMasterReplicaConnection<String, String> c = MasterReplica.connect(client, StringCodec.UTF8, uri);
        c.setReadFrom(onlineReadFrom);
        nodes = c;
      } catch (RuntimeException e) {
        LOG.debug("Redis '{}': cannot open the replica connection: {}", name, Secrets.describe(e));
      }
    }
  }

  /** The master is down: reads go to replicas only (the master cannot answer). */
  public void masterDown() {
    var c = nodes;
    if (c != null) {
      c.setReadFrom(ReadFrom.REPLICA);
    }
  }

  /** The master is back: reads follow the configured policy again. */
  public void masterUp() {
    var c = nodes;
    if (c != null) {
      c.setReadFrom(onlineReadFrom);
    }
  }

  /** Commands routed by the configured read policy, or null before the connection is open. */
  public RedisCommands<String, String> onlineSync() {
    var c = nodes;
    return c == null ? null : c.sync();
  }

  public RedisAsyncCommands<String, String> onlineAsync() {
    var c = nodes;
    return c == null ? null : c.async();
  }

  /**
   * A read on a replica while the master is down, in the shape the sync API returns ({@code
   * EXISTS} as Boolean), or {@link #MISS} if no replica answered.
   */
  public Object read(Op op, String key, String field) {
    Object r = readOnce(op, key, field);
    // one more attempt when the first met a connection that Sentinel reset during the failover:
    // a read changes nothing, and Lettuce has reconnected (or queues it until it has)
    return r == MISS ? readOnce(op, key, field) : r;
  }

  private Object readOnce(Op op, String key, String field) {
    var c = nodes;
    if (c == null || !c.isOpen()) {
      return MISS;
    }
    try {
      RedisCommands<String, String> r = c.sync();
      switch (op) {
        case GET: return r.get(key);
        case EXISTS: return r.exists(key) > 0;
        case TTL: return r.ttl(key);
        case HGET: return r.hget(key, field);
        case HGETALL: return r.hgetall(key);
        default: return MISS;
      }
    } catch (RuntimeException e) {
      return MISS;
    }
  }

  /** As {@link #read} without blocking, in the async API's shape ({@code EXISTS} as Long). */
  public CompletableFuture<Object> readAsync(Op op, String key, String field) {
    return readOnceAsync(op, key, field).thenCompose(r -> r == MISS ? readOnceAsync(op, key, field)
        : CompletableFuture.completedFuture(r));
  }

  private CompletableFuture<Object> readOnceAsync(Op op, String key, String field) {
    var c = nodes;
    if (c == null || !c.isOpen()) {
      return CompletableFuture.completedFuture(MISS);
    }
    CompletableFuture<?> f;
    try {
      RedisAsyncCommands<String, String> r = c.async();
      switch (op) {
        case GET: f = r.get(key).toCompletableFuture(); break;
        case EXISTS: f = r.exists(key).toCompletableFuture(); break;
        case TTL: f = r.ttl(key).toCompletableFuture(); break;
        case HGET: f = r.hget(key, field).toCompletableFuture(); break;
        case HGETALL: f = r.hgetall(key).toCompletableFuture(); break;
        default: return CompletableFuture.completedFuture(MISS);
      }
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(MISS);
    }
    return f.handle((v, e) -> e == null ? (Object) v : MISS);
  }

  /**
   * One status per instance, as the Sentinels see it: {@code "master 127.0.0.1:6379" -> "up"},
   * each replica and each Sentinel likewise ({@code "down"} with Sentinel's flags). Asks each
   * Sentinel in turn until one answers for the master and replicas. Scheduler or health thread.
   */
  public Map<String, String> probe() {
    Map<String, String> out = new LinkedHashMap<>();
    Map<String, String> master = null;
    List<Map<String, String>> replicas = null;
    List<String> sentinelStates = new ArrayList<>();
    for (RedisURI s : uri.getSentinels()) {
      String addr = s.getHost() + ":" + s.getPort();
      try {
        StatefulRedisSentinelConnection<String, String> c = sentinel(s);
        if (master == null) {
          master = c.sync().master(masterName);
          replicas = c.sync().replicas(masterName);
        } else {
          c.sync().ping();
        }
        sentinelStates.add("sentinel " + addr + "=up");
      } catch (RuntimeException e) {
        sentinelStates.add("sentinel " + addr + "=down");
      }
    }
    if (master != null) {
      out.put("master " + master.get("ip") + ":" + master.get("port"), state(master));
      for (Map<String, String> r : replicas) {
        out.put("replica " + r.get("ip") + ":" + r.get("port"), state(r));
      }
    }
    for (String st : sentinelStates) {
      int eq = st.lastIndexOf('=');
      out.put(st.substring(0, eq), st.substring(eq + 1));
    }
    return out;
  }

  private static String state(Map<String, String> node) {
    String flags = node.getOrDefault("flags", "");
    if (flags.contains("s_down") || flags.contains("o_down") || flags.contains("disconnected")) {
      return "down (" + flags + ")";
    }
    return "up";
  }

  private StatefulRedisSentinelConnection<String, String> sentinel(RedisURI s) {
    String key = s.getHost() + ":" + s.getPort();
    var existing = sentinels.get(key);
    if (existing != null) {
      return existing;
    }
    var c = client.connectSentinel(StringCodec.UTF8, RedisURI.create(s.getHost(), s.getPort()));
    var prev = sentinels.putIfAbsent(key, c);
    if (prev != null) {
      c.closeAsync();
      return prev;
    }
    return c;
  }

  @Override
  public void close() {
    closed = true;
    for (var s : subscriptions) {
      s.closeAsync();
    }
    var c = nodes;
    if (c != null) {
      c.closeAsync();
    }
    sentinels.values().forEach(StatefulRedisSentinelConnection::closeAsync);
    client.shutdown(java.time.Duration.ZERO, java.time.Duration.ofSeconds(2));
  }
}
