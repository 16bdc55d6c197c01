package io.lifeline.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.console.ConsoleOptions;
import io.lifeline.console.LifelineConsole;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.ServiceType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The dashboard of a running demo (real Redis, PostgreSQL, Neo4j, Graphiti stub) in headless
 * Chromium: a keyboard press on "kill" for Redis turns its card UNAVAILABLE and the caching feature
 * degraded within 2 s while the application sees no Redis errors; "restart" brings it back to
 * HEALTHY; phone width has no horizontal scroll; a hostile service name renders as text; a console
 * with a token asks for it. The screenshot in the README ({@code docs/dashboard.png}) is taken here.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {
  private static final String XSS = "<img src=x onerror=alert(1)>";
  private static Demo demo;
  private static ChromeDriver driver;
  private static DashboardPage page;

  @BeforeAll
  static void start() throws Exception {
    driver = Browser.start(1280, 1500);
    demo = Demo.start(new Demo.Options(0, null, 20, new PrintStream(new ByteArrayOutputStream(), true)));
    page = new DashboardPage(driver).open(demo.uri());
    page.waiting(Duration.ofSeconds(60)).until(d -> demo.backends().stream()
        .allMatch(b -> demo.provenHealthy(b) && "HEALTHY".equals(page.serviceStatus(b))));
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (demo != null) {
      demo.close();
    }
  }

  @Test
  @Order(1)
  void killRedisFromTheDashboardShowsUnavailableAndCachingDegradedWithinTwoSecondsWithNoAppErrors()
      throws Exception {
    assertThat(page.featureState("caching")).isEqualTo("available");
    page.press("redis", "kill");
    page.waiting(Duration.ofSeconds(2)).until(d -> "UNAVAILABLE".equals(page.serviceStatus("redis"))
        && "degraded".equals(page.featureState("caching")));
    // the application keeps calling Redis and is answered by the fallback cache
    long fallbacks = Long.parseLong(page.counter("redis", "fallbacks"));
    page.waiting(Duration.ofSeconds(5)).until(d -> Long.parseLong(page.counter("redis", "fallbacks")) > fallbacks);
    assertThat(page.counter("redis", "errors")).isEqualTo("0");
    assertThat(page.actionResult()).contains("redis killed");
    Path shot = driver.getScreenshotAs(OutputType.FILE).toPath();
    Path docs = Path.of("..", "docs");
    Files.createDirectories(docs);
    Files.copy(shot, docs.resolve("dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  @Order(2)
  void restartRedisFromTheDashboardBringsItBackToHealthy() {
    page.press("redis", "restart");
    page.waiting(Duration.ofSeconds(15)).until(d -> "HEALTHY".equals(page.serviceStatus("redis"))
        && "available".equals(page.featureState("caching")));
    assertThat(page.counter("redis", "errors")).isEqualTo("0");
  }

  @Test
  @Order(3)
  void atPhoneWidthThePageHasNoHorizontalScroll() {
    driver.manage().window().setSize(new Dimension(390, 844));
    page.open(demo.uri());
    page.waiting(Duration.ofSeconds(10)).until(d -> "HEALTHY".equals(page.serviceStatus("redis")));
    assertThat(page.horizontalOverflow()).isLessThanOrEqualTo(0);
    driver.manage().window().setSize(new Dimension(1280, 1500));
  }

  @Test
  @Order(4)
  void aHostileServiceNameRendersAsText() {
    try (ConnectionHealthManager health = health(XSS);
        LifelineConsole console = LifelineConsole.start(health, ConsoleOptions.builder().port(0).build())) {
      page.open(console.uri());
      page.waiting(Duration.ofSeconds(10)).until(d -> !d.findElements(By.cssSelector(".card h3")).isEmpty());
      assertThat(page.cardTitle(0)).isEqualTo(XSS);
      assertThat(driver.findElements(By.cssSelector("main img"))).isEmpty();
      assertThat(alertPresent()).isFalse();
    }
  }

  @Test
  @Order(5)
  void withATokenThePageAsksForItAndThenShowsTheServices() {
    String token = "browser-token-42";
    try (ConnectionHealthManager health = health("orders-db");
        LifelineConsole console = LifelineConsole.start(health, ConsoleOptions.builder().port(0).token(token)
            .build())) {
      driver.executeScript("sessionStorage.clear();");
      page.open(console.uri());
      driver.executeScript("sessionStorage.clear();");
      page.open(console.uri());
      page.waiting(Duration.ofSeconds(10)).until(d -> page.tokenFormVisible());
      assertThat(driver.findElements(By.cssSelector(".card"))).isEmpty();
      page.enterToken("wrong-token-123");
      page.waiting(Duration.ofSeconds(10)).until(d -> page.tokenFormVisible()
          && d.findElement(By.id("token-error")).getText().contains("not accepted"));
      driver.findElement(By.id("token-input")).clear();
      page.enterToken(token);
      page.waiting(Duration.ofSeconds(10)).until(d -> "HEALTHY".equals(page.serviceStatus("orders-db")));
      assertThat(page.tokenFormVisible()).isFalse();
    }
  }

  @Test
  @Order(6)
  void whenTheStreamIsRefusedThePagePollsHealthAndAfterAServerRestartItReconnectsByItself() throws Exception {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    try (ConnectionHealthManager health = health("search-api")) {
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      try (LifelineConsole console = LifelineConsole.start(health, ConsoleOptions.builder().port(port)
          .maxEventClients(1).build())) {
        // the only stream slot is taken: the page is refused a stream and falls back to polling /health
        java.net.http.HttpResponse<java.io.InputStream> taken = http.send(java.net.http.HttpRequest.newBuilder(
            console.uri().resolve("/events")).build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        assertThat(taken.statusCode()).isEqualTo(200);
        page.open(console.uri());
        page.waiting(Duration.ofSeconds(10)).until(d -> "HEALTHY".equals(page.serviceStatus("search-api"))
            && d.findElement(By.id("conn")).getText().startsWith("polling"));
        taken.body().close();
      }
      // the server goes away and comes back on the same port: the page reconnects to the stream by itself
      page.waiting(Duration.ofSeconds(10)).until(d -> !d.findElement(By.id("conn")).getText().equals("live"));
      try (LifelineConsole again = LifelineConsole.start(health, ConsoleOptions.builder().port(port).build())) {
        page.waiting(Duration.ofSeconds(15)).until(d -> "live".equals(d.findElement(By.id("conn")).getText())
            && "HEALTHY".equals(page.serviceStatus("search-api")));
      }
    }
  }

  private static ConnectionHealthManager health(String service) {
    ConnectionHealthManager h = ConnectionHealthManager.builder().checkInterval(Duration.ofMillis(200)).build();
    h.register(service, ServiceType.CUSTOM, CheckResult::up, Set.of("caching"));
    return h.start();
  }

  private static boolean alertPresent() {
    try {
      driver.switchTo().alert();
      return true;
    } catch (NoAlertPresentException e) {
      return false;
    }
  }
}
