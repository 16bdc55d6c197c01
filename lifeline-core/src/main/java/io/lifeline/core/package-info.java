/**
 * Lifeline's resilience core: {@link io.lifeline.core.RetryConfig}, {@link io.lifeline.core.Backoff},
 * {@link io.lifeline.core.RetryBudget}, {@link io.lifeline.core.CircuitBreaker}, the {@link
 * io.lifeline.core.Guard} that composes them, connection state and metrics, {@link
 * io.lifeline.core.ConnectionPool}, configuration binding ({@link io.lifeline.core.Settings}) and
 * secret sanitizing ({@link io.lifeline.core.Urls}, {@link io.lifeline.core.Secrets}).
 *
 * <p>No runtime dependency but SLF4J. Everything here is thread-safe unless a type's documentation
 * says otherwise (builders are not).
 */
package io.lifeline.core;
