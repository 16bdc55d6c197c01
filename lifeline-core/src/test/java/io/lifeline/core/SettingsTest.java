package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SettingsTest {

  @ParameterizedTest
  @CsvSource({
      "1, PT1S", "1.5, PT1.5S", "0, PT0S", "250ms, PT0.25S", "2s, PT2S", "5m, PT5M", "1h, PT1H",
      "1d, PT24H", "10us, PT0.00001S", "7ns, PT0.000000007S", "PT30S, PT30S", "pt2m, PT2M", "' 3s ', PT3S",
      "1.5S, PT1.5S"
  })
  void parsesDurations(String in, String expected) {
    assertThat(Settings.parseDuration("k", in)).isEqualTo(Duration.parse(expected));
  }

  @ParameterizedTest
  @CsvSource({"soon", "-1", "1 fortnight", "PT-1S", "1e3", "''"})
  void rejectsBadDurations(String in) {
    assertThatThrownBy(() -> Settings.parseDuration("K", in)).isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith("K=");
  }

  @Test
  void booleans() {
    for (String t : new String[] {"true", "YES", "on", "1"}) {
      assertThat(Settings.parseBoolean("b", t)).isTrue();
    }
    for (String f : new String[] {"false", "No", "OFF", "0"}) {
      assertThat(Settings.parseBoolean("b", f)).isFalse();
    }
    assertThatThrownBy(() -> Settings.parseBoolean("b", "y")).hasMessageStartingWith("b=y:");
  }

  @Test
  void prefixedLookupsAndBlankMeansAbsent() {
    Settings s = Settings.of(Map.of("A_X", "5", "A_BLANK", "  ", "X", "9")).withPrefix("A_");
    assertThat(s.integer("X")).contains(5);
    assertThat(s.raw("BLANK")).isEmpty();
    assertThat(s.has("Y")).isFalse();
    assertThat(s.fullKey("X")).isEqualTo("A_X");
  }

  @Test
  void secretValuesAreNeverEchoed() {
    assertThatThrownBy(() -> Settings.parseInt("DATABASE_PASSWORD", "hunter2"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageNotContaining("hunter2")
        .hasMessageStartingWith("DATABASE_PASSWORD=****");
  }
}
