package io.lifeline.spring;

import io.lifeline.core.ConfigurationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Start-up failure report for a rejected Lifeline property: which property, which value (masked if
 * secret) and what is allowed, instead of a wall of bean-creation stack traces.
 */
public final class LifelineFailureAnalyzer extends AbstractFailureAnalyzer<LifelinePropertyException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, LifelinePropertyException cause) {
    StringBuilder description = new StringBuilder("Lifeline rejected its configuration:\n");
    StringBuilder action = new StringBuilder("Update your application's configuration:\n");
    for (ConfigurationException.Problem p : cause.problems()) {
      description.append("\n    Property: ").append(p.key())
          .append("\n    Value:    ").append(p.value())
          .append("\n    Reason:   ").append(p.allowed()).append('\n');
      action.append("\n    ").append(p.key()).append(' ').append(p.allowed());
    }
    return new FailureAnalysis(description.toString(), action.toString(), cause);
  }
}
