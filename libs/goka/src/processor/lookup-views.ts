import type { Cluster } from '../cluster/cluster.ts';
import type { LookupEdge } from '../edges.ts';
import type { Logger } from '../logger.ts';
import type { Storage } from '../storage/storage.ts';
import { View } from '../view.ts';

/**
 * The tables a group only reads (`lookup` edges): one View each, kept by the processor for its
 * whole life — every partition's callbacks read any key of them, so they are not partitioned with
 * the group.
 */
export class LookupViews {
  private readonly views = new Map<string, View<unknown>>();

  constructor(
    options: { cluster: Cluster; storage: Storage; logger: Logger },
    lookups: readonly LookupEdge<unknown>[],
    /** A view failed: the processor cannot serve its callbacks any more. */
    failed: (table: string, error: Error) => void,
  ) {
    for (const l of lookups) {
      const view = new View<unknown>({ ...options, table: l.table, codec: l.codec });
      this.views.set(l.table, view);
      view.on('error', (error) => failed(l.table, error));
    }
  }

  /** Resolves once every view has recovered. */
  async start(): Promise<void> {
    await Promise.all([...this.views.values()].map((v) => v.start()));
  }

  get(table: string, key: string): Promise<unknown> {
    return this.views.get(table)!.get(key);
  }

  /** Stops every view (also one still recovering). */
  async stop(): Promise<void> {
    await Promise.all([...this.views.values()].map((v) => v.stop()));
  }
}
