package io.lifeline.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lifeline config validate FILE} and {@code lifeline config example}. */
@Command(name = "config", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Validate a configuration file, or print a commented example.")
final class ConfigCommand implements Runnable {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The example printed by {@code config example}. */
  static String example() {
    try (InputStream in = ConfigCommand.class.getResourceAsStream("example-lifeline.yml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Command(name = "validate", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
      description = "Check FILE completely (every problem, one line each) without contacting any service. "
          + "Exit 0 when valid, 3 otherwise.")
  static final class Validate implements Callable<Integer> {
    private final Cli.Context ctx;

    @Parameters(index = "0", paramLabel = "FILE", description = "The YAML configuration.")
    String file;

    Validate(Cli.Context ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      LifelineConfig c = new ConfigLoader(ctx.env()).load(file);
      ctx.out().println(file + ": valid (" + c.services().size() + " services, " + c.features().size()
          + " features, " + c.criticalFeatures().size() + " critical)");
      return ExitCodes.OK;
    }
  }

  @Command(name = "example", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
      description = "Print a commented example configuration (it validates as is).")
  static final class Example implements Callable<Integer> {
    private final Cli.Context ctx;

    Example(Cli.Context ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      ctx.out().print(example());
      return ExitCodes.OK;
    }
  }
}
