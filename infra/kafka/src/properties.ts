export interface BrokerConfig {
  /** PLAINTEXT port that clients use. */
  port: number;
  /** CONTROLLER port, used by the KRaft quorum only; clients must never point at it. */
  controllerPort: number;
  /** Absolute path of the log dir (KRaft metadata + topic data). */
  logDir: string;
  /**
   * Topics are created explicitly (kafkajs admin, libs/goka's topic manager). Auto-creation
   * would make a 1-partition topic out of a typo or a missing setup step and silently break
   * co-partitioning, so it is off unless asked for.
   */
  autoCreateTopics?: boolean;
  /** Extra or overriding keys, e.g. for a test that needs `log.cleaner.backoff.ms`. */
  overrides?: Record<string, string | number | boolean>;
  /** This node's id. Default 1. */
  nodeId?: number;
  /**
   * Every voter of the KRaft quorum (this node included) when the node is one of a cluster;
   * default: this node alone. The quorum size also sizes the internal topics' replication.
   */
  quorum?: readonly QuorumVoter[];
}

export interface QuorumVoter {
  nodeId: number;
  controllerPort: number;
}

/**
 * Replication fit for a cluster of `nodes` brokers: 3 copies and 2 in sync on three or more
 * (one broker may fail without refusing acks=all writes), everything 1 on a single broker.
 * libs/goka picks its topic defaults by the same rule.
 */
export function replicationFor(nodes: number): { factor: number; minInsync: number } {
  const factor = Math.max(1, Math.min(3, nodes));
  return { factor, minInsync: Math.max(1, factor - 1) };
}

const HOST = '127.0.0.1';

/**
 * A combined broker+controller with a static quorum (works with any ports): one voter by
 * default, or the given `quorum` of a multi-node cluster.
 */
export function serverProperties(config: BrokerConfig): Record<string, string> {
  const nodeId = config.nodeId ?? 1;
  const quorum = config.quorum ?? [{ nodeId, controllerPort: config.controllerPort }];
  const { factor, minInsync } = replicationFor(quorum.length);
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': nodeId,
    'controller.quorum.voters': quorum.map((v) => `${v.nodeId}@${HOST}:${v.controllerPort}`).join(','),
    listeners: `PLAINTEXT://${HOST}:${config.port},CONTROLLER://${HOST}:${config.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${HOST}:${config.port}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': config.logDir,
    'offsets.topic.replication.factor': factor,
    'transaction.state.log.replication.factor': factor,
    'transaction.state.log.min.isr': minInsync,
    'share.coordinator.state.topic.replication.factor': factor,
    'share.coordinator.state.topic.min.isr': minInsync,
    // Topics created without an explicit factor (replicationFactor -1) and their acks=all floor.
    'default.replication.factor': factor,
    'min.insync.replicas': minInsync,
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': config.autoCreateTopics ?? false,
    ...config.overrides,
  };
  return Object.fromEntries(Object.entries(props).map(([key, value]) => [key, String(value)]));
}

/** Java properties syntax: `\`, `:`, `=` and leading blanks must be escaped in values. */
export function renderProperties(props: Record<string, string>): string {
  const escapeValue = (value: string) =>
    value
      .replace(/\\/g, '\\\\')
      .replace(/([:=])/g, '\\$1')
      .replace(/^\s/, '\\$&');
  return `${Object.entries(props)
    .map(([key, value]) => `${key}=${escapeValue(value)}`)
    .join('\n')}\n`;
}

/** Parses what `renderProperties` writes (enough for tests and for reading a config back). */
export function parseProperties(text: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim() || /^\s*[#!]/.test(line)) continue;
    const match = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (match) props[match[1]!.trim()] = match[2]!.replace(/\\(.)/g, '$1');
  }
  return props;
}

/**
 * Console-only log4j2 config: warnings and errors, plus the INFO line `Kafka Server started`
 * from KafkaRaftServer. The broker's stdout goes to a log file next to its data.
 */
export function renderLog4jConfig(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="STDOUT" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="WARN"><AppenderRef ref="STDOUT"/></Root>
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>
  </Loggers>
</Configuration>
`;
}
