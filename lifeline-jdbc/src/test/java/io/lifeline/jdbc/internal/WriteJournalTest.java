package io.lifeline.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeline.jdbc.JournalFullException;
import io.lifeline.jdbc.WriteCommand;
import java.io.RandomAccessFile;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteJournalTest {

  @TempDir
  Path dir;

  @Test
  void roundTripsEveryParameterTypeInOrder() throws Exception {
    Path p = dir.resolve("j.log");
    UUID u = UUID.randomUUID();
    WriteCommand a = new WriteCommand("a", "INSERT ...", Arrays.asList(null, "s", 1, 2L, (short) 3, 4.5, 5.5f, true,
        new BigDecimal("-12.3400"), u, new byte[] {1, 2}));
    WriteCommand b = WriteCommand.of("b", "UPDATE t SET v = ?", "ü€");
    try (WriteJournal j = WriteJournal.open("db", p, 1 << 20)) {
      j.append(a);
      j.append(b);
    }
    try (WriteJournal j = WriteJournal.open("db", p, 1 << 20)) {
      List<WriteCommand> all = j.readAll();
      assertThat(all).hasSize(2);
      assertThat(all.get(0).idempotencyKey()).isEqualTo("a");
      assertThat(all.get(0).params().subList(0, 10)).containsExactlyElementsOf(a.params().subList(0, 10));
      assertThat((byte[]) all.get(0).params().get(10)).containsExactly(1, 2);
      assertThat(all.get(1)).isEqualTo(b);
      assertThat(j.discardedBytes()).isZero();
    }
  }

  @Test
  void tornLastRecordIsCutOffAndEarlierOnesKept() throws Exception {
    Path p = dir.resolve("torn.log");
    try (WriteJournal j = WriteJournal.open("db", p, 1 << 20)) {
      j.append(WriteCommand.of("k1", "INSERT 1"));
      j.append(WriteCommand.of("k2", "INSERT 2"));
    }
    long full = Files.size(p);
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(full - 3); // a crash in the middle of writing k2
    }
    try (WriteJournal j = WriteJournal.open("db", p, 1 << 20)) {
      assertThat(j.readAll()).extracting(WriteCommand::idempotencyKey).containsExactly("k1");
      assertThat(j.discardedBytes()).isPositive();
      j.append(WriteCommand.of("k3", "INSERT 3"));
    }
    try (WriteJournal j = WriteJournal.open("db", p, 1 << 20)) {
      assertThat(j.readAll()).extracting(WriteCommand::idempotencyKey).containsExactly("k1", "k3");
    }
  }

  @Test
  void corruptRecordIsDetectedByCrc() throws Exception {
    Path p = dir.resolve("crc.log");
    try (WriteJournal j = WriteJournal.open("db", p, 1 << 20)) {
      j.append(WriteCommand.of("k1", "INSERT 1"));
      j.append(WriteCommand.of("k2", "INSERT 2"));
    }
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.seek(f.length() - 2);
      f.write('X'); // flip a payload byte of the last record, length intact
    }
    try (WriteJournal j = WriteJournal.open("db", p, 1 << 20)) {
      assertThat(j.readAll()).extracting(WriteCommand::idempotencyKey).containsExactly("k1");
    }
  }

  @Test
  void sizeBoundRejectsClearlyAndKeepsTheFileIntact() throws Exception {
    Path p = dir.resolve("full.log");
    try (WriteJournal j = WriteJournal.open("orders", p, 4096)) {
      int n = 0;
      try {
        for (; n < 10_000; n++) {
          j.append(WriteCommand.of("key-" + n, "INSERT INTO t VALUES (?)", "x".repeat(100)));
        }
      } catch (JournalFullException e) {
        assertThat(e).hasMessageContaining("'orders'").hasMessageContaining("4096").hasMessageContaining("NOT journaled");
      }
      assertThat(n).isBetween(10, 100);
      assertThat(Files.size(p)).isLessThanOrEqualTo(4096).isEqualTo(j.size());
      assertThatThrownBy(() -> j.append(WriteCommand.of("more", "INSERT INTO t VALUES (?)", "x".repeat(200))))
          .isInstanceOf(JournalFullException.class);
      assertThat(j.readAll()).hasSize(n);
      assertThat(j.clearIfReplayed(j.size())).isTrue();
      assertThat(Files.size(p)).isZero();
      j.append(WriteCommand.of("again", "INSERT"));
      assertThat(j.readAll()).hasSize(1);
    }
  }

  @Test
  void unsupportedParameterTypeIsRejectedAtConstruction() {
    assertThatThrownBy(() -> WriteCommand.of("k", "INSERT", new Object()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parameter 1");
    assertThatThrownBy(() -> WriteCommand.of("", "INSERT")).isInstanceOf(IllegalArgumentException.class);
  }
}
