package io.lifeline.demo;

import io.lifeline.core.health.ServiceStatus;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code ./lifeline demo --chaos}: kill Redis, black-hole Neo4j, stop PostgreSQL, restoring each in
 * turn while the application keeps running, then checks and prints: zero application errors on Redis
 * calls (the fallback answered), zero lost orders (every acknowledged order is in the table exactly
 * once after the journal's replay, checked with SQL), every backend HEALTHY again, and the detection
 * and recovery time of each step. {@link #run()} returns the failures (empty = pass).
 */
final class ChaosScenario {
  /** One break-and-restore step. */
  record Step(String backend, String breakAction, String restoreAction) {}

  static final List<Step> STEPS = List.of(new Step("redis", "kill", "restart"),
      new Step("neo4j", "blackhole", "restart"), new Step("postgres", "stop", "restart"));
  private static final Duration DETECT_LIMIT = Duration.ofSeconds(15);
  private static final Duration RECOVER_LIMIT = Duration.ofSeconds(30);

  private final Demo demo;
  private final PrintStream out;
  private final Duration hold;

  ChaosScenario(Demo demo, PrintStream out, Duration hold) {
    this.demo = demo;
    this.out = out;
    this.hold = hold;
  }

  /** Runs the scenario; the reasons it failed, empty when it passed. */
  List<String> run() throws Exception {
    List<String> failures = new ArrayList<>();
    out.println("chaos: waiting for every backend to be HEALTHY");
    if (!waitFor(Duration.ofSeconds(30), () -> allHealthy())) {
      failures.add("not every backend was HEALTHY before the scenario: " + statuses());
      return failures;
    }
    long redisErrorsBefore = demo.counters().get("redis").get("errors");
    List<String> lines = new ArrayList<>();
    for (Step s : STEPS) {
      long t0 = System.nanoTime(); // from the moment the fault is injected (stop returns after pg_ctl stop)
      out.println("chaos: " + demo.chaos(s.backend(), s.breakAction(), null));
      boolean detected = waitFor(DETECT_LIMIT, () -> demo.status(s.backend()) == ServiceStatus.UNAVAILABLE);
      long detect = System.nanoTime() - t0;
      if (!detected) {
        failures.add(s.backend() + " " + s.breakAction() + " was not detected within " + DETECT_LIMIT.toSeconds()
            + " s (" + demo.describeHealth(s.backend()) + ")");
      }
      pause(hold); // the application keeps running against the broken backend
      long t1 = System.nanoTime(); // recovery includes the backend's own restart
      out.println("chaos: " + demo.chaos(s.backend(), s.restoreAction(), null));
      boolean recovered = waitFor(RECOVER_LIMIT, () -> demo.provenHealthy(s.backend()));
      long recover = System.nanoTime() - t1;
      if (!recovered) {
        failures.add(s.backend() + " was not HEALTHY within " + RECOVER_LIMIT.toSeconds() + " s of "
            + s.restoreAction() + " (" + demo.describeHealth(s.backend()) + ")");
      }
      lines.add(String.format(Locale.ROOT, "  %-9s %-9s detected in %s, recovered in %s", s.backend(),
          s.breakAction(), detected ? secs(detect) : "NOT DETECTED", recovered ? secs(recover) : "NOT RECOVERED"));
    }
    // the journal replays by itself once PostgreSQL is back; then count the rows
    boolean replayed = waitFor(Duration.ofSeconds(30), () -> demo.journalBytes() == 0);
    if (!replayed) {
      failures.add("the order journal still holds " + demo.journalBytes() + " bytes 30 s after PostgreSQL returned");
    }
    // stop the application so the acknowledged count and the table describe the same orders
    demo.application().close();
    waitFor(Duration.ofSeconds(30), () -> demo.journalBytes() == 0);
    long acknowledged = demo.acknowledgedOrders();
    long[] rows = demo.ordersInTable();
    Map<String, Map<String, Long>> c = demo.counters();
    long redisErrors = c.get("redis").get("errors") - redisErrorsBefore;
    out.println();
    out.println("chaos summary");
    lines.forEach(out::println);
    out.printf(Locale.ROOT, "  redis     calls %d, application errors %d, fallback answers %d%n",
        c.get("redis").get("calls"), redisErrors, c.get("redis").get("fallbacks"));
    out.printf(Locale.ROOT, "  postgres  orders acknowledged %d, in the table %d (%d distinct), journaled %d, "
            + "replayed %d, errors %d%n", acknowledged, rows[0], rows[1], c.get("postgres").get("journaled"),
        c.get("postgres").get("replays"), c.get("postgres").get("errors"));
    out.printf(Locale.ROOT, "  neo4j     calls %d, errors %d (answered without recommendations)%n",
        c.get("neo4j").get("calls"), c.get("neo4j").get("errors"));
    out.printf(Locale.ROOT, "  graphiti  calls %d, errors %d%n", c.get("graphiti").get("calls"),
        c.get("graphiti").get("errors"));
    if (redisErrors != 0) {
      failures.add(redisErrors + " Redis calls failed in the application (the fallback should have answered; last: "
          + demo.application().lastRedisError() + ")");
    }
    if (rows[0] != acknowledged || rows[1] != rows[0]) {
      failures.add("orders: " + acknowledged + " acknowledged but " + rows[0] + " rows (" + rows[1]
          + " distinct) in demo_orders");
    }
    if (c.get("postgres").get("errors") != 0) {
      failures.add(c.get("postgres").get("errors") + " order writes failed in the application");
    }
    if (!waitFor(Duration.ofSeconds(10), this::allHealthy)) {
      failures.add("not every backend is HEALTHY at the end: " + statuses());
    }
    out.println(failures.isEmpty() ? "chaos: PASS" : "chaos: FAIL");
    failures.forEach(f -> out.println("  reason: " + f));
    return failures;
  }

  /** Every backend up and HEALTHY by a successful check (not only the optimistic initial status). */
  private boolean allHealthy() {
    return demo.backends().stream().allMatch(demo::provenHealthy);
  }

  private String statuses() {
    StringBuilder sb = new StringBuilder();
    demo.backends().forEach(b -> sb.append(b).append('=').append(demo.status(b)).append(' '));
    return sb.toString().trim();
  }

  private static String secs(long nanos) {
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }

  /** Polls {@code condition} every 20 ms until it holds or {@code limit} passes. */
  private static boolean waitFor(Duration limit, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }

  /** The scenario's own pacing: the application runs against the broken backend for this long. */
  private static void pause(Duration d) throws InterruptedException {
    Thread.sleep(d.toMillis());
  }
}
