package io.lifeline.cli.alert;

import io.lifeline.core.health.ServiceStatus;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of {@code alerts:} in {@code lifeline.yml}: where transitions are posted and how.
 *
 * @param name the sink's name as written (services refer to it)
 * @param format {@link Format#WEBHOOK} (Lifeline's JSON) or {@link Format#SLACK} (an incoming-webhook payload)
 * @param url where to POST; treated as a secret (a Slack webhook's path is its credential): never shown
 * @param timeout bound on each delivery attempt (connect + answer)
 * @param minInterval at most one alert per service in this time; transitions inside it are coalesced
 *     into one alert with the latest status, sent when it ends
 * @param on the statuses that are alerted when a service enters them (HEALTHY = recovery)
 * @param queueCapacity alerts waiting for delivery; beyond it new ones are dropped and counted
 * @param instance names this monitor in every alert
 */
public record AlertSink(String name, Format format, URI url, Duration timeout, Duration minInterval,
    Set<ServiceStatus> on, int queueCapacity, String instance) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_MIN_INTERVAL = Duration.ofSeconds(10);
  public static final Set<ServiceStatus> DEFAULT_ON = Set.of(ServiceStatus.UNAVAILABLE, ServiceStatus.HEALTHY);
  public static final int DEFAULT_QUEUE_CAPACITY = 1_000;

  /** The payload posted. */
  public enum Format {
    WEBHOOK,
    SLACK
  }

  public AlertSink {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(url, "url");
    on = Set.copyOf(on);
  }

  /** The URL as logs and problems may show it: scheme and authority only (the rest may be a credential). */
  public String shownUrl() {
    return shown(url);
  }

  static String shown(URI u) {
    return u.getScheme() + "://" + (u.getRawAuthority() == null ? "" : u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()))
        + "/****";
  }

  @Override
  public String toString() {
    return "AlertSink[" + name + ", " + format + ", " + shownUrl() + "]";
  }
}
