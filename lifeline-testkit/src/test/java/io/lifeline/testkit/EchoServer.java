package io.lifeline.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny echo server on 127.0.0.1 for testing {@link FaultProxy}: every byte received is written
 * back; at end of stream it closes the connection. One daemon thread per connection.
 */
final class EchoServer implements AutoCloseable {
  static final String THREAD_PREFIX = "test-echo-";

  private final ServerSocket serverSocket;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile boolean closed;

  private EchoServer(ServerSocket serverSocket) {
    this.serverSocket = serverSocket;
  }

  static EchoServer start() throws IOException {
    ServerSocket ss = new ServerSocket();
    ss.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
    EchoServer server = new EchoServer(ss);
    server.startThread("accept", server::acceptLoop);
    return server;
  }

  int port() {
    return serverSocket.getLocalPort();
  }

  /** Connections accepted so far. */
  int accepted() {
    return accepted.get();
  }

  /** Connections currently open on the server side. */
  int open() {
    return open.size();
  }

  private void startThread(String name, Runnable body) {
    Thread t =
        new Thread(
            () -> {
              try {
                body.run();
              } finally {
                threads.remove(Thread.currentThread());
              }
            },
            THREAD_PREFIX + name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket s;
      try {
        s = serverSocket.accept();
      } catch (IOException e) {
        return;
      }
      int n = accepted.incrementAndGet();
      open.add(s);
      if (closed) {
        closeQuietly(s);
        return;
      }
      startThread("conn-" + n, () -> echo(s));
    }
  }

  private void echo(Socket s) {
    try (s) {
      s.setTcpNoDelay(true);
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      // reset or closed: done
    } finally {
      open.remove(s);
    }
  }

  /** Closes the listening socket and every connection, and waits for the server's threads. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(serverSocket);
    for (Socket s : List.copyOf(open)) {
      closeQuietly(s);
    }
    try {
      for (Thread t : List.copyOf(threads)) {
        t.join(TimeUnit.SECONDS.toMillis(5));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // closing
    }
  }
}
