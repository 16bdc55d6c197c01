package io.lifeline.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide registry of Lifeline's global managers, and {@link #closeAll()}.
 *
 * <p>Each module's {@code initializeGlobal(...)} registers its global manager here, and its {@code
 * shutdownGlobal()} unregisters it, so {@code Lifeline.closeAll()} closes every global manager that
 * exists (Redis, database, Neo4j, HTTP services, the health manager) without core depending on any
 * of those modules. Resources are closed in reverse order of registration, like try-with-resources:
 * the health manager is usually created first (managers register their checks with it), so it is
 * closed last.
 *
 * <p>A JVM shutdown hook that calls {@link #closeAll()} is installed on the first registration.
 * Disable it with {@link #setShutdownHookEnabled(boolean) setShutdownHookEnabled(false)} or the
 * system property {@value #SHUTDOWN_HOOK_PROPERTY}{@code =false} (for applications whose container
 * owns the shutdown order).
 */
public final class Lifeline {
  private Lifeline() {}

  /** System property; {@code false} disables the shutdown hook. */
  public static final String SHUTDOWN_HOOK_PROPERTY = "lifeline.shutdownHook";

  private static final Logger LOG = LoggerFactory.getLogger(Lifeline.class);
  private static final ConcurrentLinkedDeque<Registration> REGISTRY = new ConcurrentLinkedDeque<>();
  private static final AtomicBoolean HOOK_INSTALLED = new AtomicBoolean();
  private static volatile boolean hookEnabled =
      !"false".equalsIgnoreCase(System.getProperty(SHUTDOWN_HOOK_PROPERTY, "true"));

  /** A registered global resource; {@link #unregister()} removes it without closing it. */
  public static final class Registration {
    private final String name;
    private final AutoCloseable resource;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Registration(String name, AutoCloseable resource) {
      this.name = name;
      this.resource = resource;
    }

    /** The name given at registration, e.g. {@code "redis"}. */
    public String name() {
      return name;
    }

    /** Removes this registration (idempotent); the resource is not closed. */
    public void unregister() {
      REGISTRY.remove(this);
    }

    void close() {
      if (closed.compareAndSet(false, true)) {
        try {
          resource.close();
        } catch (Exception e) {
          LOG.warn("Closing global '{}' failed: {}", name, e.toString());
        }
      }
    }

    @Override
    public String toString() {
      return "Lifeline.Registration[" + name + "]";
    }
  }

  /**
   * Registers a global resource to be closed by {@link #closeAll()}. Called by the modules' {@code
   * initializeGlobal}; applications may register their own resources too.
   */
  public static Registration register(String name, AutoCloseable resource) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(resource, "resource");
    Registration r = new Registration(name, resource);
    REGISTRY.addLast(r);
    installHookOnce();
    return r;
  }

  /** Names of the registered resources, in registration order. */
  public static List<String> registered() {
    List<String> names = new ArrayList<>();
    for (Registration r : REGISTRY) {
      names.add(r.name);
    }
    return names;
  }

  /**
   * Closes every registered resource, newest first, and empties the registry. Idempotent and safe
   * to call from several threads: each resource is closed once. A failure to close one resource is
   * logged and does not stop the others.
   */
  public static void closeAll() {
    Registration r;
    while ((r = REGISTRY.pollLast()) != null) {
      r.close();
    }
  }

  /** {@link #closeAll()} on a new daemon thread; the future completes when everything is closed. */
  public static CompletableFuture<Void> closeAllAsync() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                closeAll();
                done.complete(null);
              } catch (Throwable e) {
                done.completeExceptionally(e);
              }
            },
            "lifeline-close-all");
    t.setDaemon(true);
    t.start();
    return done;
  }

  /**
   * Enables or disables the shutdown hook. When disabled before the first registration, no hook is
   * installed; when disabled later, the installed hook does nothing.
   */
  public static void setShutdownHookEnabled(boolean enabled) {
    hookEnabled = enabled;
  }

  /** Whether the shutdown hook will close the registered resources at JVM exit. */
  public static boolean isShutdownHookEnabled() {
    return hookEnabled;
  }

  private static void installHookOnce() {
    if (hookEnabled && HOOK_INSTALLED.compareAndSet(false, true)) {
      Thread hook =
          new Thread(
              () -> {
                if (hookEnabled) {
                  closeAll();
                }
              },
              "lifeline-shutdown");
      try {
        Runtime.getRuntime().addShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is already shutting down; nothing to add
      }
    }
  }
}
