package io.lifeline.spring;

import io.lifeline.core.ConfigurationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/** Turns a builder's {@link ConfigurationException} into one naming {@code lifeline.*} properties. */
final class Problems {
  private Problems() {}

  /** Runs {@code build}; a rejected builder key {@code fooBar} becomes property {@code prefix.foo-bar}. */
  static <T> T build(String prefix, Supplier<T> build) {
    try {
      return build.get();
    } catch (ConfigurationException e) {
      List<ConfigurationException.Problem> named = new ArrayList<>();
      for (ConfigurationException.Problem p : e.problems()) {
        named.add(new ConfigurationException.Problem(property(prefix, p.key()), p.value(), p.allowed()));
      }
      throw new LifelinePropertyException(named, e);
    }
  }

  /** One rejected property; {@code value} is shown sanitized (masked when the key is secret). */
  static LifelinePropertyException of(String property, Object value, String allowed) {
    return new LifelinePropertyException(List.of(ConfigurationException.Problem.of(property, value, allowed)), null);
  }

  static String property(String prefix, String key) {
    if (key.contains(".") || key.equals(key.toUpperCase(Locale.ROOT))) {
      return key.contains(".") ? key : prefix + "." + key.toLowerCase(Locale.ROOT).replace('_', '-');
    }
    StringBuilder b = new StringBuilder(prefix).append('.');
    for (char c : key.toCharArray()) {
      if (Character.isUpperCase(c)) {
        b.append('-').append(Character.toLowerCase(c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
