package io.lifeline.cli.alert;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real loopback HTTP receiver for alerts: records every POST body; answers {@link #status} (200
 * by default); while {@link #hold} is set, each request blocks until it is released (a slow
 * receiver). Public so the CLI's end-to-end tests can use it too.
 */
public final class AlertReceiver implements AutoCloseable {
  private final HttpServer server;
  public final List<String> bodies = new CopyOnWriteArrayList<>();
  public final AtomicInteger requests = new AtomicInteger();
  public volatile int status = 200;
  public volatile CountDownLatch hold;

  public AlertReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "alert-receiver");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", ex -> {
      requests.incrementAndGet();
      byte[] body = ex.getRequestBody().readAllBytes();
      CountDownLatch h = hold;
      if (h != null) {
        try {
          h.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      int s = status;
      if (s >= 200 && s < 300) {
        bodies.add(new String(body, StandardCharsets.UTF_8));
      }
      ex.sendResponseHeaders(s, -1);
      ex.close();
    });
    server.start();
  }

  /** The hook URL; its path stands for a credential (like a Slack webhook's). */
  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/T000/SECRET-PATH-TOKEN");
  }

  @Override
  public void close() {
    CountDownLatch h = hold;
    if (h != null) {
      h.countDown();
    }
    server.stop(0);
  }
}
