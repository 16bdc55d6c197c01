package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An {@link Error} inside a client (issue 12 part 3: Lettuce failing with {@code NoSuchMethodError}
 * under mismatched Netty versions) is no outage: not retried, not counted against the breaker, logged
 * once at ERROR, and the Error itself reaches the caller, also when the driver wrapped it in its own
 * "connection" exception (which every classifier would call retriable).
 */
class GuardErrorTest {
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private final ch.qos.logback.classic.Logger guardLog =
      (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Guard.class);

  @BeforeEach
  void capture() {
    log.start();
    guardLog.addAppender(log);
  }

  @AfterEach
  void stop() {
    guardLog.detachAppender(log);
    scheduler.shutdownNow();
  }

  /** What Lettuce does with an Error in its channel initializer: wraps it as a connection failure. */
  static final class RedisConnectionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RedisConnectionException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private Guard guard() {
    return Guard.builder("cache").scheduler(scheduler)
        .retryConfig(RetryConfig.builder().maxRetries(3).baseDelay(Duration.ofMillis(1))
            .maxDelay(Duration.ofMillis(2)).circuitBreakerThreshold(2).build())
        // a classifier that, like the managers', calls every connection failure retriable
        .classifier(e -> ErrorClass.RETRIABLE)
        .build();
  }

  private static RuntimeException wrapped(NoSuchMethodError e) {
    return new RedisConnectionException("Unable to connect to redis://:s3cret@cache:6379",
        new IOException("channel init failed", e));
  }

  @Test
  void syncErrorInsideADriverExceptionIsThrownAtOnceAndNeverCounted() {
    Guard g = guard();
    NoSuchMethodError linkage = new NoSuchMethodError("'boolean io.netty.util.internal.PlatformDependent.isExplicitNoPreferDirect()'");
    AtomicInteger attempts = new AtomicInteger();

    for (int call = 0; call < 5; call++) {
      Throwable thrown = catchThrowable(() -> g.call(() -> {
        attempts.incrementAndGet();
        throw wrapped(linkage);
      }));
      assertThat(thrown).isSameAs(linkage);
    }

    assertThat(attempts).as("one attempt per call: never retried").hasValue(5);
    assertThat(g.circuitBreaker().state()).as("not an outage").isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(g.metrics().failedConnections()).isZero();
    assertThat(g.metrics().totalRetries()).isZero();
    assertThat(log.list).filteredOn(e -> e.getLevel() == Level.ERROR).singleElement().satisfies(e -> {
      assertThat(e.getFormattedMessage()).contains("'cache'", "NoSuchMethodError", "isExplicitNoPreferDirect",
          "RedisConnectionException").doesNotContain("s3cret");
      assertThat(e.getThrowableProxy().getMessage()).contains("NoSuchMethodError");
    });
  }

  @Test
  void asyncErrorCompletesTheCallWithTheErrorAtOnce() {
    Guard g = guard();
    NoClassDefFoundError linkage = new NoClassDefFoundError("io/netty/handler/ssl/SslProvider");
    AtomicInteger attempts = new AtomicInteger();

    for (int call = 0; call < 3; call++) {
      CompletableFuture<String> f = g.callAsync(() -> {
        attempts.incrementAndGet();
        return CompletableFuture.failedFuture(new CompletionException(
            new RedisConnectionException("Unable to connect", linkage)));
      });
      assertThat(catchThrowable(f::join)).isInstanceOf(CompletionException.class).hasCauseReference(linkage);
    }
    // thrown synchronously by the supplier, too
    assertThat(catchThrowable(g.callAsync(() -> {
      attempts.incrementAndGet();
      throw linkage;
    })::join)).hasCauseReference(linkage);

    assertThat(attempts).hasValue(4);
    assertThat(g.circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(g.metrics().failedConnections()).isZero();
    assertThat(log.list).filteredOn(e -> e.getLevel() == Level.ERROR).hasSize(1);
  }

  @Test
  void findErrorLooksThroughTheCauseChain() {
    OutOfMemoryError oom = new OutOfMemoryError("Direct buffer memory");
    assertThat(ErrorClassifier.findError(new IllegalStateException(new IOException(oom)))).isSameAs(oom);
    assertThat(ErrorClassifier.findError(new IOException("refused"))).isNull();
    assertThat(ErrorClassifier.findError(null)).isNull();
  }
}
