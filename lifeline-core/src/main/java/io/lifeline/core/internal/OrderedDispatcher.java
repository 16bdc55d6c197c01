package io.lifeline.core.internal;

import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events of one source to its consumer on an executor, one at a time and in sequence
 * order, never on the publishing thread.
 *
 * <p>Sources publish each event with a sequence number that grows by exactly one per event (the
 * generation of a state word, bumped by the CAS that made the transition). Two threads that make
 * consecutive transitions may publish in the opposite order; the drainer holds an early event back
 * until its predecessor arrives, so the consumer always sees transitions in the order they
 * happened. Sequence numbers are compared under {@code mask} so they may wrap.
 *
 * <p>Lock-free: a work-in-progress counter makes at most one drain run at a time; the drain-local
 * reorder buffer is only touched by the current drainer, and the counter's atomic updates order the
 * handover between drainers. A consumer that throws is logged and does not stop later events.
 */
public final class OrderedDispatcher<E> {
  private static final Logger LOG = LoggerFactory.getLogger(OrderedDispatcher.class);

  private final String source;
  private final Executor executor;
  private final Consumer<? super E> consumer;
  private final long mask;
  private final ConcurrentLinkedQueue<Sequenced<E>> incoming = new ConcurrentLinkedQueue<>();
  private final AtomicInteger wip = new AtomicInteger();
  private final PriorityQueue<Sequenced<E>> held;
  private long next;

  public OrderedDispatcher(String source, Executor executor, long firstSequence, long mask,
      Consumer<? super E> consumer) {
    this.source = source;
    this.executor = executor;
    this.consumer = consumer;
    this.mask = mask;
    this.next = firstSequence & mask;
    this.held = new PriorityQueue<>((a, b) -> Long.compare(distance(a.seq), distance(b.seq)));
  }

  private long distance(long seq) {
    return (seq - next) & mask;
  }

  /** Publishes event {@code seq}; returns at once. */
  public void publish(long seq, E event) {
    incoming.add(new Sequenced<>(seq & mask, event));
    if (wip.getAndIncrement() == 0) {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        LOG.warn("{}: event executor rejected delivery; delivering on the publishing thread", source);
        drain();
      }
    }
  }

  private void drain() {
    int missed = 1;
    for (;;) {
      Sequenced<E> s;
      while ((s = incoming.poll()) != null) {
        held.add(s);
      }
      while (!held.isEmpty() && held.peek().seq == next) {
        deliver(held.poll().event);
        next = (next + 1) & mask;
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private void deliver(E event) {
    try {
      consumer.accept(event);
    } catch (RuntimeException | Error e) {
      LOG.warn("{}: listener threw while handling {}; other listeners and later events are unaffected",
          source, event, e);
    }
  }

  private static final class Sequenced<E> {
    final long seq;
    final E event;

    Sequenced(long seq, E event) {
      this.seq = seq;
      this.event = event;
    }
  }
}
