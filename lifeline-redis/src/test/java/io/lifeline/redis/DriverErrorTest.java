package io.lifeline.redis;

import static io.lifeline.redis.RedisTestSupport.awaitOnline;
import static io.lifeline.redis.RedisTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lettuce.core.resource.NettyCustomizer;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthStatus;
import io.lifeline.core.health.ServiceStatus;
import io.lifeline.testkit.RedisServerExtension;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * An {@link Error} inside the Redis client (here a {@link NoSuchMethodError} raised in Lettuce's
 * Netty pipeline, as a Netty version conflict raises it) is not an outage: never answered from the
 * fallback, logged once at ERROR with the cause, the service UNAVAILABLE with that reason, and
 * thrown to the caller. Real Redis, real Lettuce; the fault is injected with Lettuce's own {@link
 * NettyCustomizer} hook.
 */
class DriverErrorTest {
  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.builder().build();

  final AtomicBoolean breakConnect = new AtomicBoolean();
  final AtomicBoolean breakWrites = new AtomicBoolean();
  final ListAppender<ILoggingEvent> log = new ListAppender<>();
  final Logger logger = (Logger) LoggerFactory.getLogger(RedisConnectionManager.class);

  final NettyCustomizer faults = new NettyCustomizer() {
    @Override
    public void afterBootstrapInitialized(Bootstrap bootstrap) {
      if (breakConnect.get()) {
        throw new NoSuchMethodError("'io.netty.util.concurrent.Future io.netty.channel.Channel.fake()'");
      }
    }

    @Override
    public void afterChannelInitialized(Channel channel) {
      channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
          if (breakWrites.get()) {
            throw new NoSuchMethodError("'void io.netty.buffer.ByteBuf.fake()'");
          }
          super.write(ctx, msg, promise);
        }
      });
    }
  };

  @BeforeEach
  void capture() {
    log.start();
    logger.addAppender(log);
  }

  @AfterEach
  void release() {
    logger.detachAppender(log);
  }

  List<ILoggingEvent> errors() {
    return log.list.stream().filter(e -> e.getLevel() == Level.ERROR).collect(Collectors.toList());
  }

  static Throwable asyncFailure(java.util.concurrent.CompletableFuture<?> f) throws Exception {
    try {
      f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  void anErrorWhileConnectingIsThrownNotAnsweredFromTheFallback() throws Exception {
    breakConnect.set(true);
    ConnectionHealthManager health = ConnectionHealthManager.builder().build();
    try (RedisConnectionManager m = RedisConnectionManager.create(config(REDIS.url()).name("broken").build(),
        health, faults)) {
      assertThatThrownBy(() -> m.get("k")).isInstanceOf(NoSuchMethodError.class);
      assertThatThrownBy(() -> m.set("k", "v")).isInstanceOf(NoSuchMethodError.class);
      assertThat(asyncFailure(m.async().get("k"))).isInstanceOf(NoSuchMethodError.class);
      assertThat(asyncFailure(m.async().set("k", "v"))).isInstanceOf(NoSuchMethodError.class);
      await().atMost(Duration.ofSeconds(10)).until(() -> m.metrics().reconnectAttempts() >= 5);
      assertThat(m.metrics().fallbackWrites() + m.metrics().fallbackHits() + m.metrics().fallbackMisses())
          .as("nothing answered by the fallback").isZero();
      assertThat(errors()).as("reported once at ERROR, with the cause").hasSize(1);
      assertThat(errors().get(0).getThrowableProxy().getClassName()).isEqualTo(NoSuchMethodError.class.getName());
      HealthStatus s = health.status("broken");
      assertThat(s.status()).isEqualTo(ServiceStatus.UNAVAILABLE);
      assertThat(s.lastError()).contains("NoSuchMethodError");
      assertThat(m.healthCheck().error()).contains("NoSuchMethodError");

      breakConnect.set(false); // the classpath is fixed (in real life: a restart)
      awaitOnline(m);
      m.set("k", "v");
      assertThat(m.get("k")).isEqualTo("v");
      assertThat(m.healthCheck().outcome()).isEqualTo(io.lifeline.core.health.CheckResult.Outcome.UP);
    } finally {
      health.close();
    }
  }

  @Test
  void anErrorOnACommandIsThrownToTheCallerAndIsNotAnOutage() throws Exception {
    ConnectionHealthManager health = ConnectionHealthManager.builder().build();
    try (RedisConnectionManager m = RedisConnectionManager.create(config(REDIS.url()).name("cmd").build(),
        health, faults)) {
      awaitOnline(m);
      m.set("k", "v");
      breakWrites.set(true);
      assertThatThrownBy(() -> m.get("k")).isInstanceOf(NoSuchMethodError.class);
      assertThatThrownBy(() -> m.set("k", "w")).isInstanceOf(NoSuchMethodError.class);
      assertThat(asyncFailure(m.async().get("k"))).isInstanceOf(NoSuchMethodError.class);
      assertThat(asyncFailure(m.async().hset("h", "f", "v"))).isInstanceOf(NoSuchMethodError.class);
      assertThat(m.isUsingFallback()).as("not an outage").isFalse();
      assertThat(m.metrics().fallbackWrites() + m.metrics().fallbackHits() + m.metrics().fallbackMisses()).isZero();
      assertThat(m.guard().metrics().totalRetries()).as("an Error is never retried").isZero();
      assertThat(errors()).as("reported once at ERROR").hasSize(1);
      assertThat(health.status("cmd").status()).isEqualTo(ServiceStatus.UNAVAILABLE);
      assertThat(health.status("cmd").lastError()).contains("NoSuchMethodError");
      breakWrites.set(false);
      assertThat(m.get("k")).isEqualTo("v");
    } finally {
      health.close();
    }
  }
}
