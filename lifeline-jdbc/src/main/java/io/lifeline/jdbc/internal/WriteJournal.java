package io.lifeline.jdbc.internal;

import io.lifeline.jdbc.JournalFullException;
import io.lifeline.jdbc.WriteCommand;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * A durable, append-only file of {@link WriteCommand}s. Each record is {@code [int length][int
 * CRC32C of payload][payload]}; {@link #append} returns only after the record is on disk ({@code
 * FileChannel.force}). On open the file is scanned and a torn or corrupt tail (a record cut short by
 * a crash, so never acknowledged) is cut off. Bounded by {@code maxBytes}. Appends are serialized
 * by a lock (this is the degraded path, not the hot path). Not API.
 */
public final class WriteJournal implements AutoCloseable {
  private static final int HEADER = 8;
  private static final int MAX_RECORD = 16 * 1024 * 1024;

  private final String service;
  private final Path path;
  private final long maxBytes;
  private final FileChannel channel;
  private final ReentrantLock lock = new ReentrantLock();
  private final long discardedBytes;
  private volatile long end;

  private WriteJournal(String service, Path path, long maxBytes, FileChannel channel, long end, long discarded) {
    this.service = service;
    this.path = path;
    this.maxBytes = maxBytes;
    this.channel = channel;
    this.end = end;
    this.discardedBytes = discarded;
  }

  /** Opens (or creates) the journal, cutting off a torn tail. */
  public static WriteJournal open(String service, Path path, long maxBytes) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    long size = ch.size();
    long pos = 0;
    while (pos < size) {
      long next = validRecordEnd(ch, pos, size);
      if (next < 0) {
        break;
      }
      pos = next;
    }
    long discarded = size - pos;
    if (discarded > 0) {
      ch.truncate(pos);
      ch.force(true);
    }
    return new WriteJournal(service, path, maxBytes, ch, pos, discarded);
  }

  /** End offset of the valid record at {@code pos}, or -1 when it is torn or corrupt. */
  private static long validRecordEnd(FileChannel ch, long pos, long size) throws IOException {
    if (size - pos < HEADER) {
      return -1;
    }
    ByteBuffer h = ByteBuffer.allocate(HEADER);
    readFully(ch, h, pos);
    int len = h.getInt(0);
    int crc = h.getInt(4);
    if (len <= 0 || len > MAX_RECORD || size - pos - HEADER < len) {
      return -1;
    }
    ByteBuffer p = ByteBuffer.allocate(len);
    readFully(ch, p, pos + HEADER);
    CRC32C c = new CRC32C();
    c.update(p.array(), 0, len);
    return (int) c.getValue() == crc ? pos + HEADER + len : -1;
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    while (b.hasRemaining()) {
      int n = ch.read(b, pos + b.position());
      if (n < 0) {
        throw new IOException("unexpected end of journal");
      }
    }
  }

  /** Appends and fsyncs one command; returns when it is durable. */
  public void append(WriteCommand cmd) throws IOException {
    byte[] payload = encode(cmd);
    ByteBuffer buf = ByteBuffer.allocate(HEADER + payload.length);
    CRC32C c = new CRC32C();
    c.update(payload, 0, payload.length);
    buf.putInt(payload.length).putInt((int) c.getValue()).put(payload).flip();
    lock.lock();
    try {
      if (end + buf.remaining() > maxBytes) {
        throw new JournalFullException(service, end, maxBytes);
      }
      long pos = end;
      while (buf.hasRemaining()) {
        pos += channel.write(buf, pos);
      }
      channel.force(false);
      end = pos;
    } finally {
      lock.unlock();
    }
  }

  /** A record and the offset of the next one. */
  public record Entry(WriteCommand command, long next) {}

  /** The record at {@code offset}, or null when {@code offset} is the end. */
  public Entry read(long offset) throws IOException {
    if (offset >= end) {
      return null;
    }
    ByteBuffer h = ByteBuffer.allocate(HEADER);
    readFully(channel, h, offset);
    int len = h.getInt(0);
    ByteBuffer p = ByteBuffer.allocate(len);
    readFully(channel, p, offset + HEADER);
    return new Entry(decode(p.array()), offset + HEADER + len);
  }

  /** Empties the journal if everything up to {@code replayed} was applied and nothing came after. */
  public boolean clearIfReplayed(long replayed) throws IOException {
    lock.lock();
    try {
      if (replayed != end) {
        return false;
      }
      channel.truncate(0);
      channel.force(true);
      end = 0;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Bytes of valid records. */
  public long size() {
    return end;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** Bytes of torn tail cut off when the journal was opened. */
  public long discardedBytes() {
    return discardedBytes;
  }

  /** All records (for tests and tools). */
  public List<WriteCommand> readAll() throws IOException {
    List<WriteCommand> out = new ArrayList<>();
    long pos = 0;
    for (Entry e = read(pos); e != null; e = read(pos)) {
      out.add(e.command());
      pos = e.next();
    }
    return out;
  }

  public Path path() {
    return path;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  // ------------------------------------------------------------------------------------- encoding

  static byte[] encode(WriteCommand cmd) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + cmd.sql().length());
    DataOutputStream out = new DataOutputStream(bytes);
    writeString(out, cmd.idempotencyKey());
    writeString(out, cmd.sql());
    out.writeInt(cmd.params().size());
    for (Object p : cmd.params()) {
      if (p == null) {
        out.writeByte(0);
      } else if (p instanceof String) {
        out.writeByte(1);
        writeString(out, (String) p);
      } else if (p instanceof Integer) {
        out.writeByte(2);
        out.writeInt((Integer) p);
      } else if (p instanceof Long) {
        out.writeByte(3);
        out.writeLong((Long) p);
      } else if (p instanceof Short) {
        out.writeByte(4);
        out.writeShort((Short) p);
      } else if (p instanceof Double) {
        out.writeByte(5);
        out.writeDouble((Double) p);
      } else if (p instanceof Float) {
        out.writeByte(6);
        out.writeFloat((Float) p);
      } else if (p instanceof Boolean) {
        out.writeByte(7);
        out.writeBoolean((Boolean) p);
      } else if (p instanceof BigDecimal) {
        out.writeByte(8);
        BigDecimal d = (BigDecimal) p;
        out.writeInt(d.scale());
        writeBytes(out, d.unscaledValue().toByteArray());
      } else if (p instanceof UUID) {
        out.writeByte(9);
        out.writeLong(((UUID) p).getMostSignificantBits());
        out.writeLong(((UUID) p).getLeastSignificantBits());
      } else {
        out.writeByte(10);
        writeBytes(out, (byte[]) p);
      }
    }
    out.flush();
    return bytes.toByteArray();
  }

  static WriteCommand decode(byte[] payload) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
    String key = readString(in);
    String sql = readString(in);
    int n = in.readInt();
    List<Object> params = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int tag = in.readByte();
      switch (tag) {
        case 0: params.add(null); break;
        case 1: params.add(readString(in)); break;
        case 2: params.add(in.readInt()); break;
        case 3: params.add(in.readLong()); break;
        case 4: params.add(in.readShort()); break;
        case 5: params.add(in.readDouble()); break;
        case 6: params.add(in.readFloat()); break;
        case 7: params.add(in.readBoolean()); break;
        case 8: {
          int scale = in.readInt();
          params.add(new BigDecimal(new BigInteger(readBytes(in)), scale));
          break;
        }
        case 9: params.add(new UUID(in.readLong(), in.readLong())); break;
        case 10: params.add(readBytes(in)); break;
        default: throw new IOException("unknown parameter tag " + tag);
      }
    }
    return new WriteCommand(key, sql, params);
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
  }

  private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    return new String(readBytes(in), StandardCharsets.UTF_8);
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_RECORD) {
      throw new IOException("bad length " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}
