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

  /** Equal values (compared in constant time): a reload that keeps a password is no change. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Secret other && java.security.MessageDigest.isEqual(
        value.getBytes(java.nio.charset.StandardCharsets.UTF_8), other.value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Override
  public int hashCode() {
    return 0; // nothing derived from the value; secrets are never hashed in bulk
  }

  @Override
  public String toString() {
    return "****";
  }
}
