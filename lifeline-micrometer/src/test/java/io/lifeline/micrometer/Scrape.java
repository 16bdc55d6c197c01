package io.lifeline.micrometer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A parsed Prometheus text exposition: its series (name, labels, value). */
final class Scrape {
  record Series(String name, Map<String, String> labels, double value) {}

  private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)(\\s+\\S+)?$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  final String text;
  final List<Series> series = new ArrayList<>();

  Scrape(String text) {
    this.text = text;
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a sample line: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      series.add(new Series(m.group(1), labels, Double.parseDouble(m.group(4))));
    }
  }

  /** Series named {@code name} whose labels include every pair of {@code labels} (key, value …). */
  List<Series> find(String name, String... labels) {
    List<Series> out = new ArrayList<>();
    for (Series s : series) {
      if (s.name.equals(name) && matches(s, labels)) {
        out.add(s);
      }
    }
    return out;
  }

  /** The sum of the values of {@link #find}. */
  double sum(String name, String... labels) {
    return find(name, labels).stream().mapToDouble(Series::value).sum();
  }

  private static boolean matches(Series s, String[] labels) {
    for (int i = 0; i < labels.length; i += 2) {
      if (!labels[i + 1].equals(s.labels.get(labels[i]))) {
        return false;
      }
    }
    return true;
  }

  /** Every metric family name, as PromQL sees it ({@code _bucket}, {@code _count} … included). */
  Set<String> names() {
    Set<String> out = new TreeSet<>();
    series.forEach(s -> out.add(s.name));
    return out;
  }

  int size() {
    return series.size();
  }

  /** Every label value of every series (for the "no secret, no key" checks). */
  Set<String> labelValues() {
    Set<String> out = new TreeSet<>();
    series.forEach(s -> out.addAll(s.labels.values()));
    return out;
  }
}
