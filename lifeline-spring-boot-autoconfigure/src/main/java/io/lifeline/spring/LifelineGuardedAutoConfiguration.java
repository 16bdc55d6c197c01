package io.lifeline.spring;

import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.ComposablePointcut;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** {@link Guarded} methods through Spring AOP (a post-processor like {@code @Async}'s, no AspectJ needed). */
@AutoConfiguration(after = LifelineAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "lifeline.enabled", matchIfMissing = true)
@ConditionalOnClass(AbstractBeanFactoryAwareAdvisingPostProcessor.class)
public class LifelineGuardedAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  public static GuardedPostProcessor lifelineGuardedPostProcessor(ObjectProvider<LifelineGuards> guards) {
    return new GuardedPostProcessor(guards);
  }

  /** Proxies beans with {@link Guarded} methods or classes. */
  public static final class GuardedPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor {
    private static final long serialVersionUID = 1L;

    GuardedPostProcessor(ObjectProvider<LifelineGuards> guards) {
      ComposablePointcut pointcut = new ComposablePointcut(new AnnotationMatchingPointcut(Guarded.class, true))
          .union(new AnnotationMatchingPointcut(null, Guarded.class, true));
      this.advisor = new DefaultPointcutAdvisor(pointcut, new GuardedMethodInterceptor(guards::getObject));
      setProxyTargetClass(true);
      setBeforeExistingAdvisors(true);
    }
  }
}
