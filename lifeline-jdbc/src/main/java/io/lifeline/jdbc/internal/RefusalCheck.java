package io.lifeline.jdbc.internal;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Tells, in a fraction of a millisecond, that a PostgreSQL server is certainly down: a plain TCP
 * connect to every host of the URL is refused. The driver's own connect would fail the same way, but
 * only after its login-timeout thread, its error formatting and its host-status bookkeeping — cold
 * code that cost 5-15 ms on a loaded 2-core machine, on the path that decides whether every waiting
 * caller is released. Any other answer (a host accepts, times out, cannot be resolved) is no verdict:
 * the caller then runs the driver's full connect.
 *
 * <p>Only for {@code jdbc:postgresql://host[:port][,host[:port]…]/…} URLs connected over plain
 * sockets: with a {@code socketFactory} (Unix sockets, cloud proxies) the URL's host is not what
 * the driver connects to, so {@link #forUrl} returns null. Not API.
 */
public final class RefusalCheck {
  private static final String PREFIX = "jdbc:postgresql://";
  private static final int DEFAULT_PORT = 5432;

  private final List<String> hosts;
  private final int[] ports;
  private final int timeoutMillis;

  private RefusalCheck(List<String> hosts, int[] ports, int timeoutMillis) {
    this.hosts = hosts;
    this.ports = ports;
    this.timeoutMillis = timeoutMillis;
  }

  /**
   * The check for {@code jdbcUrl}, or null when it does not apply (another driver, a socket
   * factory, an authority it cannot read).
   *
   * @param timeoutMillis bound on each TCP connect; only a black-holed host ever waits for it
   */
  public static RefusalCheck forUrl(String jdbcUrl, Properties driverProperties, int timeoutMillis) {
    if (jdbcUrl == null || !jdbcUrl.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
        || driverProperties.getProperty("socketFactory") != null
        || jdbcUrl.toLowerCase(Locale.ROOT).contains("socketfactory=")) {
      return null;
    }
    int start = PREFIX.length();
    int end = jdbcUrl.length();
    for (int i = start; i < jdbcUrl.length(); i++) {
      char c = jdbcUrl.charAt(i);
      if (c == '/' || c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    String authority = jdbcUrl.substring(start, end);
    if (authority.isEmpty() || authority.indexOf('@') >= 0) {
      return null;
    }
    List<String> hosts = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    for (String hostPort : authority.split(",", -1)) {
      String host = hostPort;
      int port = DEFAULT_PORT;
      int colon;
      if (hostPort.startsWith("[")) {
        int close = hostPort.indexOf(']');
        if (close < 0) {
          return null;
        }
        host = hostPort.substring(1, close);
        colon = close + 1 < hostPort.length() && hostPort.charAt(close + 1) == ':' ? close + 1 : -1;
        if (colon < 0 && close + 1 != hostPort.length()) {
          return null;
        }
      } else {
        colon = hostPort.lastIndexOf(':');
        if (colon >= 0) {
          host = hostPort.substring(0, colon);
        }
      }
      if (colon >= 0) {
        try {
          port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
          return null;
        }
      }
      if (host.isEmpty() || port < 1 || port > 65_535) {
        return null;
      }
      hosts.add(host);
      ports.add(port);
    }
    return new RefusalCheck(List.copyOf(hosts), ports.stream().mapToInt(Integer::intValue).toArray(), timeoutMillis);
  }

  /**
   * True when a TCP connect to every host was refused. Resolves the hosts on each call (the JVM's
   * address cache makes that cheap) so a server that moved is found where it is now.
   */
  public boolean everyHostRefuses() {
    for (int i = 0; i < ports.length; i++) {
      InetSocketAddress address = new InetSocketAddress(hosts.get(i), ports[i]);
      if (address.isUnresolved()) {
        return false;
      }
      try (Socket s = new Socket()) {
        s.connect(address, timeoutMillis);
        return false; // something listens: let the driver decide
      } catch (ConnectException refused) {
        // refused (RST) or unreachable: this host cannot serve; try the next
      } catch (IOException | RuntimeException other) {
        return false; // timed out or failed otherwise: no verdict
      }
    }
    return true;
  }

  /** {@code connection to host:port refused}, or {@code connection to every host (a:1, b:2) refused}. */
  public String refusedMessage() {
    StringBuilder sb = new StringBuilder(ports.length == 1 ? "connection to " : "connection to every host (");
    for (int i = 0; i < ports.length; i++) {
      String h = hosts.get(i);
      sb.append(i > 0 ? ", " : "").append(h.indexOf(':') >= 0 ? "[" + h + "]" : h).append(':').append(ports[i]);
    }
    return sb.append(ports.length == 1 ? " refused" : ") refused").toString();
  }

  @Override
  public String toString() {
    return "RefusalCheck" + hosts;
  }
}
