package io.lifeline.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** The runnable jar's entry point: {@code java -jar lifeline-cli-<version>-all.jar check --config lifeline.yml}. */
public final class Main {
  /** How long SIGTERM waits for {@code serve} to close its managers and console. */
  private static final long SHUTDOWN_SECONDS = 10;

  private Main() {}

  public static void main(String[] args) {
    // check prints every outcome in its table: its managers' WARNs would say it all twice
    if (args.length > 0 && args[0].equals("check") && System.getenv("LIFELINE_LOG_LEVEL") == null) {
      System.setProperty("LIFELINE_LOG_LEVEL", "ERROR"); // read by logback.xml, before the first logger
    }
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    AtomicBoolean shuttingDown = new AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      shuttingDown.set(true);
      stop.countDown();
      try {
        done.await(SHUTDOWN_SECONDS, TimeUnit.SECONDS); // let serve close cleanly before the JVM halts
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "lifeline-shutdown"));
    PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    int code = Cli.run(new Cli.Context(System.getenv(), out, err, stop), args);
    done.countDown();
    if (!shuttingDown.get()) { // System.exit during shutdown would block for ever
      System.exit(code);
    }
  }
}
