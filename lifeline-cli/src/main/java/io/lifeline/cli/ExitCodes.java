package io.lifeline.cli;

/** What {@code lifeline} exits with; scripts and Kubernetes exec probes rely on them. */
public final class ExitCodes {
  /** Every checked service is HEALTHY (or the command succeeded). */
  public static final int OK = 0;
  /** At least one service is DEGRADED or RECOVERING, none UNAVAILABLE. */
  public static final int DEGRADED = 1;
  /** At least one service is UNAVAILABLE. */
  public static final int UNAVAILABLE = 2;
  /** Bad configuration or usage: nothing was checked. */
  public static final int CONFIG = 3;
  /** An unexpected failure of the command itself (a bug, or the port for serve is taken). */
  public static final int INTERNAL = 4;

  private ExitCodes() {}
}
