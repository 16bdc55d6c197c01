package io.lifeline.jdbc;

import io.lifeline.core.LifelineException;

/** The write journal reached its size bound ({@code journalMaxBytes}); the command was not journaled. */
public final class JournalFullException extends LifelineException {
  private static final long serialVersionUID = 1L;

  public JournalFullException(String service, long size, long max) {
    super("'" + service + "': write journal is full (" + size + " of " + max
        + " bytes, DATABASE_JOURNAL_MAX_BYTES); the command was NOT journaled or applied");
  }
}
