/**
 * Spring Boot 4 auto-configuration for Lifeline: {@code lifeline.*} properties ({@link
 * io.lifeline.spring.LifelineProperties}), managers as beans (the database manager wraps the
 * application's DataSource), Actuator health per service and readiness from critical features,
 * Micrometer metrics and observations, {@link io.lifeline.spring.Guarded} methods, the console, and
 * start-up failure reports naming the rejected property.
 */
package io.lifeline.spring;
