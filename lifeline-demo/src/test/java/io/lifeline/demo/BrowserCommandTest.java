package io.lifeline.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which command opens the dashboard (pure logic; {@code DemoProcessTest} runs the real process with one). */
class BrowserCommandTest {
  static final String URL = "http://127.0.0.1:9464/";

  @Test
  void browserVariableWinsThenTheDesktopsOpener() {
    assertThat(DemoMain.browserCommand("firefox", "Linux", URL)).containsExactly("firefox", URL);
    assertThat(DemoMain.browserCommand("  ", "Linux", URL)).containsExactly("xdg-open", URL);
    assertThat(DemoMain.browserCommand(null, "Linux", URL)).containsExactly("xdg-open", URL);
    assertThat(DemoMain.browserCommand(null, "Mac OS X", URL)).containsExactly("open", URL);
    assertThat(DemoMain.browserCommand(null, "Windows 11", URL))
        .containsExactly("rundll32", "url.dll,FileProtocolHandler", URL);
  }

  @Test
  void aBrowserListTakesItsFirstEntry() {
    assertThat(DemoMain.browserCommand("chromium" + java.io.File.pathSeparator + "firefox", "Linux", URL))
        .containsExactly("chromium", URL);
  }
}
