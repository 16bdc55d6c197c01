package io.lifeline.core;

import io.lifeline.core.ConfigurationException.Problem;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Remembers, for each field of a configuration builder, the key the user wrote it under, so that a
 * {@link ConfigurationException} names what the user actually set: the environment variable (e.g.
 * {@code GRAPHITI_API_KEY_HEADER}) for a value bound from {@link Settings}, the builder method (e.g.
 * {@code apiKeyHeader}) for a value set in code. It also keeps the problems met while parsing bound
 * values, so that {@link #validation()} reports them together with the range checks of {@code
 * build()}: one exception listing every problem of the configuration.
 *
 * <p>The last write of a field wins: a builder method called after {@link #bind} forgets both the
 * environment key and any parse problem of that field. Not thread-safe (owned by one builder).
 */
public final class ConfigKeys {
  private final Map<String, String> sourceKeys = new HashMap<>();
  private final Map<String, List<Problem>> parseProblems = new LinkedHashMap<>();

  /** The key to name in errors about {@code field}: the bound environment key, else the field. */
  public String key(String field) {
    return sourceKeys.getOrDefault(field, field);
  }

  /** True when {@code field} was last bound from {@link Settings}. */
  public boolean isBound(String field) {
    return sourceKeys.containsKey(field);
  }

  /** Records that {@code field} was set through the builder method of the same name. */
  public void set(String field) {
    sourceKeys.remove(field);
    parseProblems.remove(field);
  }

  /**
   * Reads {@code key} from {@code settings} with {@code read} (e.g. {@code Settings::duration}); when
   * present, hands the value to {@code assign} and remembers that {@code field} came from that key.
   * A parse error is kept for {@link #validation()} instead of thrown, so later keys are still read.
   */
  public <T> void bind(Settings settings, String key, String field,
      BiFunction<Settings, String, Optional<T>> read, Consumer<? super T> assign) {
    try {
      Optional<T> value = read.apply(settings, key);
      if (value.isEmpty()) {
        return;
      }
      assign.accept(value.get());
      parseProblems.remove(field);
    } catch (ConfigurationException e) {
      parseProblems.put(field, e.problems());
    }
    sourceKeys.put(field, settings.fullKey(key));
  }

  /** Records a problem found while binding {@code field} (e.g. a nested config that failed). */
  public void bindProblem(String field, ConfigurationException e) {
    parseProblems.put(field, e.problems());
  }

  /** A fresh {@link Validation} naming keys as recorded here, preloaded with the parse problems. */
  public Validation validation() {
    Validation v = new Validation(this::key);
    parseProblems.values().forEach(list -> list.forEach(v::add));
    return v;
  }

  /** Whether a parse problem is pending for {@code field} (its value is then the previous one). */
  public boolean hasParseProblem(String field) {
    return parseProblems.containsKey(field);
  }

  /** A copy, for builders that are copied. */
  public ConfigKeys copy() {
    ConfigKeys c = new ConfigKeys();
    c.sourceKeys.putAll(sourceKeys);
    c.parseProblems.putAll(parseProblems);
    return c;
  }
}
