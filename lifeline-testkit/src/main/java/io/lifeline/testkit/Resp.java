package io.lifeline.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal RESP2 client for the fixtures: one command per call on a fresh loopback socket, so the
 * testkit needs no Redis driver to wire replication, Sentinel or Cluster ({@code REPLICAOF}, {@code
 * SENTINEL ...}, {@code CLUSTER ADDSLOTS / MEET}). Replies are a {@code String} (simple or bulk
 * string), a {@code Long}, {@code null}, or a {@code List<Object>}; an error reply is thrown as
 * {@link IOException} carrying Redis's message. Not for production use.
 */
public final class Resp {
  private static final int TIMEOUT_MS = 2_000;

  private Resp() {}

  /** Sends {@code args} as one command to {@code 127.0.0.1:port} and returns the reply. */
  public static Object command(int port, String... args) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MS);
      s.setSoTimeout(TIMEOUT_MS);
      OutputStream out = s.getOutputStream();
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
      for (String a : args) {
        byte[] b = a.getBytes(StandardCharsets.UTF_8);
        req.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        req.writeBytes(b);
        req.writeBytes(new byte[] {'\r', '\n'});
      }
      out.write(req.toByteArray());
      out.flush();
      return read(new BufferedInputStream(s.getInputStream()));
    }
  }

  /** As {@link #command} but returns null instead of throwing (for polling a server that may be down). */
  public static Object tryCommand(int port, String... args) {
    try {
      return command(port, args);
    } catch (IOException e) {
      return null;
    }
  }

  /** One {@code field:value} line of an {@code INFO} reply, or null. */
  public static String infoField(String info, String field) {
    if (info == null) {
      return null;
    }
    for (String line : info.split("\r?\n")) {
      if (line.startsWith(field + ":")) {
        return line.substring(field.length() + 1).trim();
      }
    }
    return null;
  }

  private static Object read(InputStream in) throws IOException {
    int type = in.read();
    if (type < 0) {
      throw new EOFException("connection closed before a reply");
    }
    String line = line(in);
    switch (type) {
      case '+':
        return line;
      case '-':
        throw new IOException(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        byte[] b = in.readNBytes(n + 2);
        return new String(b, 0, n, StandardCharsets.UTF_8);
      }
      case '*': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          try {
            items.add(read(in));
          } catch (IOException e) {
            if (e instanceof EOFException) {
              throw e;
            }
            items.add(e); // an error element inside an array
          }
        }
        return items;
      }
      default:
        throw new IOException("unexpected RESP type '" + (char) type + "'");
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (;;) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("connection closed inside a reply");
      }
      if (c == '\r') {
        in.read(); // '\n'
        return sb.toString();
      }
      sb.append((char) c);
    }
  }
}
