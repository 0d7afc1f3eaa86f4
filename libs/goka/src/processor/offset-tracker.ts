/**
 * Tracks messages of one topic-partition from the moment they start until all their effects are
 * acknowledged, and tells which offset may be committed: the one after the longest prefix of
 * finished messages. Messages finish out of order (a later one without effects can be done
 * before an earlier one's produce is acked); commits never skip an unfinished message.
 */
export class OffsetTracker {
  private offsets: number[] = [];
  private finished: boolean[] = [];
  /** Slot number of offsets[0]; slots are absolute so compaction never invalidates them. */
  private base = 0;
  private head = 0;
  private committable: number | undefined;

  begin(offset: number): number {
    this.offsets.push(offset);
    this.finished.push(false);
    return this.base + this.offsets.length - 1;
  }

  /** Marks a message finished; returns the new committable offset when it advanced. */
  finish(slot: number): number | undefined {
    this.finished[slot - this.base] = true;
    let advanced = false;
    while (this.head < this.offsets.length && this.finished[this.head]) {
      this.committable = this.offsets[this.head]! + 1;
      this.head++;
      advanced = true;
    }
    // Drop the finished prefix now and then instead of shifting on every message.
    if (this.head >= 1024) {
      this.offsets = this.offsets.slice(this.head);
      this.finished = this.finished.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
    return advanced ? this.committable : undefined;
  }

  /** Messages started but not finished. */
  get open(): number {
    return this.offsets.length - this.head;
  }

  /** The offset after the last message started. */
  get nextOffset(): number | undefined {
    const last = this.offsets[this.offsets.length - 1];
    return last === undefined ? this.committable : last + 1;
  }

  get committableOffset(): number | undefined {
    return this.committable;
  }
}
