package io.lifeline.http;

import static io.lifeline.http.LoopbackServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lifeline.core.RetryConfig;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The typed Graphiti records carry every field the current Graphiti server sends, field by field:
 * the loopback server answers with the full server models ({@code src/test/resources/graphiti}), and
 * each JSON field must be a record component or on the explicit allow-list of fields deliberately
 * left out. A field the server adds later (once the fixture is refreshed) breaks this test instead
 * of disappearing silently; users' deserialization stays lenient.
 */
class GraphitiModelFidelityTest {
  /** Server fields deliberately not mapped, per record: embeddings are large and of no use here. */
  static final Map<Class<?>, Set<String>> DELIBERATELY_OMITTED = Map.of(
      Graphiti.EntityNode.class, Set.of("name_embedding"));

  static final ObjectMapper JSON = new ObjectMapper();

  final LoopbackServer server;
  final GraphitiConnectionManager graphiti;

  GraphitiModelFidelityTest() throws IOException {
    server = new LoopbackServer();
    String fact = fixture("fact-result.json");
    server.on("/healthcheck", (ex, b) -> json(ex, 200, fixture("healthcheck.json")));
    server.on("/search", (ex, b) -> json(ex, 200, "{\"facts\":[" + fact + "]}"));
    server.on("/get-memory", (ex, b) -> json(ex, 200, "{\"facts\":[" + fact + "]}"));
    server.on("/entity-edge/", (ex, b) -> json(ex, 200, fact));
    server.on("/episodes/", (ex, b) -> json(ex, 200, fixture("episodes.json")));
    server.on("/entity-node", (ex, b) -> json(ex, 201, fixture("entity-node.json")));
    server.on("/messages", (ex, b) -> json(ex, 202, fixture("result.json")));
    graphiti = new GraphitiConnectionManager(GraphitiConfig.builder().url(server.url())
        .retryConfig(RetryConfig.builder().maxRetries(0).build()).requestTimeout(Duration.ofSeconds(5)).build());
  }

  @AfterEach
  void tearDown() {
    graphiti.close();
    server.close();
  }

  static String fixture(String name) throws IOException {
    try (InputStream in = GraphitiModelFidelityTest.class.getResourceAsStream("/graphiti/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void factResultKeepsEveryFieldOfSearchGetMemoryAndGetEntityEdge() throws IOException {
    JsonNode fact = JSON.readTree(fixture("fact-result.json"));
    Graphiti.SearchResults search = graphiti.search(List.of("g1"), "where does Alice work", 5);
    assertMapsEveryField(search, JSON.createObjectNode().set("facts", JSON.createArrayNode().add(fact)));
    Graphiti.GetMemoryResponse memory = graphiti.getMemory(new Graphiti.GetMemoryRequest("g1", 5, null,
        List.of(Graphiti.Message.user("Alice", "hi"))));
    assertMapsEveryField(memory, JSON.createObjectNode().set("facts", JSON.createArrayNode().add(fact)));
    Graphiti.FactResult edge = graphiti.getEntityEdge("e-1").orElseThrow();
    assertMapsEveryField(edge, fact);
    assertThat(edge.sourceNodeUuid()).isEqualTo("n-alice");
    assertThat(edge.targetNodeUuid()).isEqualTo("n-acme");
    assertThat(edge.episodes()).containsExactly("ep-1", "ep-2");
  }

  @Test
  void episodeKeepsLabelsAndEpisodeMetadata() throws IOException {
    List<Graphiti.Episode> episodes = graphiti.getEpisodes("g1", 1);
    assertMapsEveryField(episodes.get(0), JSON.readTree(fixture("episodes.json")).get(0));
    assertThat(episodes.get(0).labels()).containsExactly("Episodic");
    assertThat(episodes.get(0).episodeMetadata()).containsEntry("channel", "web").containsEntry("priority", 2);
  }

  @Test
  void entityNodeResultAndHealthcheckKeepEveryFieldButTheEmbedding() throws IOException {
    Graphiti.EntityNode node = graphiti.addEntityNode(new Graphiti.AddEntityNodeRequest("n-acme", "g1", "Acme", ""));
    assertMapsEveryField(node, JSON.readTree(fixture("entity-node.json")));
    assertThat(Graphiti.EntityNode.class.getAnnotation(JsonIgnoreProperties.class).value())
        .as("ignored in the record = the allow-list here").containsExactlyInAnyOrderElementsOf(
            DELIBERATELY_OMITTED.get(Graphiti.EntityNode.class));
    assertMapsEveryField(graphiti.addMessages("g1", List.of(Graphiti.Message.user("Alice", "hi"))),
        JSON.readTree(fixture("result.json")));
    assertMapsEveryField(graphiti.healthcheck(), JSON.readTree(fixture("healthcheck.json")));
  }

  /** The request records send every field the server's request models accept (and no other). */
  @Test
  void requestRecordsCarryEveryFieldOfTheServerRequestModels() {
    // dto/retrieve.py SearchQuery, GetMemoryRequest; dto/common.py Message; dto/ingest.py
    // AddMessagesRequest, AddEntityNodeRequest
    Map<Class<?>, Set<String>> server = new LinkedHashMap<>();
    server.put(Graphiti.SearchQuery.class, Set.of("group_ids", "query", "max_facts"));
    server.put(Graphiti.GetMemoryRequest.class, Set.of("group_id", "max_facts", "center_node_uuid", "messages"));
    server.put(Graphiti.Message.class, Set.of("content", "uuid", "name", "role_type", "role", "timestamp",
        "source_description"));
    server.put(Graphiti.AddMessagesRequest.class, Set.of("group_id", "messages"));
    server.put(Graphiti.AddEntityNodeRequest.class, Set.of("uuid", "group_id", "name", "summary"));
    server.forEach((type, fields) -> assertThat(wireNames(type)).as(type.getSimpleName())
        .containsExactlyInAnyOrderElementsOf(fields));
  }

  /** Lenient for users: a field a newer server adds does not break their reads, with any mapper. */
  @Test
  void unknownFieldsStillDeserialize() throws IOException {
    ObjectNode fact = (ObjectNode) JSON.readTree(fixture("fact-result.json"));
    fact.put("field_of_a_newer_server", 1);
    server.on("/entity-edge/", (ex, b) -> json(ex, 200, fact.toString()));
    assertThat(graphiti.getEntityEdge("e-1")).get().extracting(Graphiti.FactResult::uuid).isEqualTo("e-1");
    ObjectMapper strictByDefault = new ObjectMapper();
    ObjectNode episode = (ObjectNode) JSON.readTree(fixture("episodes.json")).get(0);
    episode.remove(List.of("created_at", "valid_at")); // no java.time module needed for this check
    episode.put("field_of_a_newer_server", "x");
    assertThat(strictByDefault.treeToValue(episode, Graphiti.Episode.class).uuid()).isEqualTo("ep-1");
  }

  // ------------------------------------------------------------------------------------ checking

  /**
   * Every field of {@code json} is a component of {@code value}'s record (or deliberately omitted),
   * every component is a field the server sends, and each non-null field arrived non-null; nested
   * records (and lists of them) are checked the same way.
   */
  static void assertMapsEveryField(Object value, JsonNode json) {
    Class<?> type = value.getClass();
    assertThat(type.isRecord()).as(type + " is a record").isTrue();
    Set<String> sent = new TreeSet<>();
    json.fieldNames().forEachRemaining(sent::add);
    Set<String> omitted = DELIBERATELY_OMITTED.getOrDefault(type, Set.of());
    Set<String> expected = new TreeSet<>(sent);
    expected.removeAll(omitted);
    assertThat(new TreeSet<>(wireNames(type)))
        .as("%s components vs the fields the server sends (allow-listed as omitted: %s)",
            type.getSimpleName(), omitted)
        .isEqualTo(expected);
    for (RecordComponent rc : type.getRecordComponents()) {
      String wire = wireName(rc);
      JsonNode field = json.get(wire);
      Object v = read(rc, value);
      if (field != null && !field.isNull()) {
        assertThat(v).as("%s.%s (%s) arrived", type.getSimpleName(), rc.getName(), wire).isNotNull();
      }
      if (v instanceof Record) {
        assertMapsEveryField(v, field);
      } else if (v instanceof List<?> list && isListOfRecords(rc.getGenericType())) {
        Iterator<JsonNode> elements = field.elements();
        for (Object element : list) {
          assertMapsEveryField(element, elements.next());
        }
      }
    }
  }

  static boolean isListOfRecords(Type t) {
    return t instanceof ParameterizedType p && p.getActualTypeArguments()[0] instanceof Class<?> c && c.isRecord();
  }

  static List<String> wireNames(Class<?> type) {
    return java.util.Arrays.stream(type.getRecordComponents()).map(GraphitiModelFidelityTest::wireName).toList();
  }

  static String wireName(RecordComponent rc) {
    JsonProperty p = rc.getAccessor().getAnnotation(JsonProperty.class);
    return p == null || p.value().isEmpty() ? rc.getName() : p.value();
  }

  static Object read(RecordComponent rc, Object value) {
    try {
      return rc.getAccessor().invoke(value);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
