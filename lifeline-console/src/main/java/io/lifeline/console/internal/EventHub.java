package io.lifeline.console.internal;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clients of {@code /events} (Server-Sent Events), bounded twice: at most {@code maxClients}
 * streams at once (each has one writer thread, so threads are bounded too), and each client has a
 * queue of {@code queueCapacity} events. {@link #publish} never blocks: a client whose queue is full
 * is dropped (it gets no more events, its writer stops at the next write or when the JDK server's
 * response-time limit closes its connection), rather than buffered without bound. Each stream ends
 * by itself after {@code lifetime} (below the server's response-time limit); the browser reconnects.
 * Not API.
 */
public final class EventHub implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventHub.class);
  private static final byte[] END = new byte[0];

  private final int maxClients;
  private final int queueCapacity;
  private final long lifetimeNanos;
  private final ThreadFactory threads;
  private final AtomicInteger slots = new AtomicInteger();
  private final CopyOnWriteArrayList<Client> clients = new CopyOnWriteArrayList<>();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong served = new AtomicLong();
  private volatile boolean closed;

  public EventHub(int maxClients, int queueCapacity, long lifetimeNanos, ThreadFactory threads) {
    this.maxClients = maxClients;
    this.queueCapacity = queueCapacity;
    this.lifetimeNanos = lifetimeNanos;
    this.threads = threads;
  }

  /**
   * Takes over {@code ex} as a stream (headers are sent here, the writer thread closes it), after
   * queueing {@code first}. False, with {@code ex} untouched, when {@code maxClients} are connected.
   */
  public boolean open(HttpExchange ex, byte[] first) throws IOException {
    int n;
    do {
      n = slots.get();
      if (n >= maxClients || closed) {
        return false;
      }
    } while (!slots.compareAndSet(n, n + 1));
    Client c = new Client(ex, new ArrayBlockingQueue<>(queueCapacity));
    try {
      ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      ex.getResponseHeaders().set("X-Accel-Buffering", "no");
      ex.sendResponseHeaders(200, 0);
      c.queue.offer(frame(null, "retry: 1000\n"));
      c.queue.offer(first);
      clients.add(c);
      threads.newThread(c::run).start();
    } catch (IOException | RuntimeException e) {
      clients.remove(c);
      slots.decrementAndGet();
      throw e;
    }
    served.incrementAndGet();
    return true;
  }

  /** Queues {@code data} as an {@code event:} for every client; drops the ones that are full. */
  public void publish(String event, String data) {
    byte[] f = frame(event, data);
    for (Client c : clients) {
      if (!c.queue.offer(f)) {
        drop(c);
      }
    }
  }

  /** An SSE frame: {@code event:} line (when named) and one {@code data:} line per line of data. */
  public static byte[] frame(String event, String data) {
    StringBuilder sb = new StringBuilder(data.length() + 32);
    if (event == null) {
      sb.append(data).append('\n');
    } else {
      sb.append("event: ").append(event).append('\n');
      for (String line : data.split("\n", -1)) {
        sb.append("data: ").append(line).append('\n');
      }
      sb.append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private void drop(Client c) {
    if (clients.remove(c)) {
      dropped.incrementAndGet();
      c.dropped = true;
      c.queue.clear();
      c.queue.offer(END);
      LOG.debug("console: /events client {} too slow, dropped", c.ex.getRemoteAddress());
    }
  }

  /** Streams open now (writer threads alive). */
  public int clients() {
    return slots.get();
  }

  /** Clients dropped for being slow since start. */
  public long dropped() {
    return dropped.get();
  }

  /** Streams accepted since start. */
  public long served() {
    return served.get();
  }

  /**
   * Ends every open stream (their clients reconnect, and are asked for credentials again); new
   * ones are accepted as before. Used when the token changes: a stream opened with the old one
   * must not keep receiving.
   */
  public void disconnectAll() {
    for (Client c : clients) {
      if (clients.remove(c)) {
        c.queue.clear();
        c.queue.offer(END);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    disconnectAll();
  }

  private final class Client {
    final HttpExchange ex;
    final BlockingQueue<byte[]> queue;
    volatile boolean dropped;

    Client(HttpExchange ex, BlockingQueue<byte[]> queue) {
      this.ex = ex;
      this.queue = queue;
    }

    void run() {
      long deadline = System.nanoTime() + lifetimeNanos;
      try (OutputStream out = ex.getResponseBody()) {
        while (!dropped && !closed) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          byte[] f = queue.poll(left, TimeUnit.NANOSECONDS);
          if (f == null || f == END || dropped) {
            break;
          }
          out.write(f);
          out.flush();
        }
      } catch (IOException e) {
        LOG.debug("console: /events client went away: {}", e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        clients.remove(this);
        ex.close();
        slots.decrementAndGet();
      }
    }
  }
}
