package io.lifeline.cli.internal;

import io.lifeline.cli.LifelineConfig;
import io.lifeline.console.ConsoleOptions;
import io.lifeline.core.ConfigurationException;
import io.lifeline.core.ConfigurationException.Problem;
import io.lifeline.core.Validation;
import io.lifeline.core.health.HealthCheck;
import io.lifeline.http.HttpServiceConfig;
import io.lifeline.http.ServiceHealthChecks;
import io.lifeline.jdbc.DatabaseConfig;
import io.lifeline.jdbc.DatabaseConnectionManager;
import io.lifeline.neo4j.Neo4jConfig;
import io.lifeline.neo4j.Neo4jConnectionManager;
import io.lifeline.redis.RedisConfig;
import io.lifeline.redis.RedisConnectionManager;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Turns a configured service into the library's own configuration ({@code RedisConfig}, {@code
 * DatabaseConfig}, {@code Neo4jConfig}, {@code HttpServiceConfig}) and, at run time, into its
 * manager's health check. The library configs validate the values again, with their own rules; their
 * problems are renamed from builder methods to the YAML paths ({@code url} → {@code
 * services.cache.url}), so the CLI reports exactly what the managers would reject, in the user's
 * words.
 */
public final class LibraryConfigs {
  /** Builder method → YAML key, per library config; unlisted methods map to the service itself. */
  private static final Map<String, String> KEYS = Map.ofEntries(
      Map.entry("url", "url"), Map.entry("uri", "uri"), Map.entry("baseUrl", "url"),
      Map.entry("password", "password"), Map.entry("user", "user"), Map.entry("username", "user"),
      Map.entry("database", "database"), Map.entry("commandTimeout", "timeout"),
      Map.entry("connectTimeout", "timeout"), Map.entry("connectionTimeout", "timeout"),
      Map.entry("requestTimeout", "timeout"), Map.entry("validationTimeout", "timeout"),
      Map.entry("timeout", "timeout"), Map.entry("expectStatus", "expectStatus"),
      Map.entry("bodyContains", "bodyContains"), Map.entry("bearerToken", "token"));

  private LibraryConfigs() {}

  /** Records the problems the library configuration of {@code s} finds, under YAML paths. */
  public static void validate(LifelineConfig.Service s, Validation v) {
    String path = "services." + s.name();
    try {
      switch (s.type()) {
        case REDIS:
          redis(s);
          break;
        case POSTGRES:
        case JDBC:
          database(s);
          break;
        case NEO4J:
          neo4j(s);
          break;
        case HTTP:
        case ELASTICSEARCH:
        case MILVUS:
          HttpServiceConfig.builder(s.name()).baseUrl(s.url()).requestTimeout(s.timeout()).build();
          break;
        case GRAPHITI:
          graphiti(s);
          break;
        case TCP:
        default:
          break;
      }
    } catch (ConfigurationException e) {
      renamed(path, e, v);
    }
  }

  /** Records the console's problems under {@code console.*}. */
  public static void validateConsole(LifelineConfig.Console c, Validation v) {
    try {
      consoleOptions(c, null, null, Map.of()).build();
    } catch (ConfigurationException e) {
      for (Problem p : e.problems()) {
        String key = switch (p.key()) {
          case "bindAddress", "LIFELINE_CONSOLE_BIND" -> "console.bind";
          case "port", "LIFELINE_CONSOLE_PORT" -> "console.port";
          case "token", "LIFELINE_TOKEN" -> "console.token";
          default -> "console." + p.key();
        };
        v.add(new Problem(key, p.value(), p.allowed()));
      }
    }
  }

  /**
   * The console's options from the {@code console:} section, with {@code --bind}/{@code --port}
   * overrides (null: as configured) and {@code LIFELINE_TOKEN}/{@code LIFELINE_CONSOLE_*} from
   * {@code env} winning over the file.
   */
  public static ConsoleOptions.Builder consoleOptions(LifelineConfig.Console c, String bind, Integer port,
      Map<String, String> env) {
    ConsoleOptions.Builder b = ConsoleOptions.builder().bindAddress(c.bind()).port(c.port())
        .token(c.token() == null ? null : c.token().reveal());
    b.fromEnvironment(env);
    if (bind != null) {
      b.bindAddress(bind);
    }
    if (port != null) {
      b.port(port);
    }
    return b;
  }

  private static void renamed(String path, ConfigurationException e, Validation v) {
    for (Problem p : e.problems()) {
      String key = KEYS.get(p.key());
      v.add(new Problem(key == null ? path : path + "." + key, p.value(),
          key == null ? p.key() + ": " + p.allowed() : p.allowed()));
    }
  }

  static RedisConfig redis(LifelineConfig.Service s) {
    RedisConfig.Builder b = RedisConfig.builder().name(s.name()).url(s.url()).features(s.features())
        .commandTimeout(s.timeout()).connectTimeout(s.timeout());
    if (s.password() != null) {
      b.password(s.password().reveal());
    }
    return b.build();
  }

  static DatabaseConfig database(LifelineConfig.Service s) {
    Duration connect = s.timeout().compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : s.timeout();
    DatabaseConfig.Builder b = DatabaseConfig.builder().name(s.name()).url(s.url()).poolSize(2).maxOverflow(0)
        .validationTimeout(s.timeout()).connectTimeout(connect).loginTimeout(connect);
    if (s.user() != null) {
      b.username(s.user());
    }
    if (s.password() != null) {
      b.password(s.password().reveal());
    }
    return b.build();
  }

  static Neo4jConfig neo4j(LifelineConfig.Service s) {
    Neo4jConfig.Builder b = Neo4jConfig.builder().name(s.name()).uri(s.url()).connectionTimeout(s.timeout())
        .maxConnectionPoolSize(2);
    if (s.user() != null) {
      b.user(s.user());
    }
    if (s.password() != null) {
      b.password(s.password().reveal());
    }
    if (s.database() != null) {
      b.database(s.database());
    }
    return b.build();
  }

  private static io.lifeline.http.GraphitiConfig graphiti(LifelineConfig.Service s) {
    io.lifeline.http.GraphitiConfig.Builder b = io.lifeline.http.GraphitiConfig.builder().url(s.url())
        .requestTimeout(s.timeout()).connectTimeout(s.timeout()).maxRetries(0);
    if (s.password() != null) {
      b.bearerToken(s.password().reveal());
    }
    return b.build();
  }

  /** A service's check and what to close after it. */
  public record Probe(HealthCheck check, AutoCloseable resource) {}

  /**
   * Opens the service's manager (no call is made yet, but drivers may start threads) and returns its
   * health check. Call only on a validated configuration.
   */
  public static Probe open(LifelineConfig.Service s) {
    switch (s.type()) {
      case REDIS: {
        RedisConnectionManager m = RedisConnectionManager.create(redis(s));
        return new Probe(m::healthCheck, m);
      }
      case POSTGRES:
      case JDBC: {
        DatabaseConnectionManager m = DatabaseConnectionManager.create(database(s));
        return new Probe(m::healthCheck, m);
      }
      case NEO4J: {
        Neo4jConnectionManager m = new Neo4jConnectionManager(neo4j(s));
        return new Probe(m.healthCheck(), m);
      }
      case HTTP: {
        ServiceHealthChecks.Builder b = ServiceHealthChecks.http(s.url()).timeout(s.timeout());
        if (s.expectStatus() != 0) {
          b.expectStatus(s.expectStatus());
        }
        if (s.bodyContains() != null) {
          b.bodyContains(s.bodyContains());
        }
        return new Probe(b.build(), () -> { });
      }
      case ELASTICSEARCH:
        return new Probe(withAuth(ServiceHealthChecks.elasticsearch(s.url()), s).build(), () -> { });
      case MILVUS:
        return new Probe(ServiceHealthChecks.milvus(s.url()).timeout(s.timeout()).build(), () -> { });
      case GRAPHITI: {
        io.lifeline.http.GraphitiConnectionManager m = new io.lifeline.http.GraphitiConnectionManager(graphiti(s));
        return new Probe(m.healthCheck(), m);
      }
      case TCP:
      default:
        return new Probe(HealthCheck.tcp(s.host(), s.port(), s.timeout()), () -> { });
    }
  }

  private static ServiceHealthChecks.Builder withAuth(ServiceHealthChecks.Builder b, LifelineConfig.Service s) {
    b.timeout(s.timeout());
    if (s.password() != null) {
      b.basicAuth(s.user() == null ? "elastic" : s.user(), s.password().reveal());
    }
    return b;
  }

  /** Closes quietly: a close failure must not hide the check's outcome. */
  public static void closeQuietly(AutoCloseable c, Supplier<String> what) {
    try {
      c.close();
    } catch (Exception e) {
      org.slf4j.LoggerFactory.getLogger(LibraryConfigs.class).debug("closing {} failed: {}", what.get(),
          io.lifeline.core.Secrets.describe(e));
    }
  }
}
