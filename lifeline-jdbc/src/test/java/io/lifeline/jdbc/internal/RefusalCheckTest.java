package io.lifeline.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Which URLs the TCP refusal check reads, and its verdicts against real sockets on loopback. */
class RefusalCheckTest {
  private static final int TIMEOUT_MS = 250;

  @Test
  void readsEveryHostOfAPostgresUrlWithTheDefaultPort() {
    RefusalCheck c = RefusalCheck.forUrl("jdbc:postgresql://db1:5433,db2,[::1]:6000,[fe80::1]/app?ssl=true",
        new Properties(), TIMEOUT_MS);
    assertThat(c).isNotNull();
    assertThat(c.refusedMessage())
        .isEqualTo("connection to every host (db1:5433, db2:5432, [::1]:6000, [fe80::1]:5432) refused");
    assertThat(RefusalCheck.forUrl("JDBC:PostgreSQL://h/db", new Properties(), TIMEOUT_MS).refusedMessage())
        .isEqualTo("connection to h:5432 refused");
  }

  @Test
  void doesNotApplyWhereTheUrlsHostIsNotWhatTheDriverConnectsTo() {
    Properties factory = new Properties();
    factory.setProperty("socketFactory", "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg");
    assertThat(RefusalCheck.forUrl("jdbc:postgresql://localhost/db", factory, TIMEOUT_MS)).isNull();
    assertThat(RefusalCheck.forUrl("jdbc:postgresql://localhost/db?socketFactory=x.Y", new Properties(), TIMEOUT_MS))
        .isNull();
    assertThat(RefusalCheck.forUrl("jdbc:mysql://localhost:3306/db", new Properties(), TIMEOUT_MS)).isNull();
    assertThat(RefusalCheck.forUrl("jdbc:postgresql:db", new Properties(), TIMEOUT_MS)).isNull();
    assertThat(RefusalCheck.forUrl(null, new Properties(), TIMEOUT_MS)).isNull();
  }

  @Test
  void anAuthorityItCannotReadIsNoCheckRatherThanAGuess() {
    for (String url : new String[] {"jdbc:postgresql:///db", "jdbc:postgresql://h:70000/db",
        "jdbc:postgresql://h:0/db", "jdbc:postgresql://h:x/db", "jdbc:postgresql://[::1/db",
        "jdbc:postgresql://[::1]x/db", "jdbc:postgresql://h1,,h2/db", "jdbc:postgresql://u:pw@h/db"}) {
      assertThat(RefusalCheck.forUrl(url, new Properties(), TIMEOUT_MS)).as(url).isNull();
    }
  }

  @Test
  void everyHostRefusingIsAVerdictAndOneListeningIsNot() throws IOException {
    int closed = closedPort();
    int closed2 = closedPort();
    try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int open = listening.getLocalPort();
      assertThat(check("127.0.0.1:" + closed).everyHostRefuses()).isTrue();
      assertThat(check("127.0.0.1:" + closed + ",127.0.0.1:" + closed2).everyHostRefuses()).isTrue();
      assertThat(check("127.0.0.1:" + open).everyHostRefuses()).isFalse();
      assertThat(check("127.0.0.1:" + closed + ",127.0.0.1:" + open).everyHostRefuses()).isFalse();
    }
  }

  @Test
  void aHostThatDoesNotResolveIsNoVerdict() {
    assertThat(check("no-such-host.invalid:5432").everyHostRefuses()).isFalse();
  }

  private static RefusalCheck check(String authority) {
    return RefusalCheck.forUrl("jdbc:postgresql://" + authority + "/db", new Properties(), TIMEOUT_MS);
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort(); // closed again when this returns: connects are refused
    }
  }
}
