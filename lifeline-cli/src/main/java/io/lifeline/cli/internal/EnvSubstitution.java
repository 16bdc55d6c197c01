package io.lifeline.cli.internal;

import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code ${NAME}} and {@code ${NAME:-default}} in a scalar's text, from a given environment;
 * {@code $${} is a literal {@code ${}. Applied to scalars after parsing, so a variable's value is
 * always a plain string and can never add YAML structure.
 */
public final class EnvSubstitution {
  private EnvSubstitution() {}

  /**
   * {@code text} with every reference replaced; each problem (an unset variable without default, an
   * unterminated or empty reference) goes to {@code problems} as "what is allowed" text, and the
   * reference is then left as written.
   */
  public static String apply(String text, Map<String, String> env, Consumer<String> problems) {
    if (text.indexOf('$') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      if (c == '$' && text.startsWith("$${", i)) {
        out.append("${");
        i += 3;
        continue;
      }
      if (c != '$' || !text.startsWith("${", i)) {
        out.append(c);
        i++;
        continue;
      }
      int end = text.indexOf('}', i + 2);
      if (end < 0) {
        problems.accept("has an unterminated ${...} reference (write ${NAME} or ${NAME:-default}; $${ for a literal ${)");
        out.append(text, i, n);
        break;
      }
      String ref = text.substring(i + 2, end);
      int dash = ref.indexOf(":-");
      String name = dash < 0 ? ref : ref.substring(0, dash);
      if (!isName(name)) {
        problems.accept("has a reference ${" + (name.isEmpty() ? "" : "...") + "} that is not an "
            + "environment variable name (letters, digits, _; not starting with a digit)");
        out.append(text, i, end + 1);
      } else {
        String value = env.get(name);
        if (value != null) {
          out.append(value);
        } else if (dash >= 0) {
          out.append(ref, dash + 2, ref.length());
        } else {
          problems.accept("needs environment variable " + name + ", which is not set (or give a default: ${"
              + name + ":-value})");
          out.append(text, i, end + 1);
        }
      }
      i = end + 1;
    }
    return out.toString();
  }

  private static boolean isName(String s) {
    if (s.isEmpty() || Character.isDigit(s.charAt(0))) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
        return false;
      }
    }
    return true;
  }
}
