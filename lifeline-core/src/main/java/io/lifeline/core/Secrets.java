package io.lifeline.core;

import java.util.Locale;

/** Keeps secrets out of text. STUB: replaced by the sanitizer work. */
public final class Secrets {
  /** What a secret value is replaced with. */
  public static final String MASK = "****";

  private Secrets() {}

  /** True when a configuration key names a secret (password, token, secret, api key ...). */
  public static boolean isSecretKey(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("password") || k.contains("token") || k.contains("secret");
  }

  /** Redacts URLs and key=value secrets found anywhere in free text. */
  public static String redact(String text) {
    return Urls.sanitize(text);
  }

  /** {@code SimpleClassName: redacted message} of a throwable, for use in messages and logs. */
  public static String describe(Throwable t) {
    String msg = t.getMessage();
    return msg == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + redact(msg);
  }
}
