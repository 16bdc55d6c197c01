package io.lifeline.console.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Checks an {@code Authorization: Bearer …} header against the configured token in constant time:
 * both sides are hashed first, so neither the token's length nor the position of the first wrong
 * character shows in the time taken. Not API.
 */
public final class BearerToken {
  private static final String PREFIX = "Bearer ";
  private final byte[] expected;

  public BearerToken(String token) {
    this.expected = sha256(token);
  }

  /** True when {@code authorization} is {@code Bearer <token>} (scheme case-insensitive). */
  public boolean matches(String authorization) {
    String presented = authorization != null && authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
        ? authorization.substring(PREFIX.length()).trim() : "";
    return MessageDigest.isEqual(expected, sha256(presented)) & !presented.isEmpty();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
