package io.lifeline.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthCheck;
import io.lifeline.core.health.ServiceType;
import io.lifeline.core.Urls;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A client of a Graphiti server (design document 000's {@code GraphitiConnectionManager}): an
 * {@link HttpServiceConnectionManager} configured from {@code GRAPHITI_*} with typed methods for the
 * Graphiti server API. {@link #request} and {@link #requestAsync} stay available for anything else.
 *
 * <p>Retries follow the HTTP rules of the base class. {@code POST /search} and {@code POST
 * /get-memory} are reads, so they are sent with an {@code Idempotency-Key} (a fresh UUID per call,
 * the same on each attempt) and retried like GETs. {@code POST /messages}, {@code /entity-node} and
 * {@code /clear} are retried only when the connection could not be opened.
 *
 * <p>Typed methods throw {@link HttpRedirectException} for a 3xx answer (redirects are not
 * followed: check {@code GRAPHITI_URL}), {@link HttpRequestRejectedException} for a 4xx answer
 * (e.g. 422 for an invalid request), except that a missing entity edge gives {@link
 * Optional#empty()}, and {@link InvalidResponseException} when the answer is not the documented
 * JSON. Thread-safe.
 */
public final class GraphitiConnectionManager extends HttpServiceConnectionManager {

  static final ObjectMapper GRAPHITI_MAPPER = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .addModule(new SimpleModule("lifeline-graphiti-time")
          .addSerializer(OffsetDateTime.class, new JsonSerializer<>() {
            @Override
            public void serialize(OffsetDateTime v, JsonGenerator g, SerializerProvider p) throws IOException {
              g.writeString(v.toString());
            }
          })
          .addDeserializer(OffsetDateTime.class, new JsonDeserializer<>() {
            @Override
            public OffsetDateTime deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
              String s = p.getValueAsString();
              if (s == null || s.isBlank()) {
                return null;
              }
              try {
                return OffsetDateTime.parse(s);
              } catch (DateTimeParseException withoutOffset) {
                try {
                  return LocalDateTime.parse(s).atOffset(ZoneOffset.UTC);
                } catch (DateTimeParseException e) {
                  return (OffsetDateTime) ctx.handleWeirdStringValue(OffsetDateTime.class, s,
                      "not an ISO-8601 timestamp");
                }
              }
            }
          }))
      .build();

  private static final TypeReference<List<Graphiti.Episode>> EPISODES = new TypeReference<>() {};

  private final GraphitiConfig graphitiConfig;

  /** A manager configured from the {@code GRAPHITI_*} environment variables. */
  public GraphitiConnectionManager() {
    this(GraphitiConfig.fromEnv());
  }

  public GraphitiConnectionManager(GraphitiConfig config) {
    super(config.http(), GRAPHITI_MAPPER, "graphiti");
    this.graphitiConfig = config;
  }

  public GraphitiConfig graphitiConfig() {
    return graphitiConfig;
  }

  // ------------------------------------------------------------------------------------- the API

  /** {@code GET /healthcheck}. */
  public Graphiti.Healthcheck healthcheck() {
    return ok(request(HttpCall.get("/healthcheck").endpoint("healthcheck"))).json(Graphiti.Healthcheck.class);
  }

  /** {@code POST /search}: facts relevant to {@code query} in {@code groupIds} (null = all groups). */
  public Graphiti.SearchResults search(List<String> groupIds, String query, int maxFacts) {
    return search(new Graphiti.SearchQuery(groupIds, query, maxFacts));
  }

  /** {@code POST /search}. */
  public Graphiti.SearchResults search(Graphiti.SearchQuery query) {
    return ok(request(read("/search", query).endpoint("search"))).json(Graphiti.SearchResults.class);
  }

  /** Async {@code POST /search}. */
  public CompletableFuture<Graphiti.SearchResults> searchAsync(Graphiti.SearchQuery query) {
    return requestAsync(read("/search", query).endpoint("search")).thenApply(r -> ok(r).json(Graphiti.SearchResults.class));
  }

  /** {@code POST /get-memory}: facts relevant to a conversation. */
  public Graphiti.GetMemoryResponse getMemory(Graphiti.GetMemoryRequest request) {
    return ok(request(read("/get-memory", request).endpoint("get_memory"))).json(Graphiti.GetMemoryResponse.class);
  }

  /** {@code POST /messages}: queues messages for ingestion (Graphiti answers 202). Not retried once sent. */
  public Graphiti.Result addMessages(String groupId, List<Graphiti.Message> messages) {
    return ok(request(HttpCall.post("/messages").json(new Graphiti.AddMessagesRequest(groupId, messages)).endpoint("add_messages")))
        .json(Graphiti.Result.class);
  }

  /** {@code POST /entity-node}: creates an entity node (Graphiti answers 201 with the node). */
  public Graphiti.EntityNode addEntityNode(Graphiti.AddEntityNodeRequest request) {
    return ok(request(HttpCall.post("/entity-node").json(request).endpoint("add_entity_node"))).json(Graphiti.EntityNode.class);
  }

  /** {@code GET /entity-edge/{uuid}}: the fact, or empty when the server answers 404. */
  public Optional<Graphiti.FactResult> getEntityEdge(String uuid) {
    HttpResult r = request(HttpCall.get("/entity-edge/" + segment(uuid)).endpoint("get_entity_edge"));
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    return Optional.of(ok(r).json(Graphiti.FactResult.class));
  }

  /** {@code DELETE /entity-edge/{uuid}}. */
  public Graphiti.Result deleteEntityEdge(String uuid) {
    return ok(request(HttpCall.delete("/entity-edge/" + segment(uuid)).endpoint("delete_entity_edge"))).json(Graphiti.Result.class);
  }

  /** {@code GET /episodes/{group_id}?last_n=}: the last {@code lastN} episodes of a group. */
  public List<Graphiti.Episode> getEpisodes(String groupId, int lastN) {
    return ok(request(HttpCall.get(episodesPath(groupId, lastN)).endpoint("get_episodes"))).json(EPISODES);
  }

  /** {@code DELETE /episode/{uuid}}. */
  public Graphiti.Result deleteEpisode(String uuid) {
    return ok(request(HttpCall.delete("/episode/" + segment(uuid)).endpoint("delete_episode"))).json(Graphiti.Result.class);
  }

  /** {@code DELETE /group/{group_id}}: deletes a group's episodes, nodes and edges. */
  public Graphiti.Result deleteGroup(String groupId) {
    return ok(request(HttpCall.delete("/group/" + segment(groupId)).endpoint("delete_group"))).json(Graphiti.Result.class);
  }

  /** {@code POST /clear}: deletes the whole graph and rebuilds indices. Not retried once sent. */
  public Graphiti.Result clear() {
    return ok(request(HttpCall.post("/clear").endpoint("clear"))).json(Graphiti.Result.class);
  }

  private static HttpCall read(String path, Object body) {
    return HttpCall.post(path).json(body).idempotencyKey(UUID.randomUUID().toString());
  }

  private static String episodesPath(String groupId, int lastN) {
    if (lastN < 1) {
      throw new IllegalArgumentException("lastN must be >= 1, was " + lastN);
    }
    return "/episodes/" + segment(groupId) + "?last_n=" + lastN;
  }

  private static String segment(String s) {
    Objects.requireNonNull(s, "id");
    if (s.isBlank()) {
      throw new IllegalArgumentException("id must not be blank");
    }
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static HttpResult ok(HttpResult r) {
    return requireSuccess(r);
  }

  // --------------------------------------------------------------------------------------- health

  /**
   * {@code GET /healthcheck}; with a {@linkplain GraphitiConfig#deepCheckGroupId() deep-check group}
   * also {@code GET /episodes/<group>?last_n=1}, which needs the database: UP only when both answer
   * 2xx with the documented JSON. Details: {@code url}, {@code status}, and {@code deepCheck}.
   */
  @Override
  public HealthCheck healthCheck() {
    String deep = graphitiConfig.deepCheckGroupId();
    return HealthCheck.async(() -> probe(GraphitiConfig.HEALTH_PATH, r -> {
      Graphiti.Healthcheck h = r.json(Graphiti.Healthcheck.class);
      return CheckResult.up(Map.of("url", Urls.sanitize(config().baseUrl().toString()),
          "status", String.valueOf(h.status())));
    }).thenCompose(shallow -> {
      if (deep == null || shallow.outcome() != CheckResult.Outcome.UP) {
        return CompletableFuture.completedFuture(shallow);
      }
      return probe(episodesPath(deep, 1), r -> {
        r.json(EPISODES); // must be the documented list
        java.util.Map<String, Object> d = new java.util.HashMap<>(shallow.details());
        d.put("deepCheck", "ok");
        return CheckResult.up(d);
      }).thenApply(res -> res.outcome() == CheckResult.Outcome.UP ? res
          : new CheckResult(CheckResult.Outcome.DOWN, null,
              "/healthcheck answers but the deep check failed: " + res.error(),
              Map.of("deepCheck", "failed")));
    }));
  }

  /** Registers {@link #healthCheck()} with {@code health} as service {@code graphiti}. */
  @Override
  public void registerWith(ConnectionHealthManager health, Set<String> features) {
    registerWith(health, ServiceType.HTTP, healthCheck(), features);
  }

  // --------------------------------------------------------------------------------------- global

  /** The name the global manager is registered under. */
  public static final String GLOBAL_NAME = "graphiti";

  /**
   * The process-wide manager (seed: {@code get_graphiti_connection()}), created from the {@code
   * GRAPHITI_*} environment on first use unless {@link #initializeGlobal} configured it.
   */
  public static GraphitiConnectionManager global() {
    HttpServiceConnectionManager m = globalOrNull(GLOBAL_NAME);
    if (m instanceof GraphitiConnectionManager && !m.isClosed()) {
      return (GraphitiConnectionManager) m;
    }
    return initializeGlobal(GraphitiConfig.fromEnv());
  }

  /** Creates the process-wide manager from {@code config} if there is none; returns the one in place. */
  public static GraphitiConnectionManager initializeGlobal(GraphitiConfig config) {
    if (!config.http().name().equals(GLOBAL_NAME)) {
      throw new IllegalArgumentException("the global Graphiti manager must be named '" + GLOBAL_NAME + "'");
    }
    return initializeGlobal(GLOBAL_NAME, () -> new GraphitiConnectionManager(config));
  }

  /** Closes the process-wide manager, if any (idempotent). */
  public static void shutdownGlobal() {
    shutdownGlobal(GLOBAL_NAME);
  }

  @Override
  public String toString() {
    return "GraphitiConnectionManager[" + Urls.sanitize(config().baseUrl().toString()) + ", " + state() + "]";
  }
}
