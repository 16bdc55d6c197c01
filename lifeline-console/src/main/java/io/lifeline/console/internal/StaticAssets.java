package io.lifeline.console.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The dashboard's files, read from the jar once at start: path → bytes, content type and a strong
 * ETag (SHA-256). Not API.
 */
public final class StaticAssets {
  /** One file. */
  public record Asset(byte[] body, String contentType, String etag) {}

  private static final String BASE = "/io/lifeline/console/dashboard/";
  private final Map<String, Asset> assets;

  public StaticAssets() {
    assets = Map.of(
        "/", load("index.html", "text/html; charset=utf-8"),
        "/index.html", load("index.html", "text/html; charset=utf-8"),
        "/dashboard.css", load("dashboard.css", "text/css; charset=utf-8"),
        "/dashboard.js", load("dashboard.js", "text/javascript; charset=utf-8"),
        "/favicon.svg", load("favicon.svg", "image/svg+xml"));
  }

  /** The asset served at {@code path}, or null. */
  public Asset get(String path) {
    return assets.get(path);
  }

  private static Asset load(String name, String type) {
    try (InputStream in = StaticAssets.class.getResourceAsStream(BASE + name)) {
      if (in == null) {
        throw new IllegalStateException("dashboard resource missing from the jar: " + BASE + name);
      }
      byte[] body = in.readAllBytes();
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      return new Asset(body, type, "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
