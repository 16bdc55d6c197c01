package io.lifeline.cli;

import java.util.Objects;

/**
 * A password or token read from the configuration (inline, from {@code ${ENV}} or a {@code
 * passwordFile}). Its {@link #toString()} is {@code ****}, so it cannot leak through a log line, a
 * message or a record's {@code toString}; only {@link #reveal()} gives the value, to a driver.
 */
public final class Secret {
  private final String value;

  Secret(String value) {
    this.value = Objects.requireNonNull(value, "value");
  }

  /** The value, for handing to a client library only. */
  public String reveal() {
    return value;
  }

  @Override
  public String toString() {
    return "****";
  }
}
