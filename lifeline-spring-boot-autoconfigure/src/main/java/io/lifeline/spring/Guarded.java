package io.lifeline.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a Spring bean method (or every public method of a bean class) through the named Guard of
 * {@link LifelineGuards}: budgeted retry, circuit breaker and timeouts from {@code lifeline.retry.*}
 * and {@code lifeline.guards.<name>.*}, with exactly the semantics of {@code guard.call(...)}. One
 * retry layer: a Lifeline exception coming out of the method (e.g. a manager's
 * ServiceUnavailableException after its own retries) is not retried again.
 *
 * <p>{@link #fallbackMethod()} names a method of the same bean with the same parameters, optionally
 * followed by a {@link Throwable} parameter, called with the failure when the guarded call fails.
 * Needs spring-aop on the class path (Boot's starters bring it); the bean is proxied like for
 * {@code @Transactional}, so self-invocation is not guarded.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Guarded {
  /** The Guard's name (its metrics, breaker and {@code lifeline.guards.<name>.*} settings). */
  String value();

  /** Name of the fallback method; empty for none. */
  String fallbackMethod() default "";
}
