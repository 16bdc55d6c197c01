package io.lifeline.spring;

import io.lifeline.core.CallFailedException;
import io.lifeline.core.Guard;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.annotation.AnnotatedElementUtils;

/** Runs {@link Guarded} methods through their Guard. */
final class GuardedMethodInterceptor implements MethodInterceptor {
  private final Supplier<LifelineGuards> guards;
  private final Map<Method, Method> fallbacks = new ConcurrentHashMap<>();

  GuardedMethodInterceptor(Supplier<LifelineGuards> guards) {
    this.guards = guards;
  }

  @Override
  public Object invoke(MethodInvocation invocation) throws Throwable {
    Object target = invocation.getThis();
    Class<?> targetClass = target == null ? invocation.getMethod().getDeclaringClass() : AopUtils.getTargetClass(target);
    Method method = AopUtils.getMostSpecificMethod(invocation.getMethod(), targetClass);
    Guarded guarded = AnnotatedElementUtils.findMergedAnnotation(method, Guarded.class);
    if (guarded == null) {
      guarded = AnnotatedElementUtils.findMergedAnnotation(targetClass, Guarded.class);
    }
    if (guarded == null) {
      return invocation.proceed();
    }
    Guard guard = guards.get().guard(guarded.value());
    try {
      return guard.call(() -> {
        try {
          return invocation.proceed();
        } catch (Exception | Error e) {
          throw e;
        } catch (Throwable t) {
          throw new IllegalStateException(t);
        }
      });
    } catch (RuntimeException | Error failure) {
      Throwable shown = failure instanceof CallFailedException && failure.getCause() != null
          && !(failure.getCause() instanceof InterruptedException) ? failure.getCause() : failure;
      if (guarded.fallbackMethod().isEmpty()) {
        throw shown;
      }
      return fallback(target, targetClass, method, guarded.fallbackMethod(), invocation.getArguments(), shown);
    }
  }

  private Object fallback(Object target, Class<?> targetClass, Method method, String name, Object[] args,
      Throwable failure) throws Throwable {
    Method fb = fallbacks.computeIfAbsent(method, m -> find(targetClass, m, name));
    Object[] callArgs = fb.getParameterCount() == args.length ? args : append(args, failure);
    try {
      return fb.invoke(target, callArgs);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static Object[] append(Object[] args, Throwable failure) {
    Object[] a = Arrays.copyOf(args, args.length + 1);
    a[args.length] = failure;
    return a;
  }

  private static Method find(Class<?> type, Method guarded, String name) {
    Class<?>[] params = guarded.getParameterTypes();
    Class<?>[] withError = Arrays.copyOf(params, params.length + 1);
    withError[params.length] = Throwable.class;
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Method m : c.getDeclaredMethods()) {
        if (!m.getName().equals(name)) {
          continue;
        }
        Class<?>[] p = m.getParameterTypes();
        boolean plain = Arrays.equals(p, params);
        boolean error = p.length == params.length + 1 && Arrays.equals(Arrays.copyOf(p, params.length), params)
            && Throwable.class.isAssignableFrom(p[params.length]);
        if (plain || error) {
          if (!guarded.getReturnType().isAssignableFrom(m.getReturnType()) && guarded.getReturnType() != void.class) {
            continue;
          }
          m.setAccessible(true);
          return m;
        }
      }
    }
    throw new IllegalStateException("@Guarded fallbackMethod '" + name + "' of " + type.getName() + "." + guarded.getName()
        + ": no method " + name + "(" + Arrays.toString(params) + "[, Throwable]) returning "
        + guarded.getReturnType().getSimpleName());
  }
}
