package io.lifeline.spring;

import io.lifeline.core.ConfigurationException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A {@code lifeline.*} (or {@code spring.*}) property that Lifeline rejected: each problem names
 * the property as the user wrote it, its value (masked when secret, URL credentials masked) and
 * what is allowed. {@link LifelineFailureAnalyzer} turns it into Boot's start-up failure report.
 */
public final class LifelinePropertyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<ConfigurationException.Problem> problems;

  LifelinePropertyException(List<ConfigurationException.Problem> problems, Throwable cause) {
    super(problems.stream().map(ConfigurationException.Problem::toString).collect(Collectors.joining("; ")),
        cause, false, false);
    this.problems = List.copyOf(problems);
  }

  /** Every rejected property, named as in the application's configuration. */
  public List<ConfigurationException.Problem> problems() {
    return problems;
  }
}
