package io.lifeline.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisServerExtensionTest {

  /** Sends one inline command and returns the first reply line (plus the bulk line for $n replies). */
  static String send(int port, String... commands) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String reply = null;
      for (String c : commands) {
        out.write((c + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        reply = in.readLine();
        if (reply.startsWith("$") && !reply.equals("$-1")) {
          reply = in.readLine();
        }
      }
      return reply;
    }
  }

  @Test
  void startsKillsAndRestartsOnTheSamePort() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.builder().build().start()) {
      int port = redis.port();
      assertThat(send(port, "SET k v")).isEqualTo("+OK");
      assertThat(send(port, "GET k")).isEqualTo("v");
      long pid = redis.kill();
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      assertThat(redis.isRunning()).isFalse();
      assertThatThrownBy(() -> send(port, "PING")).isInstanceOf(ConnectException.class);
      redis.start();
      assertThat(redis.port()).isEqualTo(port);
      assertThat(send(port, "PING")).isEqualTo("+PONG");
      assertThat(send(port, "GET k")).as("not persistent: data is gone").isEqualTo("$-1");
      redis.stop();
      assertThatThrownBy(() -> send(port, "PING")).isInstanceOf(ConnectException.class);
      redis.restart();
      assertThat(send(port, "PING")).isEqualTo("+PONG");
      assertThat(redis.starts()).isEqualTo(3);
    }
  }

  @Test
  void persistentServerKeepsAcknowledgedWritesAcrossSigkill() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.builder().persistent().build().start()) {
      assertThat(send(redis.port(), "SET k v1")).isEqualTo("+OK");
      redis.kill();
      redis.start();
      assertThat(send(redis.port(), "GET k")).isEqualTo("v1");
      assertThat(redis.dataDirectory()).isPresent();
    }
  }

  @Test
  void requirepassRejectsUnauthenticatedCommands() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.builder().password("s3cret-pw").build().start()) {
      assertThat(send(redis.port(), "PING")).startsWith("-NOAUTH");
      assertThat(send(redis.port(), "AUTH wrong")).startsWith("-WRONGPASS");
      assertThat(send(redis.port(), "AUTH s3cret-pw", "PING")).isEqualTo("+PONG");
      assertThat(redis.toString()).doesNotContain("s3cret-pw");
    }
  }

  @Test
  void proxySitsInFrontAndSurvivesRestarts() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.builder().withProxy().build().start()) {
      int proxyPort = redis.proxy().port();
      assertThat(proxyPort).isNotEqualTo(redis.port());
      assertThat(send(proxyPort, "PING")).isEqualTo("+PONG");
      redis.kill();
      redis.start();
      assertThat(redis.proxy().port()).isEqualTo(proxyPort);
      assertThat(send(proxyPort, "PING")).isEqualTo("+PONG");
      redis.proxy().latency(Duration.ofMillis(200));
      long t0 = System.nanoTime();
      assertThat(send(proxyPort, "PING")).isEqualTo("+PONG");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }
  }

  @Test
  void killWhenNotRunningIsAClearError() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.builder().build().start()) {
      redis.stop();
      assertThatThrownBy(redis::kill).isInstanceOf(IllegalStateException.class).hasMessageContaining("not running");
    }
  }
}
