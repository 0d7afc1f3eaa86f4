import type { ClusterProducer } from '../../cluster/cluster.ts';
import type { MembershipLease } from './membership-lease.ts';

/**
 * The client side of a processor's batching producer, behind the membership lease: a produce
 * request is refused (with the lapse) once the lease ran out. The task's per-record check cannot
 * see everything: after a freeze Node may run the producer's scheduled send (setImmediate), or
 * the next request that an acknowledgement read on thaw releases, before any record or timer
 * runs. This is the last check before records reach kafkajs. A refused request fails its
 * records like a failed produce; the processor swaps in a fresh batching producer at the lapse
 * (the refused one is sticky-failed and is dropped).
 */
export function leasedProducer(
  inner: ClusterProducer,
  lease: MembershipLease,
  lapsed: () => Error,
): ClusterProducer {
  return {
    send: (records) => (lease.lapsed() ? Promise.reject(lapsed()) : inner.send(records)),
    close: () => inner.close(),
  };
}
