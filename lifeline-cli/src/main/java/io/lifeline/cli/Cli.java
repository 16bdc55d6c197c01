package io.lifeline.cli;

import io.lifeline.core.ConfigurationException;
import io.lifeline.core.Secrets;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;

/**
 * Runs the {@code lifeline} command line in this process: {@link #run} parses the arguments, runs
 * the command and returns its exit code ({@link ExitCodes}). Errors are one line each on {@code
 * err}, never a stack trace unless {@code --verbose}; configuration problems are one line per
 * problem, exit {@value ExitCodes#CONFIG}.
 */
public final class Cli {
  private Cli() {}

  /**
   * What a command runs with: the environment ({@code ${NAME}} substitution, {@code LIFELINE_TOKEN}),
   * its output streams, and the latch that stops {@code serve} (a shutdown hook in {@link Main}).
   */
  public record Context(Map<String, String> env, PrintWriter out, PrintWriter err, CountDownLatch stop) {
    public Context {
      env = Map.copyOf(env);
      Objects.requireNonNull(out, "out");
      Objects.requireNonNull(err, "err");
      Objects.requireNonNull(stop, "stop");
    }
  }

  /** The picocli command tree for {@code ctx}. */
  public static CommandLine commandLine(Context ctx) {
    LifelineCommand root = new LifelineCommand();
    CommandLine cl = new CommandLine(root);
    cl.addSubcommand(new CheckCommand(ctx));
    cl.addSubcommand(new ServeCommand(ctx));
    CommandLine config = new CommandLine(new ConfigCommand());
    config.addSubcommand(new ConfigCommand.Validate(ctx));
    config.addSubcommand(new ConfigCommand.Example(ctx));
    cl.addSubcommand(config);
    cl.setOut(ctx.out());
    cl.setErr(ctx.err());
    cl.setParameterExceptionHandler((ex, args) -> {
      ctx.err().println("lifeline: " + Secrets.redact(ex.getMessage()) + " (see "
          + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
      ctx.err().flush();
      return ExitCodes.CONFIG;
    });
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> report(ex, root.verbose, ctx.err()));
    return cl;
  }

  /** Parses {@code args}, runs the command, returns its exit code. */
  public static int run(Context ctx, String... args) {
    int code = commandLine(ctx).execute(args);
    ctx.out().flush();
    ctx.err().flush();
    return code;
  }

  /** One line per configuration problem (exit 3), else one line for the error (exit 4). */
  static int report(Exception ex, boolean verbose, PrintWriter err) {
    int code;
    if (ex instanceof ConfigurationException c) {
      for (ConfigurationException.Problem p : c.problems()) {
        err.println("error: " + p);
      }
      code = ExitCodes.CONFIG;
    } else {
      err.println("lifeline: " + Secrets.describe(ex));
      code = ExitCodes.INTERNAL;
    }
    if (verbose) {
      StringWriter trace = new StringWriter();
      ex.printStackTrace(new PrintWriter(trace));
      err.print(Secrets.redact(trace.toString()));
    }
    err.flush();
    return code;
  }
}
