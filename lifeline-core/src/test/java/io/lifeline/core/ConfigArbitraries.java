package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Hostile configuration input for the property tests of every config entry point (shared with the
 * modules through lifeline-core's test jar): huge and negative durations, odd ports, unicode, NUL,
 * spaces, upper-case schemes, URLs carrying passwords. Plus {@link #assertOnlyClearErrors}, the
 * property all of them must keep: only {@link ConfigurationException}, and no secret anywhere in its
 * message, its problems or any cause.
 */
public final class ConfigArbitraries {
  private ConfigArbitraries() {}

  /**
   * Secrets: a marker around 10 random letters/digits, sometimes with URL-special characters that
   * sanitizers must cope with. The marker makes an accidental match impossible.
   */
  public static Arbitrary<String> secrets() {
    // upper-case letters only: no other generator produces ten of them in a row
    Arbitrary<String> core = Arbitraries.strings().withCharRange('G', 'Z').ofLength(10);
    Arbitrary<String> special = Arbitraries.of("", "", "!", "$", "*", "-", "~", ".", "_");
    return Combinators.combine(core, special).as((c, sp) -> "Zq" + c + sp + "Xk");
  }

  /** The part of a secret that must never appear (the random core between the markers). */
  public static String secretCore(String secret) {
    return secret.substring(2, 12);
  }

  /** Durations no config accepts and a few it does; {@code null} too. */
  public static Arbitrary<Duration> durations() {
    return Arbitraries.oneOf(
        Arbitraries.of(Duration.ofSeconds(Long.MIN_VALUE), Duration.ofSeconds(Long.MAX_VALUE, 999_999_999),
            Duration.ofSeconds(Long.MIN_VALUE / 2), Duration.ofHours(100_000_000_000_000L),
            Duration.ofNanos(Long.MAX_VALUE), Duration.ofNanos(Long.MIN_VALUE), Duration.ZERO,
            Duration.ofNanos(1), Duration.ofMillis(-1), Duration.ofDays(366), Duration.ofSeconds(1),
            Duration.ofMillis(250), Duration.ofMinutes(5)),
        Arbitraries.longs().map(Duration::ofSeconds),
        Arbitraries.longs().map(Duration::ofNanos),
        Arbitraries.longs().between(-1, 10_000).map(Duration::ofMillis),
        Arbitraries.just(null));
  }

  /** Duration texts as an environment variable may carry them. */
  public static Arbitrary<String> durationTexts() {
    return Arbitraries.oneOf(
        Arbitraries.of("PT100000000000000H", "PT9999999999999999999H", "PT-1S", "-PT5S", "-5", "1e9",
            "99999999999999999999d", "9223372036854775807", "9223372036854775808s", "106751d",
            "106752d", "1.5", "250ms", "0", "0.0000000001ns", "1h", "5m", "  2s  ", "\u0000",
            "1\u0000s", "\uFF15s", "\u0661\u0662", "P1000000000D", "PT0.5S", "pt1s", "NaN",
            "Infinity", "1 s", "s", "."),
        Arbitraries.longs().map(Object::toString),
        Arbitraries.longs().map(l -> "PT" + l + "S"),
        Arbitraries.longs().map(l -> "PT" + l + "H"),
        Arbitraries.longs().between(0, Long.MAX_VALUE).map(l -> l + "d"),
        hostileStrings());
  }

  /** Integers at and beyond every boundary any config has. */
  public static Arbitrary<Integer> ints() {
    return Arbitraries.oneOf(
        Arbitraries.of(Integer.MIN_VALUE, Integer.MAX_VALUE, -1, 0, 1, 2, 255, 256, 1000, 1001, 1024,
            1025, 10_000, 65_535, 65_536, 70_000, 1 << 30),
        Arbitraries.integers());
  }

  public static Arbitrary<Long> longs() {
    return Arbitraries.oneOf(
        Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, -1L, 0L, 1L, 1023L, 1024L, 4096L, 1L << 40,
            (1L << 40) + 1, 100_000_000L),
        Arbitraries.longs());
  }

  public static Arbitrary<Double> doubles() {
    return Arbitraries.oneOf(
        Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.5,
            1.0, 100.0, 100.5, 1000.0, 1e308, Double.MIN_VALUE),
        Arbitraries.doubles());
  }

  /** Number texts: overflow, separators, unicode digits, blanks. */
  public static Arbitrary<String> numberTexts() {
    return Arbitraries.oneOf(
        Arbitraries.of("70000", "65536", "-1", "0", "2147483648", "-2147483649", "9223372036854775808",
            "1_000", "1e3", "0x10", " 12 ", "\u0661\u0662", "\uFF11", "", " ", "1.5", "NaN", "\u0000"),
        ints().map(Object::toString),
        longs().map(Object::toString),
        hostileStrings());
  }

  /** Strings with what breaks naive code: NUL, spaces, control characters, unicode, surrogates. */
  public static Arbitrary<String> hostileStrings() {
    return Arbitraries.oneOf(
        Arbitraries.of("", " ", "\u0000", "a\u0000b", "\r\n", "\t", "caf\u00e9", "\uD83D\uDE00",
            "\uD800", "\u202Eevil", "a b", "${x}", "%", "%zz", "\\", "*", "?", "[", "/", "//", "@",
            ":", "::::", "a".repeat(300)),
        Arbitraries.strings().all().ofMaxLength(40),
        Arbitraries.strings().ascii().ofMaxLength(20));
  }

  /** Hosts: valid, with spaces, NUL, unicode, bad IPv6, too long. */
  public static Arbitrary<String> hosts() {
    return Arbitraries.oneOf(
        Arbitraries.of("localhost", "db.internal", "10.0.0.1", "[::1]", "xn--bcher-kva.de", "my_host",
            "bad host", "h\u0000st", "b\u00fccher.de", "[::1", "::1", "", "-x", "a..b",
            "a".repeat(300), "host%", "host\t", " ", "h/st", "h?st"),
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(10),
        hostileStrings());
  }

  /** Port suffixes, with the colon: none, valid, out of range, not a number. */
  public static Arbitrary<String> portSuffixes() {
    return Arbitraries.oneOf(
        Arbitraries.of("", ":", ":0", ":1", ":6379", ":65535", ":65536", ":70000", ":99999999999",
            ":-1", ":abc", ": 80", ":\u0661"),
        Arbitraries.integers().map(p -> ":" + p));
  }

  /** The same scheme in other cases, and near-misses. */
  public static Arbitrary<String> schemeVariants(String... schemes) {
    List<String> all = new ArrayList<>();
    for (String s : schemes) {
      all.add(s);
      all.add(s.toUpperCase(java.util.Locale.ROOT));
      all.add(Character.toUpperCase(s.charAt(0)) + s.substring(1));
    }
    all.addAll(List.of("http", "ftp", "", "jdbc:postgresql", "redis", "bolt", "x y", "1abc"));
    return Arbitraries.of(all);
  }

  /**
   * URLs of the given schemes (in any case) with hostile hosts and ports, often carrying {@code
   * secret} as the password of the user info (or as a lone token), plus paths and queries.
   */
  public static Arbitrary<String> urls(String secret, String... schemes) {
    Arbitrary<String> userInfo = Arbitraries.of("", "user:" + secret + "@", ":" + secret + "@",
        secret + "@", "us er:" + secret + "@", "user:" + secret + "@@", "user:" + secret + "%zz@");
    Arbitrary<String> tail = Arbitraries.of("", "/", "/0", "/db", "/16", "/-1", "/abc", "?a=1",
        "?password=" + secret, "#frag", "/ x", "/\u0000", "/%zz");
    return Combinators.combine(schemeVariants(schemes), userInfo, hosts(), portSuffixes(), tail)
        .as((s, u, h, p, t) -> s + "://" + u + h + p + t);
  }

  /** Generated environment: the secret it may carry and the variables. */
  public record EnvCase(String secret, Map<String, String> env) {}

  /**
   * Environments of up to 10 variables {@code prefix + key}, each drawn from the arbitrary {@code
   * values.apply(secret)} gives for its key (secret keys get the secret, URL keys URLs carrying it).
   */
  public static Arbitrary<EnvCase> envCases(String prefix,
      Function<String, Map<String, Arbitrary<String>>> values) {
    return secrets().flatMap(secret -> {
      Map<String, Arbitrary<String>> byKey = values.apply(secret);
      return Arbitraries.subsetOf(byKey.keySet()).ofMaxSize(10).flatMap(keys -> {
        List<String> chosen = new ArrayList<>(keys);
        List<Arbitrary<String>> arbs = new ArrayList<>();
        chosen.forEach(k -> arbs.add(byKey.get(k)));
        return Combinators.combine(arbs).as(vals -> {
          Map<String, String> env = new HashMap<>();
          for (int i = 0; i < chosen.size(); i++) {
            env.put(prefix + chosen.get(i), vals.get(i));
          }
          return new EnvCase(secret, env);
        });
      });
    });
  }

  /** Value generators for every {@link RetryConfig} key (shared by every config that embeds one). */
  public static Map<String, Arbitrary<String>> retryValues() {
    Map<String, Arbitrary<String>> m = new HashMap<>();
    for (String k : List.of("BASE_DELAY", "RETRY_DELAY", "MAX_DELAY", "CIRCUIT_BREAKER_TIMEOUT",
        "RETRY_BUDGET_WINDOW")) {
      m.put(k, durationTexts());
    }
    for (String k : List.of("MAX_RETRIES", "EXPONENTIAL_BASE", "RETRY_BACKOFF", "CIRCUIT_BREAKER_THRESHOLD",
        "CIRCUIT_BREAKER_HALF_OPEN_PROBES", "RETRY_BUDGET_RATIO", "RETRY_BUDGET_MIN_PER_SECOND")) {
      m.put(k, numberTexts());
    }
    m.put("JITTER", Arbitraries.oneOf(Arbitraries.of("on", "off", "TRUE", "maybe"), hostileStrings()));
    return m;
  }

  /**
   * Runs {@code entryPoint}; it must either return normally or throw a {@link
   * ConfigurationException} whose message, problems, {@code toString()} and every cause's message
   * contain none of {@code secrets}, and whose problems all name one of {@code allowedKeys} (when
   * not null). A returned config's {@code toString()} must not show a secret either.
   */
  public static void assertOnlyClearErrors(Supplier<?> entryPoint, Set<String> secrets,
      Set<String> allowedKeys) {
    Object result;
    try {
      result = entryPoint.get();
    } catch (ConfigurationException e) {
      assertThat(e.problems()).isNotEmpty();
      for (Throwable t = e; t != null; t = t.getCause()) {
        for (String secret : secrets) {
          assertThat(String.valueOf(t.getMessage())).as("message of %s", t.getClass())
              .doesNotContain(secret).doesNotContain(secretCore(secret));
          assertThat(t.toString()).doesNotContain(secretCore(secret));
        }
      }
      for (ConfigurationException.Problem p : e.problems()) {
        for (String secret : secrets) {
          assertThat(p.toString()).doesNotContain(secretCore(secret));
        }
        if (allowedKeys != null) {
          assertThat(allowedKeys).as("keys named in %s", e.getMessage()).contains(p.key());
        }
        assertThat(p.allowed()).as("what is allowed").isNotBlank();
      }
      return;
    }
    // Any other exception fails the property by propagating with its stack trace.
    for (String secret : secrets) {
      assertThat(String.valueOf(result)).doesNotContain(secretCore(secret));
    }
  }
}
