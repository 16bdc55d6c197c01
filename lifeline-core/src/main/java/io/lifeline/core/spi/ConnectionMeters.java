package io.lifeline.core.spi;

import io.lifeline.core.ConnectionState;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;

/**
 * What every connection manager reports the same way, written once: its {@link ConnectionState}
 * as a switch (one series of {@code lifeline.connection.state} per state, 1 for the current one).
 * Call it from a manager's {@link Instrumented#describeMeters}.
 */
public final class ConnectionMeters {
  private ConnectionMeters() {}

  private static final ConnectionState[] STATES = ConnectionState.values();

  /**
   * Describes {@code lifeline.connection.state} of {@code manager}, whose state {@code state}
   * reads; {@code tags} are the manager's own ({@code service}, {@code backend}).
   */
  public static <M> void describeState(MeterSink sink, M manager,
      Function<? super M, ConnectionState> state, String... tags) {
    for (ConnectionState s : STATES) {
      String[] t = Arrays.copyOf(tags, tags.length + 2);
      t[tags.length] = "state";
      t[tags.length + 1] = s.name().toLowerCase(Locale.ROOT);
      sink.gauge("lifeline.connection.state",
          "1 when the manager's connection is in this state, else 0 (one series per state)", null,
          manager, m -> state.apply(m) == s ? 1 : 0, t);
    }
  }
}
