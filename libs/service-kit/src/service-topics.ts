import { type Group, groupOwnTopics, type TopicSpec } from '@showcase/goka';

/** A topic a service touches, before its partition count is known. */
export interface TopicUse {
  readonly name: string;
  readonly compacted?: boolean;
}

/** Every topic a group reads or writes: inputs, joined and looked-up tables, outputs, its own. */
export function groupTopics(group: Group<unknown, unknown>, deadLetter: boolean): TopicUse[] {
  return [
    ...group.inputs.map((edge) => ({ name: edge.topic })),
    ...group.joins.map((edge) => ({ name: edge.table, compacted: true })),
    ...group.lookups.map((edge) => ({ name: edge.table, compacted: true })),
    ...group.outputs.map((edge) => ({ name: edge.topic })),
    ...groupOwnTopics(group, deadLetter),
  ];
}

/**
 * One spec per topic name, all with `partitions` (co-partitioning of inputs, loops and tables);
 * a topic used once as a table and once as a stream (a compacted output read by a view) is
 * compacted.
 */
export function topicSpecsOf(uses: Iterable<TopicUse>, partitions: number): TopicSpec[] {
  const byName = new Map<string, TopicSpec>();
  for (const use of uses) {
    const compacted = Boolean(use.compacted) || Boolean(byName.get(use.name)?.compacted);
    byName.set(
      use.name,
      compacted ? { name: use.name, partitions, compacted } : { name: use.name, partitions },
    );
  }
  return [...byName.values()];
}

/**
 * The failure policy of a group that does not set one: `dead-letter` when it reads a topic of
 * another service (a name not starting with `<service>-`): one bad record from elsewhere must not
 * stop this service; `fail` when every input is the service's own.
 */
export function defaultFailurePolicy(
  service: string,
  group: { readonly inputs: readonly { readonly topic: string }[] },
): 'fail' | 'dead-letter' {
  const own = `${service}-`;
  return group.inputs.some((edge) => !edge.topic.startsWith(own)) ? 'dead-letter' : 'fail';
}
