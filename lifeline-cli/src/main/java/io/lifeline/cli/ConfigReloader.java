package io.lifeline.cli;

import io.lifeline.core.ConfigurationException;
import io.lifeline.core.Secrets;
import io.lifeline.core.internal.LifelineThreads;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload for {@code serve}: reads the configuration file every {@code every} (bounded like the
 * first load: at most 1 MiB, strict UTF-8) and, when its text changed, validates it in full. A
 * valid file is {@linkplain LifelineServer#apply applied}; an invalid one is rejected — the running
 * configuration stays, each problem is logged once at WARN (one line each, masked like the CLI's
 * own errors) and shown under {@code "config"} in {@code /health} until a valid version is saved.
 *
 * <p>Polling the text rather than a {@code WatchService}: editors save by rename, by truncate and
 * write, or through symlinks (Kubernetes ConfigMaps); comparing the content once a second sees all
 * of them, and a half-written file is at worst rejected once and applied on the next poll.
 */
final class ConfigReloader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

  private final Path file;
  private final String shown;
  private final ConfigLoader loader;
  private final LifelineServer server;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private String lastText;
  private long reloads;
  private long rejected;

  ConfigReloader(Path file, String shown, String initialText, ConfigLoader loader, LifelineServer server,
      Duration every) {
    this.file = file;
    this.shown = shown;
    this.loader = loader;
    this.server = server;
    this.clock = Clock.systemUTC();
    this.lastText = initialText;
    status("loaded", List.of(), null);
    this.timer = Executors.newSingleThreadScheduledExecutor(LifelineThreads.factory("lifeline-reload-"));
    timer.scheduleWithFixedDelay(this::pollSafely, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void pollSafely() {
    try {
      poll();
    } catch (RuntimeException e) {
      LOG.warn("configuration {}: reload failed ({}); the running configuration stays", Secrets.redact(shown),
          Secrets.describe(e));
    }
  }

  /** One look at the file; package-private so tests can drive it without waiting. */
  void poll() {
    String text;
    try {
      text = ConfigLoader.readText(file, shown);
    } catch (ConfigurationException e) {
      boolean again = lastText == null && "rejected".equals(lastOutcome);
      lastText = null; // whatever is readable next is parsed, even the text applied before
      if (!again) {
        reject(e);
      }
      return;
    }
    if (text.equals(lastText)) {
      return;
    }
    lastText = text;
    LifelineConfig next;
    try {
      next = loader.parse(text, shown);
    } catch (ConfigurationException e) {
      reject(e);
      return;
    }
    LifelineServer.Applied a = server.apply(next);
    reloads++;
    LOG.info("configuration {} reloaded: {}", Secrets.redact(shown), a);
    if (!a.needRestart().isEmpty()) {
      LOG.warn("configuration {}: changes to {} take effect only after a restart", Secrets.redact(shown),
          String.join(", ", a.needRestart()));
    }
    status("applied", List.of(), a);
  }

  private void reject(ConfigurationException e) {
    rejected++;
    List<String> lines = new ArrayList<>();
    for (ConfigurationException.Problem p : e.problems()) {
      lines.add(p.toString());
      LOG.warn("configuration {} rejected, the running configuration stays: {}", Secrets.redact(shown), p);
    }
    status("rejected", lines, null);
  }

  private volatile String lastOutcome;

  private void status(String outcome, List<String> problems, LifelineServer.Applied applied) {
    lastOutcome = outcome;
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("file", Secrets.redact(shown));
    s.put("lastReload", outcome);
    s.put("at", clock.instant().toString());
    s.put("reloads", reloads);
    s.put("rejected", rejected);
    s.put("problems", List.copyOf(problems));
    if (applied != null) {
      s.put("added", applied.added());
      s.put("removed", applied.removed());
      s.put("retuned", applied.retuned());
      s.put("alertSinksChanged", applied.alertSinks());
      s.put("needRestart", applied.needRestart());
    }
    server.configStatus(s);
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
