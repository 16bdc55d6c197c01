package io.lifeline.demo;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium from Debian's {@code chromium} and {@code chromium-driver} packages, driven
 * through the system chromedriver: Selenium Manager is never asked to download anything. Without
 * the browser the tests are skipped on a developer machine, and fail when {@code CI} is set.
 */
final class Browser {
  static final File CHROMIUM = new File("/usr/bin/chromium");
  static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

  private Browser() {}

  static ChromeDriver start(int width, int height) {
    if (!CHROMIUM.canExecute() || !CHROMEDRIVER.canExecute()) {
      String why = "headless Chromium needs " + CHROMIUM + " and " + CHROMEDRIVER
          + " (apt-get install -y chromium chromium-driver)";
      if (System.getenv("CI") != null) {
        fail(why + "; CI is set, so this fails instead of skipping");
      }
      Assumptions.abort(why);
    }
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.getPath());
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
        .usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-extensions", "--no-first-run", "--window-size=" + width + "," + height);
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
    return driver;
  }
}
