package io.lifeline.cli.internal;

import io.lifeline.core.Secrets;
import io.lifeline.core.Validation;
import io.lifeline.core.internal.Durations;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads typed values out of {@link YamlNode}s, recording every problem in one {@link Validation}
 * under the path as the user wrote it ({@code services.orders-db.timeout}) and the line it is on.
 * Never throws; a value with a problem comes back as {@code null}. String scalars go through {@link
 * EnvSubstitution} first.
 */
public final class Binder {
  private final Validation v = Validation.byField();
  private final Map<String, String> env;

  public Binder(Map<String, String> env) {
    this.env = env;
  }

  /** Every problem recorded. */
  public Validation validation() {
    return v;
  }

  public static String path(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  /** Records a problem on {@code path} for {@code node}'s value. */
  public void problem(String path, YamlNode node, String allowed) {
    v.problem(path, node == null ? "null" : node.shown(), allowed + at(node));
  }

  /** Records a problem on {@code path} for a value as shown. */
  public void problem(String path, Object shown, String allowed, YamlNode node) {
    v.problem(path, shown, allowed + at(node));
  }

  private static String at(YamlNode node) {
    return node == null || node.line() <= 0 ? "" : " (line " + node.line() + ")";
  }

  /** {@code node} as a mapping, or null after a problem (null node: an empty mapping). */
  public YamlNode.Mapping mapping(String path, YamlNode node, Set<String> known) {
    if (node == null || (node instanceof YamlNode.Scalar s && s.value() == null)) {
      return new YamlNode.Mapping(Map.of(), List.of(), node == null ? 0 : node.line());
    }
    if (!(node instanceof YamlNode.Mapping m)) {
      problem(path, node, "must be a mapping (key: value lines)");
      return null;
    }
    keys(path, m, known);
    return m;
  }

  /**
   * Unknown keys (with the closest known one when close) and repeated keys. An unknown key's value
   * is never shown: it may be a misspelled password.
   */
  public void keys(String path, YamlNode.Mapping m, Set<String> known) {
    if (known != null) {
      for (Map.Entry<String, YamlNode> e : m.entries().entrySet()) {
        String key = e.getKey();
        if (!known.contains(key)) {
          String hint = DidYouMean.closest(key, known).map(k -> "; did you mean '" + k + "'?").orElse("");
          v.add(new io.lifeline.core.ConfigurationException.Problem(path(path, key), Secrets.MASK,
              "unknown key" + hint + " (allowed: " + String.join(", ", new TreeSet<>(known)) + ")"
                  + at(e.getValue())));
        }
      }
    }
    for (String dup : m.duplicates()) {
      problem(path(path, dup), Secrets.MASK, "is given more than once; keep one", m.entries().get(dup));
    }
  }

  /** A string (numbers and booleans as written), after substitution; null when absent or wrong. */
  public String string(String path, YamlNode node) {
    if (node == null) {
      return null;
    }
    if (!(node instanceof YamlNode.Scalar s)) {
      problem(path, node, "must be a text value");
      return null;
    }
    if (s.value() == null) {
      return null;
    }
    String text = s.value() instanceof String ? (String) s.value() : s.text();
    List<String> problems = new ArrayList<>(1);
    String out = EnvSubstitution.apply(text, env, problems::add);
    problems.forEach(p -> problem(path, text, p, node));
    return problems.isEmpty() ? out : null;
  }

  /** A whole number in {@code [min, max]} (a number, or text of one after substitution). */
  public Integer integer(String path, YamlNode node, int min, int max, Integer dflt) {
    if (node == null || (node instanceof YamlNode.Scalar s0 && s0.value() == null)) {
      return dflt;
    }
    String allowed = "must be a whole number between " + min + " and " + max;
    BigInteger n = null;
    if (node instanceof YamlNode.Scalar s) {
      if (s.value() instanceof Long l) {
        n = BigInteger.valueOf(l);
      } else if (s.value() instanceof BigInteger b) {
        n = b;
      } else if (s.value() instanceof String) {
        String text = string(path, node);
        if (text == null) {
          return null;
        }
        if (text.strip().matches("-?\\d{1,40}")) {
          n = new BigInteger(text.strip());
        }
      }
    }
    if (n == null) {
      problem(path, node, allowed);
      return null;
    }
    if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
      problem(path, n, allowed, node);
      return null;
    }
    return n.intValue();
  }

  /** {@code true}/{@code false}. */
  public Boolean bool(String path, YamlNode node, boolean dflt) {
    if (node == null || (node instanceof YamlNode.Scalar s0 && s0.value() == null)) {
      return dflt;
    }
    if (node instanceof YamlNode.Scalar s && s.value() instanceof Boolean b) {
      return b;
    }
    if (node instanceof YamlNode.Scalar s && s.value() instanceof String) {
      String text = string(path, node);
      if ("true".equals(text) || "false".equals(text)) {
        return Boolean.parseBoolean(text);
      }
      if (text == null) {
        return null;
      }
    }
    problem(path, node, "must be true or false");
    return null;
  }

  /** A duration in {@code [min, max]} written as {@link DurationText#FORMAT}. */
  public Duration duration(String path, YamlNode node, Duration min, Duration max, Duration dflt) {
    if (node == null || (node instanceof YamlNode.Scalar s0 && s0.value() == null)) {
      return dflt;
    }
    String allowed = "must be a duration between " + Durations.format(min) + " and " + Durations.format(max)
        + ", " + DurationText.FORMAT;
    if (!(node instanceof YamlNode.Scalar s) || !(s.value() instanceof String)) {
      problem(path, node, allowed);
      return null;
    }
    String text = string(path, node);
    if (text == null) {
      return null;
    }
    Duration d = DurationText.parse(text);
    if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      problem(path, text, allowed, node);
      return null;
    }
    return d;
  }

  /** A list of texts (a single text is a list of one). */
  public List<String> strings(String path, YamlNode node) {
    if (node == null || (node instanceof YamlNode.Scalar s0 && s0.value() == null)) {
      return List.of();
    }
    if (node instanceof YamlNode.Scalar) {
      String one = string(path, node);
      return one == null ? List.of() : List.of(one);
    }
    if (!(node instanceof YamlNode.Sequence seq)) {
      problem(path, node, "must be a list of names, e.g. [orders, caching]");
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < seq.items().size(); i++) {
      String item = string(path + "[" + i + "]", seq.items().get(i));
      if (item != null) {
        out.add(item);
      }
    }
    return out;
  }
}
