package io.lifeline.console;

import java.time.Duration;

/**
 * The JDK HTTP server reads its limits once per JVM from system properties, when it is first used.
 * The console sets, unless the application already has, a request and response time bound (a slow
 * client, or one that sends half a request and stops, is disconnected instead of holding a console
 * thread for ever) and TCP_NODELAY (without it, the separate header and body writes meet Nagle and
 * delayed ACKs: ~40 ms per response on loopback). If another JDK HTTP server in the process was
 * started before the console, its settings apply to both.
 */
final class ServerSettings {
  static final String MAX_REQUEST_TIME = "sun.net.httpserver.maxReqTime";
  static final String MAX_RESPONSE_TIME = "sun.net.httpserver.maxRspTime";
  static final String NO_DELAY = "sun.net.httpserver.nodelay";

  private ServerSettings() {}

  static void applyDefaults(Duration requestTimeout) {
    String seconds = Long.toString(Math.max(1, requestTimeout.toSeconds()));
    setIfAbsent(MAX_REQUEST_TIME, seconds);
    setIfAbsent(MAX_RESPONSE_TIME, seconds);
    setIfAbsent(NO_DELAY, "true");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
