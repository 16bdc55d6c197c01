/** Implementation of lifeline-redis; not API, may change without notice. */
package io.lifeline.redis.internal;
