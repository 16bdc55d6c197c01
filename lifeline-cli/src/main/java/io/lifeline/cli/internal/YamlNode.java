package io.lifeline.cli.internal;

import java.util.List;
import java.util.Map;

/**
 * A node of a parsed YAML document, with the line it starts on. Keys keep the user's order; a
 * mapping that repeated a key keeps the first value and lists the repeats in {@link Mapping#duplicates}.
 */
public sealed interface YamlNode {
  int line();

  /** How the node is named in a problem when it is not a scalar. */
  String shown();

  /** {@code key: value} pairs. */
  record Mapping(Map<String, YamlNode> entries, List<String> duplicates, int line) implements YamlNode {
    @Override
    public String shown() {
      return "a mapping";
    }
  }

  /** {@code - item} lists. */
  record Sequence(List<YamlNode> items, int line) implements YamlNode {
    @Override
    public String shown() {
      return "a list";
    }
  }

  /**
   * A scalar: {@code String}, {@code Long}, {@code java.math.BigInteger}, {@code Double}, {@code
   * Boolean}, or {@code null} for YAML null. {@code text} is the text the user wrote.
   */
  record Scalar(Object value, String text, int line) implements YamlNode {
    @Override
    public String shown() {
      return text;
    }
  }
}
