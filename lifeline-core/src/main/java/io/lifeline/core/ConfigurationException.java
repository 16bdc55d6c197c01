package io.lifeline.core;

import java.util.Objects;

/**
 * A configuration value is missing, unparsable or out of range. Thrown at build/startup time, never
 * later. The message always names the key, the value as given and what is allowed, for example
 * {@code maxRetries=-1: must be >= 0}. Values of secret keys are never echoed.
 */
public final class ConfigurationException extends LifelineException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final String value;
  private final String allowed;

  public ConfigurationException(String key, Object value, String allowed) {
    this(key, value, allowed, null);
  }

  public ConfigurationException(String key, Object value, String allowed, Throwable cause) {
    super(format(key, value, allowed), cause);
    this.key = Objects.requireNonNull(key, "key");
    this.value = Secrets.isSecretKey(key) ? Secrets.MASK : Urls.sanitize(String.valueOf(value));
    this.allowed = Objects.requireNonNull(allowed, "allowed");
  }

  private static String format(String key, Object value, String allowed) {
    String shown = Secrets.isSecretKey(key) ? Secrets.MASK : Urls.sanitize(String.valueOf(value));
    return key + "=" + shown + ": " + allowed;
  }

  /** The configuration key, e.g. {@code maxRetries} or {@code GRAPHITI_MAX_RETRIES}. */
  public String key() {
    return key;
  }

  /** The rejected value as given, sanitized like the message (masked entirely for secret keys). */
  public String value() {
    return value;
  }

  /** What would have been accepted, e.g. {@code must be >= 0}. */
  public String allowed() {
    return allowed;
  }
}
