package io.lifeline.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks {@code ops/grafana/lifeline-dashboard.json} against what a registry really renders: it
 * parses (Jackson), every panel has PromQL, every {@code lifeline_*} metric that PromQL names was
 * scraped, the {@code instance} variable is multi-select with "All", and a Prometheus datasource
 * variable feeds every panel.
 */
final class DashboardCheck {
  private DashboardCheck() {}

  static final Path DASHBOARD = Path.of("..", "ops", "grafana", "lifeline-dashboard.json");
  private static final Pattern METRIC = Pattern.compile("\\blifeline_[a-z0-9_]+");

  static void assertDashboardMatches(Set<String> scraped) throws Exception {
    JsonNode root = new ObjectMapper().readTree(Files.readString(DASHBOARD));
    JsonNode variables = root.path("templating").path("list");
    JsonNode datasource = find(variables, "datasource");
    assertThat(datasource).as("a datasource variable").isNotNull();
    assertThat(datasource.path("type").asText()).isEqualTo("datasource");
    assertThat(datasource.path("query").asText()).isEqualTo("prometheus");
    JsonNode instance = find(variables, "instance");
    assertThat(instance).as("an instance variable").isNotNull();
    assertThat(instance.path("multi").asBoolean()).as("instance: multi-select").isTrue();
    assertThat(instance.path("includeAll").asBoolean()).as("instance: All").isTrue();
    assertThat(instance.path("datasource").path("uid").asText()).isEqualTo("${datasource}");

    List<String> referenced = new ArrayList<>();
    JsonNode panels = root.path("panels");
    assertThat(panels.size()).isGreaterThanOrEqualTo(8);
    for (JsonNode panel : panels) {
      String title = panel.path("title").asText();
      assertThat(panel.path("datasource").path("uid").asText()).as(title).isEqualTo("${datasource}");
      JsonNode targets = panel.path("targets");
      assertThat(targets.size()).as("%s has a query", title).isPositive();
      for (JsonNode t : targets) {
        String expr = t.path("expr").asText();
        assertThat(expr).as("%s: filtered by $instance", title).contains("instance=~\"$instance\"");
        Matcher m = METRIC.matcher(expr);
        boolean any = false;
        while (m.find()) {
          referenced.add(m.group());
          any = true;
        }
        assertThat(any).as("%s names a Lifeline metric: %s", title, expr).isTrue();
      }
    }
    Set<String> missing = new TreeSet<>(referenced);
    missing.removeAll(scraped);
    assertThat(missing).as("metrics the dashboard queries but lifeline-micrometer does not emit")
        .isEmpty();
    Set<String> panelTitles = new TreeSet<>();
    panels.forEach(p -> panelTitles.add(p.path("title").asText()));
    assertThat(panelTitles).contains("Service status per instance", "Call rate by outcome",
        "Error rate", "Latency p50 / p99", "Circuit breaker state", "Redis fallback hit ratio",
        "Journal depth");
  }

  private static JsonNode find(JsonNode variables, String name) {
    for (JsonNode v : variables) {
      if (name.equals(v.path("name").asText())) {
        return v;
      }
    }
    return null;
  }
}
