package io.lifeline.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code lifeline}: the root command; prints its usage when called without a subcommand. */
@Command(name = "lifeline", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Checks and watches the services an application depends on (Redis, PostgreSQL, Neo4j, "
        + "HTTP, TCP ...), from a YAML configuration.",
    footer = {"", "Exit codes: 0 all healthy, 1 degraded, 2 unavailable, 3 bad configuration or usage, "
        + "4 internal error."})
final class LifelineCommand implements Runnable {
  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "On an error, also print its stack trace (secrets still masked).")
  boolean verbose;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
