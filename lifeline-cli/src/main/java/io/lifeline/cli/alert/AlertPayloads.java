package io.lifeline.cli.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.TreeSet;

/** The two payloads: Lifeline's webhook JSON and a Slack incoming-webhook message. */
final class AlertPayloads {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AlertPayloads() {}

  /**
   * {@code {"service", "type", "oldStatus", "newStatus", "features", "error", "timestamp",
   * "instance", "coalesced"}}; {@code error} is null when the service has none.
   */
  static String webhook(Alert a) {
    ObjectNode n = JSON.createObjectNode();
    n.put("service", a.service());
    n.put("type", a.type());
    n.put("oldStatus", a.oldStatus().name());
    n.put("newStatus", a.newStatus().name());
    com.fasterxml.jackson.databind.node.ArrayNode features = n.putArray("features");
    new TreeSet<>(a.features()).forEach(features::add);
    n.put("error", a.error());
    n.put("timestamp", a.timestamp().toString());
    n.put("instance", a.instance());
    n.put("coalesced", a.coalesced());
    return write(n);
  }

  /** {@code {"text": ...}}, with {@code & < >} escaped as Slack requires (so no name becomes a link or mention). */
  static String slack(Alert a) {
    String mark = switch (a.newStatus()) {
      case HEALTHY -> ":large_green_circle:";
      case UNAVAILABLE -> ":red_circle:";
      default -> ":large_yellow_circle:";
    };
    StringBuilder t = new StringBuilder(mark).append(" *").append(slackEscape(a.service())).append("* (")
        .append(slackEscape(a.type())).append(") is ").append(a.newStatus()).append(" (was ").append(a.oldStatus())
        .append(") on ").append(slackEscape(a.instance()));
    if (!a.features().isEmpty()) {
      t.append("\nfeatures: ").append(slackEscape(String.join(", ", new TreeSet<>(a.features()))));
    }
    if (a.error() != null) {
      t.append("\nerror: ").append(slackEscape(a.error()));
    }
    if (a.coalesced() > 0) {
      t.append("\n(").append(a.coalesced()).append(" more transitions in the rate-limit window)");
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("text", t.toString());
    return write(n);
  }

  static String slackEscape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String write(ObjectNode n) {
    try {
      return JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot happen: a tree of strings", e);
    }
  }
}
