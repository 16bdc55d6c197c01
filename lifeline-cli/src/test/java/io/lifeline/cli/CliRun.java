package io.lifeline.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** One in-process run of the command line: exit code and what it printed. */
record CliRun(int exit, String out, String err) {
  static CliRun of(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Cli.run(new Cli.Context(env, new PrintWriter(out), new PrintWriter(err), new CountDownLatch(0)), args);
    return new CliRun(code, out.toString(), err.toString());
  }

  static CliRun of(String... args) {
    return of(Map.of(), args);
  }
}
