package io.lifeline.http;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Request and response shapes of the Graphiti server API ({@code getzep/graphiti}, {@code
 * server/graph_service/dto}), as used by {@link GraphitiConnectionManager}. Field names on the wire
 * are Graphiti's snake_case; timestamps are ISO-8601 (a timestamp without offset is read as UTC).
 * Unknown response fields are ignored, so newer servers keep working.
 */
public final class Graphiti {
  private Graphiti() {}

  /** {@code Result}: the answer of the write endpoints. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Result(@JsonProperty("message") String message, @JsonProperty("success") boolean success) {}

  /** The answer of {@code GET /healthcheck}, e.g. {@code {"status": "healthy"}}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Healthcheck(@JsonProperty("status") String status) {}

  /**
   * {@code Message}: one conversation message.
   *
   * @param roleType {@code user}, {@code assistant} or {@code system}
   * @param role the custom role (user name, bot name), may be null
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Message(
      @JsonProperty("content") String content,
      @JsonProperty("uuid") @JsonInclude(JsonInclude.Include.NON_NULL) String uuid,
      @JsonProperty("name") String name,
      @JsonProperty("role_type") String roleType,
      @JsonProperty("role") String role,
      @JsonProperty("timestamp") @JsonInclude(JsonInclude.Include.NON_NULL) OffsetDateTime timestamp,
      @JsonProperty("source_description") String sourceDescription) {

    public Message {
      Objects.requireNonNull(content, "content");
      Objects.requireNonNull(roleType, "roleType");
      if (!(roleType.equals("user") || roleType.equals("assistant") || roleType.equals("system"))) {
        throw new IllegalArgumentException("roleType must be user, assistant or system, was '" + roleType + "'");
      }
      name = name == null ? "" : name;
      sourceDescription = sourceDescription == null ? "" : sourceDescription;
    }

    /** A message of {@code roleType} by {@code role} (may be null), timestamped by the server. */
    public static Message of(String roleType, String role, String content) {
      return new Message(content, null, "", roleType, role, null, "");
    }

    public static Message user(String role, String content) {
      return of("user", role, content);
    }

    public static Message assistant(String role, String content) {
      return of("assistant", role, content);
    }
  }

  /** {@code FactResult}: one fact (an entity edge). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record FactResult(
      @JsonProperty("uuid") String uuid,
      @JsonProperty("name") String name,
      @JsonProperty("fact") String fact,
      @JsonProperty("valid_at") OffsetDateTime validAt,
      @JsonProperty("invalid_at") OffsetDateTime invalidAt,
      @JsonProperty("created_at") OffsetDateTime createdAt,
      @JsonProperty("expired_at") OffsetDateTime expiredAt) {}

  /** {@code SearchQuery} of {@code POST /search}. */
  public record SearchQuery(
      @JsonProperty("group_ids") List<String> groupIds,
      @JsonProperty("query") String query,
      @JsonProperty("max_facts") int maxFacts) {
    public SearchQuery {
      Objects.requireNonNull(query, "query");
      groupIds = groupIds == null ? null : List.copyOf(groupIds);
      if (maxFacts < 1) {
        throw new IllegalArgumentException("maxFacts must be >= 1, was " + maxFacts);
      }
    }
  }

  /** {@code SearchResults}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SearchResults(@JsonProperty("facts") List<FactResult> facts) {
    public SearchResults {
      facts = facts == null ? List.of() : List.copyOf(facts);
    }
  }

  /** {@code GetMemoryRequest} of {@code POST /get-memory}. */
  public record GetMemoryRequest(
      @JsonProperty("group_id") String groupId,
      @JsonProperty("max_facts") int maxFacts,
      @JsonProperty("center_node_uuid") String centerNodeUuid,
      @JsonProperty("messages") List<Message> messages) {
    public GetMemoryRequest {
      Objects.requireNonNull(groupId, "groupId");
      messages = List.copyOf(messages);
      if (maxFacts < 1) {
        throw new IllegalArgumentException("maxFacts must be >= 1, was " + maxFacts);
      }
    }
  }

  /** {@code GetMemoryResponse}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record GetMemoryResponse(@JsonProperty("facts") List<FactResult> facts) {
    public GetMemoryResponse {
      facts = facts == null ? List.of() : List.copyOf(facts);
    }
  }

  /** {@code AddMessagesRequest} of {@code POST /messages}. */
  public record AddMessagesRequest(
      @JsonProperty("group_id") String groupId, @JsonProperty("messages") List<Message> messages) {
    public AddMessagesRequest {
      Objects.requireNonNull(groupId, "groupId");
      messages = List.copyOf(messages);
    }
  }

  /** {@code AddEntityNodeRequest} of {@code POST /entity-node}. */
  public record AddEntityNodeRequest(
      @JsonProperty("uuid") String uuid,
      @JsonProperty("group_id") String groupId,
      @JsonProperty("name") String name,
      @JsonProperty("summary") String summary) {
    public AddEntityNodeRequest {
      Objects.requireNonNull(uuid, "uuid");
      Objects.requireNonNull(groupId, "groupId");
      Objects.requireNonNull(name, "name");
      summary = summary == null ? "" : summary;
    }
  }

  /** An entity node as {@code POST /entity-node} returns it (embedding omitted). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record EntityNode(
      @JsonProperty("uuid") String uuid,
      @JsonProperty("name") String name,
      @JsonProperty("group_id") String groupId,
      @JsonProperty("labels") List<String> labels,
      @JsonProperty("created_at") OffsetDateTime createdAt,
      @JsonProperty("summary") String summary,
      @JsonProperty("attributes") Map<String, Object> attributes) {}

  /** An episode as {@code GET /episodes/{group_id}} returns it. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Episode(
      @JsonProperty("uuid") String uuid,
      @JsonProperty("name") String name,
      @JsonProperty("group_id") String groupId,
      @JsonProperty("content") String content,
      @JsonProperty("source") String source,
      @JsonProperty("source_description") String sourceDescription,
      @JsonProperty("created_at") OffsetDateTime createdAt,
      @JsonProperty("valid_at") OffsetDateTime validAt,
      @JsonProperty("entity_edges") List<String> entityEdges) {}
}
