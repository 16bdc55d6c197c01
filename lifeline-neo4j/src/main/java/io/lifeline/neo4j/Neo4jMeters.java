package io.lifeline.neo4j;

import io.lifeline.core.spi.ConnectionMeters;
import io.lifeline.core.spi.Instrumentation;
import io.lifeline.core.spi.Instrumented;
import io.lifeline.core.spi.MeterSink;

/**
 * The meters of one {@link Neo4jConnectionManager}: its Guard's calls and its connection state,
 * tagged with the manager's name and {@code backend=neo4j}: never a query or its parameters.
 */
final class Neo4jMeters implements Instrumented {
  private final Neo4jConnectionManager manager;
  private final Instrumentation.Registration registration;

  Neo4jMeters(Neo4jConnectionManager manager) {
    this.manager = manager;
    this.registration = Instrumentation.register(this);
  }

  void close() {
    registration.close();
  }

  @Override
  public void describeMeters(MeterSink sink) {
    String service = manager.name();
    sink.calls(manager.guard(), "service", service, "backend", "neo4j");
    ConnectionMeters.describeState(sink, manager, Neo4jConnectionManager::state,
        "service", service, "backend", "neo4j");
  }
}
