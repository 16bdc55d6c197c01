package io.lifeline.jdbc;

import io.lifeline.core.ConfigKeys;
import io.lifeline.core.ConfigurationException;
import io.lifeline.core.Settings;
import io.lifeline.core.Validation;
import io.lifeline.core.internal.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of a {@link DatabaseReplicaSet}: a PostgreSQL primary and its streaming standbys
 * named in one pgjdbc multi-host URL (primary first by convention; roles are found at run time, so
 * the order does not have to follow a failover), the pool and failure settings of {@link
 * DatabaseConfig}, and the replication lag above which a standby serves no reads.
 *
 * <table>
 *   <caption>Replica-set settings (in addition to every {@link DatabaseConfig} setting)</caption>
 *   <tr><th>builder</th><th>env</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>database.url</td><td>DATABASE_URL</td><td>required</td><td>{@code
 *       jdbc:postgresql://primary:5432,standby1:5432,.../db}: at least two hosts, each validated;
 *       must not set {@code targetServerType} or {@code loadBalanceHosts} (the replica set routes)</td></tr>
 *   <tr><td>maxReplicationLag</td><td>DATABASE_MAX_REPLICATION_LAG</td><td>5 s</td><td>a standby
 *       further behind (or cut off from its primary for longer) serves no reads; 10 ms - 1 h</td></tr>
 *   <tr><td>lagCheckInterval</td><td>DATABASE_LAG_CHECK_INTERVAL</td><td>500 ms</td><td>how often
 *       each instance's role and lag are measured; 50 ms - 1 min</td></tr>
 * </table>
 *
 * <p>Immutable; {@link #toString()} never shows the password.
 */
public record ReplicaSetConfig(DatabaseConfig database, List<Host> hosts, Duration maxReplicationLag,
    Duration lagCheckInterval) {

  public static final Duration DEFAULT_MAX_REPLICATION_LAG = Duration.ofSeconds(5);
  public static final Duration DEFAULT_LAG_CHECK_INTERVAL = Duration.ofMillis(500);
  public static final int DEFAULT_PORT = 5432;
  /** Hosts at most in one URL. */
  public static final int MAX_HOSTS = 16;

  /** One server of the URL. */
  public record Host(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  public ReplicaSetConfig {
    Objects.requireNonNull(database, "database");
    hosts = List.copyOf(hosts);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code DATABASE_*} from the process environment. */
  public static ReplicaSetConfig fromEnv() {
    return builder().apply(Settings.fromEnv().withPrefix("DATABASE_")).build();
  }

  /** As {@link #fromEnv()} over a map such as {@code DATABASE_URL -> jdbc:postgresql://a,b/db}. */
  public static ReplicaSetConfig fromMap(Map<String, String> env) {
    return builder().apply(Settings.of(env).withPrefix("DATABASE_")).build();
  }

  /** The JDBC URL of one host, with the database and parameters of the multi-host URL. */
  String urlOf(Host h) {
    String url = database.url();
    int start = url.indexOf("://") + 3;
    int end = authorityEnd(url, start);
    return url.substring(0, start) + h.host() + ":" + h.port() + url.substring(end);
  }

  static int authorityEnd(String url, int start) {
    int end = url.length();
    for (int i = start; i < url.length(); i++) {
      char c = url.charAt(i);
      if (c == '/' || c == '?') {
        end = i;
        break;
      }
    }
    return end;
  }

  @Override
  public String toString() {
    return "ReplicaSetConfig[hosts=" + hosts + ", maxReplicationLag=" + Durations.format(maxReplicationLag)
        + ", lagCheckInterval=" + Durations.format(lagCheckInterval) + ", " + database + "]";
  }

  /** Builds a {@link ReplicaSetConfig}; validation in {@link #build()}. Not thread-safe. */
  public static final class Builder {
    private DatabaseConfig database;
    private DatabaseConfig.Builder databaseBuilder;
    private Duration maxReplicationLag = DEFAULT_MAX_REPLICATION_LAG;
    private Duration lagCheckInterval = DEFAULT_LAG_CHECK_INTERVAL;
    private final ConfigKeys keys = new ConfigKeys();
    private String urlKey = "database.url";
    /** DATABASE_URL as given, so its hosts are checked even when another database setting is wrong. */
    private String rawUrl;

    private Builder() {}

    /** Pool, timeouts, degraded mode and the multi-host URL. */
    public Builder database(DatabaseConfig config) {
      this.database = config;
      this.databaseBuilder = null;
      keys.set("database");
      return this;
    }

    public Builder maxReplicationLag(Duration lag) {
      this.maxReplicationLag = lag;
      keys.set("maxReplicationLag");
      return this;
    }

    public Builder lagCheckInterval(Duration interval) {
      this.lagCheckInterval = interval;
      keys.set("lagCheckInterval");
      return this;
    }

    /** Every {@code DATABASE_*} key (the database's and this config's). */
    public Builder apply(Settings s) {
      databaseBuilder = DatabaseConfig.builder().apply(s);
      database = null;
      urlKey = s.fullKey("URL");
      rawUrl = s.string("URL").orElse(null);
      keys.bind(s, "MAX_REPLICATION_LAG", "maxReplicationLag", Settings::duration, v -> maxReplicationLag = v);
      keys.bind(s, "LAG_CHECK_INTERVAL", "lagCheckInterval", Settings::duration, v -> lagCheckInterval = v);
      return this;
    }

    /** Validates and builds; every problem (the database's included) in one {@link ConfigurationException}. */
    public ReplicaSetConfig build() {
      Validation v = keys.validation();
      DatabaseConfig db = database;
      if (databaseBuilder != null) {
        try {
          db = databaseBuilder.build();
        } catch (ConfigurationException e) {
          v.addAll(e);
        }
      } else if (db == null) {
        v.problem("database", "null", "must be set (a DatabaseConfig with a multi-host URL)");
      }
      String url = db != null ? db.url() : rawUrl;
      List<Host> hosts = url == null ? List.of() : hosts(v, url.trim());
      v.duration("maxReplicationLag", maxReplicationLag, Duration.ofMillis(10), Duration.ofHours(1));
      v.duration("lagCheckInterval", lagCheckInterval, Duration.ofMillis(50), Duration.ofMinutes(1));
      v.throwIfAny();
      return new ReplicaSetConfig(db, hosts, maxReplicationLag, lagCheckInterval);
    }

    private List<Host> hosts(Validation v, String url) {
      String shown = Validation.urlShown(url);
      String lower = url.toLowerCase(Locale.ROOT);
      if (!lower.startsWith("jdbc:postgresql://")) {
        v.add(ConfigurationException.Problem.of(urlKey, shown,
            "must be a PostgreSQL multi-host URL: jdbc:postgresql://primary:5432,standby:5432/db"));
        return List.of();
      }
      int start = "jdbc:postgresql://".length();
      int end = authorityEnd(url, start);
      String authority = url.substring(start, end);
      authority = authority.substring(authority.lastIndexOf('@') + 1); // never keep user info
      String[] parts = authority.split(",", -1);
      List<Host> hosts = new ArrayList<>();
      for (String p : parts) {
        int colon = p.lastIndexOf(':');
        String host = colon < 0 || p.endsWith("]") ? p : p.substring(0, colon);
        int port = DEFAULT_PORT;
        if (colon >= 0 && !p.endsWith("]")) {
          try {
            port = Integer.parseInt(p.substring(colon + 1));
          } catch (NumberFormatException e) {
            port = -1; // DatabaseConfig reported it
          }
        }
        hosts.add(new Host(host, port));
      }
      if (hosts.size() < 2) {
        v.add(ConfigurationException.Problem.of(urlKey, shown, "must name at least two hosts (a primary and a "
            + "standby), e.g. jdbc:postgresql://primary:5432,standby:5432/db; use DatabaseConnectionManager for one"));
      } else if (hosts.size() > MAX_HOSTS) {
        v.add(ConfigurationException.Problem.of(urlKey, shown, "must name at most " + MAX_HOSTS + " hosts"));
      }
      if (hosts.stream().map(Host::toString).distinct().count() != hosts.size()) {
        v.add(ConfigurationException.Problem.of(urlKey, shown, "names the same host:port twice"));
      }
      String query = end < url.length() ? url.substring(end).toLowerCase(Locale.ROOT) : "";
      for (String routed : List.of("targetservertype", "loadbalancehosts")) {
        if (query.contains(routed + "=")) {
          v.add(ConfigurationException.Problem.of(urlKey, shown, "must not set " + routed
              + ": the replica set sends writes to the primary and load-balances reads itself"));
        }
      }
      return hosts;
    }
  }
}
