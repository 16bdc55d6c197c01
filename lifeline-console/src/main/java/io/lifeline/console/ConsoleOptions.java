package io.lifeline.console;

import io.lifeline.core.ConfigurationException;
import io.lifeline.core.Validation;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * How {@link LifelineConsole} serves: where it binds, the token, which features decide readiness,
 * the metrics it shows and its bounds. Immutable; {@link #builder()}, validated as a whole by {@link
 * Builder#build()} (every problem in one {@link ConfigurationException}, named as the builder method
 * or, from {@link Builder#fromEnvironment}, the environment variable).
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>builder</th><th>environment</th><th>default</th><th>allowed</th></tr>
 *   <tr><td>bindAddress</td><td>LIFELINE_CONSOLE_BIND</td><td>127.0.0.1</td><td>an IP literal or host name; anything but loopback needs a token</td></tr>
 *   <tr><td>port</td><td>LIFELINE_CONSOLE_PORT</td><td>9464</td><td>0 (any free port) to 65 535</td></tr>
 *   <tr><td>token</td><td>LIFELINE_TOKEN</td><td>none</td><td>8 to 4 096 visible ASCII characters; required for all but the probes once set</td></tr>
 *   <tr><td>criticalFeatures</td><td>–</td><td>none</td><td>feature names; {@code /health/ready} is 503 while one is unavailable</td></tr>
 *   <tr><td>maxConcurrentRequests</td><td>–</td><td>8</td><td>1 to 256 requests served at once; as many more wait; beyond that connections are closed</td></tr>
 *   <tr><td>requestTimeout</td><td>–</td><td>10 s</td><td>1 s to 10 min: a client must send its request (and read the answer) within it</td></tr>
 * </table>
 */
public final class ConsoleOptions {
  public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
  public static final int DEFAULT_PORT = 9464;
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 8;
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /** Dashboard clients of {@code /events} served at once; more are answered 503 (they poll). */
  public static final int DEFAULT_MAX_EVENT_CLIENTS = 8;
  /** Events queued per {@code /events} client; a client that falls this far behind is dropped. */
  public static final int DEFAULT_EVENT_QUEUE_CAPACITY = 8;
  /** How often the dashboard's samples are taken and pushed to {@code /events}. */
  public static final Duration DEFAULT_EVENT_INTERVAL = Duration.ofSeconds(1);
  /** Samples kept per service for the sparklines (one per event interval). */
  public static final int DEFAULT_HISTORY_SIZE = 120;

  private final String bindAddress;
  private final InetAddress address;
  private final int port;
  private final String token;
  private final java.util.function.Supplier<Set<String>> criticalFeatures;
  private final java.util.function.Supplier<Map<String, ?>> reportExtras;
  private final MetricsSource metrics;
  private final int maxConcurrentRequests;
  private final Duration requestTimeout;
  private final int maxEventClients;
  private final int eventQueueCapacity;
  private final Duration eventInterval;
  private final int historySize;
  private final ConsoleApplication application;

  private ConsoleOptions(Builder b, InetAddress address) {
    this.bindAddress = b.bindAddress;
    this.address = address;
    this.port = b.port;
    this.token = b.token;
    this.criticalFeatures = b.criticalFeatures;
    this.reportExtras = b.reportExtras;
    this.metrics = b.metrics;
    this.maxConcurrentRequests = b.maxConcurrentRequests;
    this.requestTimeout = b.requestTimeout;
    this.maxEventClients = b.maxEventClients;
    this.eventQueueCapacity = b.eventQueueCapacity;
    this.eventInterval = b.eventInterval;
    this.historySize = b.historySize;
    this.application = b.application;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Defaults: loopback, port 9464, no token, no critical feature, no metrics. */
  public static ConsoleOptions defaults() {
    return builder().build();
  }

  public String bindAddress() {
    return bindAddress;
  }

  /** The resolved bind address. */
  public InetAddress address() {
    return address;
  }

  public int port() {
    return port;
  }

  /** Whether a token is required (for all but {@code /health/live} and {@code /health/ready}). */
  public boolean tokenRequired() {
    return token != null;
  }

  /** The token; package-private so it is never handed out. */
  String token() {
    return token;
  }

  public Set<String> criticalFeatures() {
    Set<String> s = criticalFeatures.get();
    return s == null ? Set.of() : s;
  }

  /** Extra top-level entries of the {@code /health} report (e.g. the CLI's configuration status); empty by default. */
  public Map<String, ?> reportExtras() {
    Map<String, ?> m = reportExtras.get();
    return m == null ? Map.of() : m;
  }

  /** The metrics source, or null when {@code /metrics} is not served (404). */
  public MetricsSource metrics() {
    return metrics;
  }

  public int maxConcurrentRequests() {
    return maxConcurrentRequests;
  }

  public Duration requestTimeout() {
    return requestTimeout;
  }

  public int maxEventClients() {
    return maxEventClients;
  }

  public int eventQueueCapacity() {
    return eventQueueCapacity;
  }

  public Duration eventInterval() {
    return eventInterval;
  }

  public int historySize() {
    return historySize;
  }

  /** The application shown on the dashboard, or null. */
  public ConsoleApplication application() {
    return application;
  }

  @Override
  public String toString() {
    return "ConsoleOptions{bind=" + bindAddress + ", port=" + port + ", token=" + (token == null ? "none" : "****")
        + ", criticalFeatures=" + new TreeSet<>(criticalFeatures()) + ", metrics=" + (metrics != null)
        + ", maxConcurrentRequests=" + maxConcurrentRequests + ", requestTimeout=" + requestTimeout
        + ", maxEventClients=" + maxEventClients + ", eventQueueCapacity=" + eventQueueCapacity
        + ", eventInterval=" + eventInterval + ", historySize=" + historySize
        + ", application=" + (application == null ? "none" : application.title()) + '}';
  }

  /** Builder; every value is checked in {@link #build()}. */
  public static final class Builder {
    private static final Map<String, String> ENV_KEYS = Map.of(
        "bindAddress", "LIFELINE_CONSOLE_BIND", "port", "LIFELINE_CONSOLE_PORT", "token", "LIFELINE_TOKEN");

    private String bindAddress = DEFAULT_BIND_ADDRESS;
    private int port = DEFAULT_PORT;
    private String token;
    private java.util.function.Supplier<Set<String>> criticalFeatures = Set::of;
    private java.util.function.Supplier<Map<String, ?>> reportExtras = Map::of;
    private MetricsSource metrics;
    private int maxConcurrentRequests = DEFAULT_MAX_CONCURRENT_REQUESTS;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private int maxEventClients = DEFAULT_MAX_EVENT_CLIENTS;
    private int eventQueueCapacity = DEFAULT_EVENT_QUEUE_CAPACITY;
    private Duration eventInterval = DEFAULT_EVENT_INTERVAL;
    private int historySize = DEFAULT_HISTORY_SIZE;
    private ConsoleApplication application;
    private final Set<String> fromEnv = new TreeSet<>();
    private final Set<String> nulls = new TreeSet<>();
    private String badPortText;

    private Builder() {}

    /** Address to bind; default {@code 127.0.0.1}. Anything that is not loopback requires a {@link #token}. */
    public Builder bindAddress(String address) {
      if (address == null) {
        nulls.add("bindAddress");
      }
      this.bindAddress = address;
      return this;
    }

    /** Port; 0 takes any free port (see {@link LifelineConsole#port()}). Default 9464. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The bearer token clients must send ({@code Authorization: Bearer …}); null for none. */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** Features that must be available for {@code /health/ready} to answer 200. */
    public Builder criticalFeatures(Set<String> features) {
      if (features == null || features.stream().anyMatch(Objects::isNull)) {
        nulls.add("criticalFeatures");
        this.criticalFeatures = Set::of;
      } else {
        Set<String> copy = Set.copyOf(features);
        this.criticalFeatures = () -> copy;
      }
      return this;
    }

    /**
     * Critical features read on every {@code /health} and {@code /health/ready} request, for a set
     * that changes while the console runs (the CLI's hot reload). Must be cheap and thread-safe.
     */
    public Builder criticalFeaturesFrom(java.util.function.Supplier<Set<String>> features) {
      if (features == null) {
        nulls.add("criticalFeatures");
        this.criticalFeatures = Set::of;
      } else {
        this.criticalFeatures = features;
      }
      return this;
    }

    /**
     * Extra top-level entries merged into the {@code /health} report, read on every request (the
     * report's own keys win). Values must be JSON-serializable plain data with no secret.
     */
    public Builder reportExtras(java.util.function.Supplier<Map<String, ?>> extras) {
      if (extras == null) {
        nulls.add("reportExtras");
        this.reportExtras = Map::of;
      } else {
        this.reportExtras = extras;
      }
      return this;
    }

    /** What {@code /metrics} serves, e.g. {@code registry::scrape}; null (the default) → 404. */
    public Builder metrics(MetricsSource metrics) {
      this.metrics = metrics;
      return this;
    }

    public Builder maxConcurrentRequests(int n) {
      this.maxConcurrentRequests = n;
      return this;
    }

    public Builder requestTimeout(Duration timeout) {
      if (timeout == null) {
        nulls.add("requestTimeout");
      }
      this.requestTimeout = timeout;
      return this;
    }

    /** At most this many {@code /events} streams at once (1–1024); default 8. */
    public Builder maxEventClients(int n) {
      this.maxEventClients = n;
      return this;
    }

    /** Events buffered per {@code /events} client before it is dropped (1–1024); default 8. */
    public Builder eventQueueCapacity(int n) {
      this.eventQueueCapacity = n;
      return this;
    }

    /** Sampling and push interval of the dashboard (10 ms – 1 min); default 1 s. */
    public Builder eventInterval(Duration interval) {
      if (interval == null) {
        nulls.add("eventInterval");
      }
      this.eventInterval = interval;
      return this;
    }

    /** Samples kept per service for the sparklines (2–10 000); default 120. */
    public Builder historySize(int n) {
      this.historySize = n;
      return this;
    }

    /** The application whose counters and actions the dashboard shows; null (default) for none. */
    public Builder application(ConsoleApplication app) {
      this.application = app;
      return this;
    }

    /**
     * Takes {@code LIFELINE_CONSOLE_BIND}, {@code LIFELINE_CONSOLE_PORT} and {@code LIFELINE_TOKEN}
     * from {@code env} where set (problems are then named by the variable).
     */
    public Builder fromEnvironment(Map<String, String> env) {
      Objects.requireNonNull(env, "env");
      String bind = env.get("LIFELINE_CONSOLE_BIND");
      if (bind != null) {
        bindAddress = bind.trim();
        fromEnv.add("bindAddress");
      }
      String p = env.get("LIFELINE_CONSOLE_PORT");
      if (p != null) {
        fromEnv.add("port");
        try {
          port = Integer.parseInt(p.trim());
        } catch (NumberFormatException e) {
          badPortText = p;
        }
      }
      String t = env.get("LIFELINE_TOKEN");
      if (t != null && !t.isEmpty()) {
        token = t;
        fromEnv.add("token");
      }
      return this;
    }

    /** {@link #fromEnvironment(Map)} with {@link System#getenv()}. */
    public Builder fromEnvironment() {
      return fromEnvironment(System.getenv());
    }

    /** Checks every value; throws one {@link ConfigurationException} listing all problems. */
    public ConsoleOptions build() {
      Validation v = new Validation(f -> fromEnv.contains(f) ? ENV_KEYS.get(f) : f);
      nulls.forEach(f -> v.problem(f, "null", "must not be null"));
      if (badPortText != null) {
        v.problem("port", badPortText, "must be a whole number from 0 (any free port) to 65535");
      } else {
        v.range("port", port, 0, 65_535);
      }
      v.range("maxConcurrentRequests", maxConcurrentRequests, 1, 256);
      v.range("maxEventClients", maxEventClients, 1, 1024);
      v.range("eventQueueCapacity", eventQueueCapacity, 1, 1024);
      v.range("historySize", historySize, 2, 10_000);
      if (eventInterval != null) {
        v.duration("eventInterval", eventInterval, Duration.ofMillis(10), Duration.ofMinutes(1));
      }
      if (requestTimeout != null) {
        v.duration("requestTimeout", requestTimeout, Duration.ofSeconds(1), Duration.ofMinutes(10));
      }
      if (token != null) {
        boolean visible = token.chars().allMatch(c -> c > 0x20 && c < 0x7f);
        v.check(visible && token.length() >= 8 && token.length() <= 4096, "token", token,
            "must be 8 to 4096 visible ASCII characters (no spaces or control characters)");
      }
      InetAddress address = null;
      if (bindAddress != null) {
        String host = bindAddress.startsWith("[") && bindAddress.endsWith("]")
            ? bindAddress.substring(1, bindAddress.length() - 1) : bindAddress;
        String hostError = host.isBlank() ? "empty" : null;
        if (hostError == null && !isIpLiteral(host)) {
          hostError = Validation.hostError(host);
        }
        if (hostError != null) {
          v.problem("bindAddress", bindAddress, "must be an IP address or host name of this machine: " + hostError);
        } else {
          try {
            address = InetAddress.getByName(host);
          } catch (UnknownHostException e) {
            v.problem("bindAddress", bindAddress, "must be an IP address or host name of this machine (it does not resolve)");
          }
        }
        if (address != null && !address.isLoopbackAddress() && token == null) {
          v.problem("bindAddress", bindAddress, "is reachable from other machines: set a token (LIFELINE_TOKEN or "
              + "token(...)) or bind 127.0.0.1");
        }
      }
      v.throwIfAny();
      return new ConsoleOptions(this, address);
    }

    private static boolean isIpLiteral(String host) {
      return host.indexOf(':') >= 0 || host.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.');
    }
  }
}
