package io.lifeline.spring;

import io.lifeline.http.HttpServiceConnectionManager;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The HTTP services of {@code lifeline.http.<name>.*}, one {@link HttpServiceConnectionManager}
 * each, registered with the health manager (features default to the service's name). Inject it and
 * call {@link #get(String)}. Closed by {@link LifelineLifecycle}.
 */
public class LifelineHttpServices implements AutoCloseable {
  private final Map<String, HttpServiceConnectionManager> services;

  LifelineHttpServices(Map<String, HttpServiceConnectionManager> services) {
    this.services = Map.copyOf(services);
  }

  /** The manager of service {@code name}. */
  public HttpServiceConnectionManager get(String name) {
    HttpServiceConnectionManager m = services.get(name);
    if (m == null) {
      throw new NoSuchElementException("no HTTP service '" + name + "'; configured: " + services.keySet()
          + " (lifeline.http.<name>.base-url)");
    }
    return m;
  }

  /** Names of the configured services. */
  public Set<String> names() {
    return services.keySet();
  }

  @Override
  public void close() {
    services.values().forEach(HttpServiceConnectionManager::close);
  }
}
