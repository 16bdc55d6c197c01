package io.lifeline.cli.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.lifeline.core.Secrets;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads YAML text into {@link YamlNode}s with Jackson's streaming YAML parser, keeping what a
 * binder needs for exact problems: line numbers, the scalar's own text, and repeated keys (which a
 * map-building parser would silently overwrite). Nothing is validated here.
 */
public final class YamlReader {
  private static final YAMLFactory YAML = YAMLFactory.builder().build();
  /** Deeper than any Lifeline configuration needs; bounds the recursion. */
  private static final int MAX_DEPTH = 32;

  private YamlReader() {}

  /** The document's root, or throws {@link BrokenYamlException} naming the line and the reason. */
  public static YamlNode read(String text) {
    try (JsonParser p = YAML.createParser(text)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return new YamlNode.Scalar(null, "an empty document", 1);
      }
      YamlNode root = node(p, t, 0);
      if (p.nextToken() != null) {
        throw new BrokenYamlException(line(p.currentLocation()), "more than one YAML document (---)");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw new BrokenYamlException(line(e.getLocation()), reason(e));
    } catch (IOException e) {
      throw new BrokenYamlException(0, Secrets.describe(e));
    }
  }

  private static YamlNode node(JsonParser p, JsonToken t, int depth) throws IOException {
    int line = line(p.currentTokenLocation());
    if (depth > MAX_DEPTH) {
      throw new BrokenYamlException(line, "nested deeper than " + MAX_DEPTH + " levels");
    }
    switch (t) {
      case START_OBJECT: {
        Map<String, YamlNode> entries = new LinkedHashMap<>();
        List<String> duplicates = new ArrayList<>();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String key = p.currentName();
          YamlNode value = node(p, p.nextToken(), depth + 1);
          if (entries.putIfAbsent(key, value) != null) {
            duplicates.add(key);
          }
        }
        return new YamlNode.Mapping(entries, duplicates, line);
      }
      case START_ARRAY: {
        List<YamlNode> items = new ArrayList<>();
        for (JsonToken i = p.nextToken(); i != JsonToken.END_ARRAY; i = p.nextToken()) {
          items.add(node(p, i, depth + 1));
        }
        return new YamlNode.Sequence(items, line);
      }
      case VALUE_STRING:
        return new YamlNode.Scalar(p.getText(), p.getText(), line);
      case VALUE_NUMBER_INT:
        return new YamlNode.Scalar(p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? p.getBigIntegerValue() : (Object) p.getLongValue(), p.getText(), line);
      case VALUE_NUMBER_FLOAT:
        return new YamlNode.Scalar(p.getDoubleValue(), p.getText(), line);
      case VALUE_TRUE:
      case VALUE_FALSE:
        return new YamlNode.Scalar(t == JsonToken.VALUE_TRUE, p.getText(), line);
      case VALUE_NULL:
        return new YamlNode.Scalar(null, "null", line);
      default:
        return new YamlNode.Scalar(p.getText(), String.valueOf(p.getText()), line);
    }
  }

  private static int line(JsonLocation l) {
    return l == null ? 0 : l.getLineNr();
  }

  /** The parser's reason without the excerpt of the document some messages quote (may hold a secret). */
  private static String reason(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (m == null) {
      return "not valid YAML";
    }
    int nl = m.indexOf('\n');
    String first = (nl < 0 ? m : m.substring(0, nl)).strip();
    return Secrets.redact(first.isEmpty() ? "not valid YAML" : first);
  }

  /** The text is not YAML; {@code line} 0 when unknown. */
  public static final class BrokenYamlException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int line;

    BrokenYamlException(int line, String reason) {
      super(reason, null, false, false);
      this.line = line;
    }

    public int line() {
      return line;
    }
  }
}
