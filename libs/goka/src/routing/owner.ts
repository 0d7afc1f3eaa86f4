/**
 * Where a read of a group table's key is answered (Kafka Streams' `queryMetadataForKey`,
 * Faust's `table_route`): here, at another member's endpoint, or nowhere right now.
 */
export type Owner =
  /** This instance owns the key's partition and has recovered it: `processor.get` answers. */
  | { readonly kind: 'local'; readonly partition: number }
  /** Another member owns it; `standbys` keep warm copies (they do not answer reads). */
  | {
      readonly kind: 'remote';
      readonly partition: number;
      readonly endpoint: string;
      readonly standbys: readonly string[];
    }
  /**
   * Nobody is known to answer: a rebalance is in progress, the owner still recovers, or the
   * owner published no endpoint. Retry shortly (HTTP: 503 with Retry-After).
   */
  | { readonly kind: 'unavailable'; readonly partition: number | undefined; readonly reason: string };

/** `processor.get` of a key whose partition this instance does not own, or has not recovered. */
export class NotLocal extends Error {
  constructor(
    readonly key: string,
    readonly owner: Owner,
  ) {
    super(
      owner.kind === 'remote'
        ? `key ${JSON.stringify(key)} (partition ${owner.partition}) is owned by ${owner.endpoint}`
        : `key ${JSON.stringify(key)} is not readable here: ${owner.kind === 'unavailable' ? owner.reason : owner.kind}`,
    );
    this.name = 'NotLocal';
  }
}
