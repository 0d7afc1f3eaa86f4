import { Admin, FindCoordinatorKeyTypes } from '@platformatic/kafka';
import type { RetryOptions } from 'kafkajs';
import { retrySchedule } from './producer.ts';

/**
 * The broker that coordinates each consumer group, looked up once per group and shared by the
 * cluster's platformatic transactional producers. A transaction's offsets (TxnOffsetCommit)
 * go to the group's coordinator, and @platformatic/kafka 1.x takes its node id from the
 * consumed message's metadata, which records consumed through kafkajs do not carry: this is
 * where it comes from. A failed transaction `forget`s its group, so a coordinator that moved is
 * looked up again.
 */
export class GroupCoordinators {
  private admin: Admin | undefined;
  private readonly nodes = new Map<string, Promise<number>>();
  private closed = false;

  constructor(
    private readonly brokers: readonly string[],
    private readonly clientId: string,
    private readonly retry: RetryOptions,
  ) {}

  nodeId(group: string): Promise<number> {
    if (this.closed) return Promise.reject(new Error('group coordinators: closed'));
    let node = this.nodes.get(group);
    if (!node) {
      node = this.lookUp(group);
      this.nodes.set(group, node);
      node.catch(() => this.nodes.delete(group));
    }
    return node;
  }

  forget(group: string): void {
    this.nodes.delete(group);
  }

  private async lookUp(group: string): Promise<number> {
    this.admin ??= new Admin({
      clientId: this.clientId,
      bootstrapBrokers: [...this.brokers],
      connectTimeout: 3_000,
      retries: this.retry.retries ?? 5,
      retryDelay: retrySchedule(this.retry),
    });
    const found = await this.admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [group] });
    const node = found.find((c) => c.key === group);
    if (!node) throw new Error(`no coordinator found for group "${group}"`);
    return node.nodeId;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.nodes.clear();
    await this.admin?.close();
  }
}
