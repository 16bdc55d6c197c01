package io.lifeline.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeline.core.ConfigurationException;
import io.lifeline.core.ErrorClassifier;
import io.lifeline.core.Urls;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.HealthCheck;
import io.lifeline.http.internal.BoundedBodyHandler;
import io.lifeline.core.internal.Durations;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Ready-made {@link HealthCheck}s for HTTP-speaking services of design document 004: Elasticsearch
 * and Milvus. Each check is one non-blocking GET bounded by its timeout; register it with {@code
 * ConnectionHealthManager.register(name, ServiceType.ELASTICSEARCH, check, features)}. Credentials
 * are sent as headers and never appear in results, details or errors.
 */
public final class ServiceHealthChecks {
  private ServiceHealthChecks() {}

  /** Largest health response read (a cluster-health document is well under 4 KiB). */
  static final int MAX_BODY = 64 * 1024;

  /**
   * Elasticsearch {@code GET /_cluster/health}: {@code green} → UP, {@code yellow} → DEGRADED (some
   * replicas unassigned), {@code red}, any other answer or no answer → DOWN. Details: {@code
   * cluster}, {@code status}, {@code nodes}, {@code dataNodes}, {@code unassignedShards}.
   */
  public static Builder elasticsearch(String baseUrl) {
    return new Builder(baseUrl, "/_cluster/health", ServiceHealthChecks::judgeElasticsearch);
  }

  /** Milvus {@code GET /healthz} (the metrics port, 9091 by default): 200 → UP, otherwise DOWN. */
  public static Builder milvus(String baseUrl) {
    return new Builder(baseUrl, "/healthz", (r) -> {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("status", r.status);
      d.put("body", r.body.length() > 64 ? r.body.substring(0, 64) : r.body.trim());
      return CheckResult.up(d);
    });
  }

  /**
   * A plain HTTP endpoint: {@code GET url} is UP on a 2xx answer, or on exactly {@link
   * Builder#expectStatus} when set, and, with {@link Builder#bodyContains}, only when the body holds
   * that text (the body is never put in a result: it may hold anything). Details: {@code status}.
   */
  public static Builder http(String url) {
    return new Builder(url, "", r -> CheckResult.up(Map.of("status", r.status)));
  }

  static CheckResult judgeElasticsearch(Response r) {
    JsonNode n;
    try {
      n = HttpServiceConnectionManager.DEFAULT_MAPPER.readTree(r.body);
    } catch (Exception e) {
      return CheckResult.down("GET /_cluster/health: body is not JSON");
    }
    String status = n.path("status").asText("");
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("cluster", n.path("cluster_name").asText(""));
    d.put("status", status);
    d.put("nodes", n.path("number_of_nodes").asInt(-1));
    d.put("dataNodes", n.path("number_of_data_nodes").asInt(-1));
    d.put("unassignedShards", n.path("unassigned_shards").asInt(-1));
    switch (status.toLowerCase(Locale.ROOT)) {
      case "green":
        return CheckResult.up(d);
      case "yellow":
        return new CheckResult(CheckResult.Outcome.DEGRADED, null,
            "cluster status yellow: " + d.get("unassignedShards") + " unassigned shards", d);
      case "red":
        return new CheckResult(CheckResult.Outcome.DOWN, null,
            "cluster status red: " + d.get("unassignedShards") + " unassigned shards", d);
      default:
        return new CheckResult(CheckResult.Outcome.DOWN, null, "unknown cluster status '" + status + "'", d);
    }
  }

  /** A 2xx response read by a check. */
  static final class Response {
    final int status;
    final String body;

    Response(int status, String body) {
      this.status = status;
      this.body = body;
    }
  }

  /** Builds one of the checks. Not thread-safe; the built check is. */
  public static final class Builder {
    private final URI url;
    private final String display;
    private final Function<Response, CheckResult> judge;
    private Duration timeout = Duration.ofSeconds(5);
    private String authorization;
    private HttpClient client;
    private int expectStatus;
    private String bodyContains;

    private Builder(String baseUrl, String path, Function<Response, CheckResult> judge) {
      Objects.requireNonNull(baseUrl, "baseUrl");
      HttpServiceConfig parsed = HttpServiceConfig.builder("check").baseUrl(baseUrl).build();
      String b = parsed.baseUrl().toString();
      this.url = URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + path);
      this.display = Urls.sanitize(url.toString());
      this.judge = judge;
      if (parsed.basicCredentials() != null) {
        authorization = "Basic " + parsed.basicCredentials();
      }
    }

    /** Bound on the whole check (default 5 s). */
    public Builder timeout(Duration timeout) {
      if (timeout == null || timeout.isZero() || timeout.isNegative()) {
        throw new ConfigurationException("timeout", timeout == null ? "null" : Durations.format(timeout), "must be > 0");
      }
      this.timeout = timeout;
      return this;
    }

    /** The one status that means UP (100-599); default: any 2xx. */
    public Builder expectStatus(int status) {
      if (status < 100 || status > 599) {
        throw new ConfigurationException("expectStatus", status, "must be an HTTP status between 100 and 599");
      }
      this.expectStatus = status;
      return this;
    }

    /** Text the response body must contain for UP (matched within the first 64 KiB). */
    public Builder bodyContains(String text) {
      if (text == null || text.isEmpty()) {
        throw new ConfigurationException("bodyContains", text == null ? "null" : "\"\"", "must not be empty");
      }
      this.bodyContains = text;
      return this;
    }

    /** HTTP basic authentication. */
    public Builder basicAuth(String user, String password) {
      authorization = "Basic " + Base64.getEncoder().encodeToString(
          (user + ":" + password).getBytes(StandardCharsets.UTF_8));
      return this;
    }

    /** Elasticsearch API key ({@code Authorization: ApiKey <key>}). */
    public Builder apiKey(String encodedKey) {
      authorization = "ApiKey " + Objects.requireNonNull(encodedKey, "encodedKey");
      return this;
    }

    /** Bearer token ({@code Authorization: Bearer <token>}). */
    public Builder bearerToken(String token) {
      authorization = "Bearer " + Objects.requireNonNull(token, "token");
      return this;
    }

    /** Use this client (default: a new one with the timeout as connect timeout). */
    public Builder client(HttpClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    public HealthCheck build() {
      HttpClient c = client != null ? client
          : HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
      HttpRequest.Builder rb = HttpRequest.newBuilder(url).timeout(timeout).GET()
          .header("Accept", "application/json");
      if (authorization != null) {
        rb.header("Authorization", authorization);
      }
      HttpRequest req = rb.build();
      BoundedBodyHandler handler = new BoundedBodyHandler(MAX_BODY);
      long nanos = timeout.toNanos();
      String shown = display;
      Function<Response, CheckResult> j = judge;
      int expected = expectStatus;
      String mustContain = bodyContains;
      return new HealthCheck() {
        @Override
        public CheckResult check() throws Exception {
          return checkAsync().toCompletableFuture().get();
        }

        @Override
        public CompletionStage<CheckResult> checkAsync() {
          CompletableFuture<HttpResponse<byte[]>> f = c.sendAsync(req, handler);
          return f.copy().orTimeout(nanos, TimeUnit.NANOSECONDS).handle((resp, err) -> {
            if (err != null) {
              Throwable t = ErrorClassifier.unwrap(err);
              if (t instanceof TimeoutException) {
                f.cancel(true);
                t = new HttpTimeoutException("no answer within " + Durations.format(timeout));
              }
              return CheckResult.down(t);
            }
            String body = new String(resp.body(), StandardCharsets.UTF_8);
            if (expected != 0 || mustContain != null) {
              int status = resp.statusCode();
              if (expected != 0 ? status != expected : status / 100 != 2) {
                return CheckResult.down("GET " + shown + " answered " + status + ", expected "
                    + (expected != 0 ? String.valueOf(expected) : "2xx"));
              }
              if (mustContain != null && !body.contains(mustContain)) {
                return CheckResult.down("GET " + shown + " answered " + status
                    + " without the expected text in its body");
              }
              return j.apply(new Response(status, body));
            }
            if (resp.statusCode() / 100 != 2) {
              // Elasticsearch answers 408 on a timed-out wait and 503 while no master: both are down,
              // but its body still says why
              CheckResult judged = resp.statusCode() == 408 || resp.statusCode() == 503
                  ? j.apply(new Response(resp.statusCode(), body)) : null;
              if (judged != null && judged.outcome() != CheckResult.Outcome.UP) {
                return judged;
              }
              return NotSuccess.check("GET " + shown, resp.statusCode(), resp.headers());
            }
            return j.apply(new Response(resp.statusCode(), body));
          });
        }

        @Override
        public boolean isAsync() {
          return true;
        }

        @Override
        public String toString() {
          return "HealthCheck[GET " + shown + "]";
        }
      };
    }
  }
}
