package io.lifeline.demo;

import java.net.URI;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The dashboard as a user sees it: cards, features, counters, buttons. Waits, never sleeps. */
final class DashboardPage {
  private final WebDriver driver;

  DashboardPage(WebDriver driver) {
    this.driver = driver;
  }

  DashboardPage open(URI uri) {
    driver.get(uri.toString());
    return this;
  }

  WebDriverWait waiting(Duration d) {
    WebDriverWait w = new WebDriverWait(driver, d);
    w.pollingEvery(Duration.ofMillis(50));
    w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    w.ignoring(org.openqa.selenium.NoSuchElementException.class);
    return w;
  }

  String serviceStatus(String service) {
    return text("[data-service=\"" + service + "\"] [data-field=status]");
  }

  String featureState(String feature) {
    return text("[data-feature=\"" + feature + "\"] [data-field=state]");
  }

  String counter(String backend, String counter) {
    return text("tr[data-backend=\"" + backend + "\"] td[data-counter=\"" + counter + "\"]");
  }

  WebElement button(String service, String action) {
    return driver.findElement(By.cssSelector("button[data-action=\"" + service + "/" + action + "\"]"));
  }

  /** Presses a chaos button the way a keyboard user does: focus, then Enter. */
  void press(String service, String action) {
    WebElement b = waiting(Duration.ofSeconds(10)).until(ExpectedConditions.elementToBeClickable(
        By.cssSelector("button[data-action=\"" + service + "/" + action + "\"]")));
    b.sendKeys(org.openqa.selenium.Keys.ENTER);
  }

  String actionResult() {
    return text("#action-result");
  }

  /** Card names exactly as rendered (text). */
  String cardTitle(int index) {
    return text(".card:nth-of-type(" + (index + 1) + ") h3");
  }

  boolean tokenFormVisible() {
    return driver.findElement(By.id("token-form")).isDisplayed();
  }

  void enterToken(String token) {
    driver.findElement(By.id("token-input")).sendKeys(token);
    driver.findElement(By.id("token-submit")).click();
  }

  long horizontalOverflow() {
    Object v = ((JavascriptExecutor) driver).executeScript(
        "return document.documentElement.scrollWidth - window.innerWidth;");
    return ((Number) v).longValue();
  }

  /**
   * The text of the element {@code css} selects, read in one script call: the page redraws its cards
   * on every event, so a found element may be replaced before a second call reads it.
   */
  private String text(String css) {
    Object v = ((JavascriptExecutor) driver).executeScript(
        "var e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css);
    return v == null ? "" : v.toString();
  }
}
