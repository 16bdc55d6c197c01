/**
 * Dependency health: {@link io.lifeline.core.health.ConnectionHealthManager} with its status rules
 * ({@link io.lifeline.core.health.StatusMachine}), per-service {@link
 * io.lifeline.core.health.HealthStatus}, the degraded-feature map and the {@link
 * io.lifeline.core.health.HealthReport}.
 */
package io.lifeline.core.health;
