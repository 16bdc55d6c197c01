package io.lifeline.http;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Request and response shapes of the Graphiti server API ({@code getzep/graphiti}, {@code
 * server/graph_service/dto}), as used by {@link GraphitiConnectionManager}. Field names on the wire
 * are Graphiti's snake_case; timestamps are ISO-8601 (a timestamp without offset is read as UTC).
 *
 * <p>Response records carry every field the current server sends (checked field by field by a test
 * against the server's models); the only field deliberately left out is {@code EntityNode}'s {@code
 * name_embedding}. Fields a newer server adds are ignored, whatever {@code ObjectMapper} reads them,
 * so newer servers keep working. Collections are never null (empty when the server sends none or
 * null) and unmodifiable. Records are immutable and thread-safe.
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

  /**
   * {@code FactResult}: one fact (an entity edge), as {@code POST /search}, {@code POST /get-memory}
   * and {@code GET /entity-edge/{uuid}} answer it.
   *
   * @param sourceNodeUuid the entity the fact starts at (null from servers that do not send it)
   * @param targetNodeUuid the entity the fact points to (null from servers that do not send it)
   * @param episodes uuids of the episodes the fact was extracted from (empty when none are sent)
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record FactResult(
      @JsonProperty("uuid") String uuid,
      @JsonProperty("name") String name,
      @JsonProperty("fact") String fact,
      @JsonProperty("valid_at") OffsetDateTime validAt,
      @JsonProperty("invalid_at") OffsetDateTime invalidAt,
      @JsonProperty("created_at") OffsetDateTime createdAt,
      @JsonProperty("expired_at") OffsetDateTime expiredAt,
      @JsonProperty("source_node_uuid") String sourceNodeUuid,
      @JsonProperty("target_node_uuid") String targetNodeUuid,
      @JsonProperty("episodes") List<String> episodes) {
    public FactResult {
      episodes = copyOrEmpty(episodes);
    }
  }

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

  /**
   * An entity node ({@code graphiti_core.nodes.EntityNode}) as {@code POST /entity-node} returns it.
   * Its {@code name_embedding} is deliberately not kept (a vector of hundreds of floats of no use to a
   * client); every other field is.
   *
   * @param attributes attributes that depend on the node's labels (empty when none are sent)
   */
  @JsonIgnoreProperties(value = {"name_embedding"}, ignoreUnknown = true)
  public record EntityNode(
      @JsonProperty("uuid") String uuid,
      @JsonProperty("name") String name,
      @JsonProperty("group_id") String groupId,
      @JsonProperty("labels") List<String> labels,
      @JsonProperty("created_at") OffsetDateTime createdAt,
      @JsonProperty("summary") String summary,
      @JsonProperty("attributes") Map<String, Object> attributes) {
    public EntityNode {
      labels = copyOrEmpty(labels);
      attributes = copyOrEmpty(attributes);
    }
  }

  /**
   * An episode ({@code graphiti_core.nodes.EpisodicNode}) as {@code GET /episodes/{group_id}}
   * returns it.
   *
   * @param labels the node's labels (empty when none are sent)
   * @param source {@code message}, {@code text}, {@code json} (or a type of a newer server)
   * @param entityEdges uuids of the facts extracted from this episode (empty when none are sent)
   * @param episodeMetadata the caller's key-value metadata of the episode (empty when none was set)
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Episode(
      @JsonProperty("uuid") String uuid,
      @JsonProperty("name") String name,
      @JsonProperty("group_id") String groupId,
      @JsonProperty("labels") List<String> labels,
      @JsonProperty("created_at") OffsetDateTime createdAt,
      @JsonProperty("source") String source,
      @JsonProperty("source_description") String sourceDescription,
      @JsonProperty("content") String content,
      @JsonProperty("valid_at") OffsetDateTime validAt,
      @JsonProperty("entity_edges") List<String> entityEdges,
      @JsonProperty("episode_metadata") Map<String, Object> episodeMetadata) {
    public Episode {
      labels = copyOrEmpty(labels);
      entityEdges = copyOrEmpty(entityEdges);
      episodeMetadata = copyOrEmpty(episodeMetadata);
    }
  }

  private static <T> List<T> copyOrEmpty(List<T> list) {
    // not List.copyOf: a JSON array may hold null, which must read, not throw
    return list == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(list));
  }

  private static Map<String, Object> copyOrEmpty(Map<String, Object> map) {
    // not Map.copyOf: JSON values may be null
    return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }
}
