/** RedisConnectionManager: Lettuce with fail-fast options, a Redis-identical fallback cache and reconciliation after an outage. */
package io.lifeline.redis;
