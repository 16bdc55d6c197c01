package io.lifeline.core.internal;

/**
 * 64 bytes of padding in front of a subclass's fields (HotSpot lays out a superclass's fields before
 * its subclass's), so that the hot field of objects allocated back to back — the state word of
 * adjacent pool slots — never shares a cache line with its neighbour's. Without it, two threads that
 * settle on adjacent slots slowed each other down 4× through false sharing (bench/README.md). Not
 * API.
 */
@SuppressWarnings("unused")
abstract class CacheLinePadding {
  private long p00;
  private long p01;
  private long p02;
  private long p03;
  private long p04;
  private long p05;
  private long p06;
  private long p07;
}
