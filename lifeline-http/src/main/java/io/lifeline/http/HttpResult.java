package io.lifeline.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lifeline.core.Urls;
import java.net.http.HttpHeaders;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A response: status code, headers and the whole body (read and bounded by the manager's {@code
 * maxResponseBytes}). {@link #json()} parses the body with Jackson; a body that is not valid JSON
 * gives an {@link InvalidResponseException} naming the service, method and path, not a parser stack
 * trace. Immutable and thread-safe.
 */
public final class HttpResult {
  private final String service;
  private final String method;
  private final String path;
  private final int statusCode;
  private final HttpHeaders headers;
  private final byte[] body;
  private final ObjectMapper mapper;

  HttpResult(String service, String method, String path, int statusCode, HttpHeaders headers,
      byte[] body, ObjectMapper mapper) {
    this.service = service;
    this.method = method;
    this.path = path;
    this.statusCode = statusCode;
    this.headers = headers;
    this.body = body;
    this.mapper = mapper;
  }

  /** The HTTP status code. */
  public int statusCode() {
    return statusCode;
  }

  /** True for 2xx. */
  public boolean isSuccess() {
    return statusCode >= 200 && statusCode < 300;
  }

  /** The response headers. */
  public HttpHeaders headers() {
    return headers;
  }

  /** The first value of header {@code name}, if present. */
  public Optional<String> header(String name) {
    return headers.firstValue(name);
  }

  /** The body decoded with the charset of {@code Content-Type} (UTF-8 when absent or unknown). */
  public String body() {
    return new String(body, charset());
  }

  /** A copy of the raw body. */
  public byte[] bodyBytes() {
    return body.clone();
  }

  /** Body length in bytes. */
  public int bodyLength() {
    return body.length;
  }

  /** The service that answered. */
  public String service() {
    return service;
  }

  /** The request method. */
  public String method() {
    return method;
  }

  /** The request path (with query), as given. */
  public String path() {
    return path;
  }

  /**
   * The body as a JSON tree.
   *
   * @throws InvalidResponseException if the body is empty or not valid JSON
   */
  public JsonNode json() {
    if (body.length == 0) {
      throw new InvalidResponseException(service, method, path, statusCode, "empty body, expected JSON");
    }
    return parse(() -> mapper.readTree(body));
  }

  /** The body bound to {@code type} (unknown properties are ignored). */
  public <T> T json(Class<T> type) {
    return parse(() -> mapper.readValue(body, type));
  }

  /** The body bound to a generic {@code type}, e.g. {@code new TypeReference<List<Episode>>() {}}. */
  public <T> T json(TypeReference<T> type) {
    return parse(() -> mapper.readValue(body, type));
  }

  @FunctionalInterface
  private interface Parse<T> {
    T run() throws java.io.IOException;
  }

  /** Runs a Jackson read; its failures become {@link InvalidResponseException} naming this call. */
  private <T> T parse(Parse<T> read) {
    try {
      return read.run();
    } catch (JacksonException e) {
      throw invalidJson(e);
    } catch (java.io.IOException e) {
      throw new InvalidResponseException(service, method, path, statusCode, "unreadable body");
    }
  }

  private InvalidResponseException invalidJson(JacksonException e) {
    StringBuilder why = new StringBuilder(body.length == 0 ? "empty body" : "body is not the expected JSON");
    if (e.getLocation() != null) {
      why.append(" at line ").append(e.getLocation().getLineNr())
          .append(", column ").append(e.getLocation().getColumnNr());
    }
    String detail = e.getOriginalMessage();
    if (detail != null) {
      int nl = detail.indexOf('\n');
      detail = nl >= 0 ? detail.substring(0, nl) : detail;
      if (detail.length() > 160) {
        detail = detail.substring(0, 160) + "…";
      }
      why.append(": ").append(io.lifeline.core.Secrets.redact(detail));
    }
    why.append(" (").append(body.length).append(" bytes)");
    return new InvalidResponseException(service, method, path, statusCode, why.toString());
  }

  private Charset charset() {
    String ct = headers.firstValue("Content-Type").orElse(null);
    if (ct != null) {
      int i = ct.toLowerCase(java.util.Locale.ROOT).indexOf("charset=");
      if (i >= 0) {
        String cs = ct.substring(i + 8).trim();
        int end = cs.indexOf(';');
        cs = (end >= 0 ? cs.substring(0, end) : cs).replace("\"", "").trim();
        try {
          return Charset.forName(cs);
        } catch (RuntimeException unknown) {
          return StandardCharsets.UTF_8;
        }
      }
    }
    return StandardCharsets.UTF_8;
  }

  @Override
  public String toString() {
    return "HttpResult[" + service + " " + method + " " + Urls.sanitize(path) + " -> " + statusCode
        + ", " + body.length + " bytes]";
  }
}
