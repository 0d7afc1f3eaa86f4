import { describe, expect, test } from 'vitest';
import {
  parseProperties,
  renderLog4jConfig,
  renderProperties,
  replicationFor,
  serverProperties,
} from '../src/properties.ts';

const config = { port: 19092, controllerPort: 19093, logDir: '/tmp/kafka-test/kraft' };

describe('serverProperties', () => {
  test('is a combined broker/controller with a static one-voter quorum on 127.0.0.1', () => {
    const props = serverProperties(config);
    expect(props).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:19093',
      listeners: 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:19092',
      'inter.broker.listener.name': 'PLAINTEXT',
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'log.dirs': '/tmp/kafka-test/kraft',
    });
  });

  test('sizes every internal topic for a single node and does not delay the first rebalance', () => {
    expect(serverProperties(config)).toMatchObject({
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'share.coordinator.state.topic.replication.factor': '1',
      'share.coordinator.state.topic.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
    });
  });

  test('clients never learn the controller port', () => {
    expect(serverProperties(config)['advertised.listeners']).not.toContain('19093');
  });

  test('topic auto-creation is off unless asked for', () => {
    expect(serverProperties(config)['auto.create.topics.enable']).toBe('false');
    expect(serverProperties({ ...config, autoCreateTopics: true })['auto.create.topics.enable']).toBe('true');
  });

  test('overrides win over defaults', () => {
    const props = serverProperties({ ...config, overrides: { 'log.cleaner.backoff.ms': 100, 'node.id': 1 } });
    expect(props['log.cleaner.backoff.ms']).toBe('100');
  });
});

describe('renderProperties', () => {
  test('escapes what Java properties would misread and round-trips', () => {
    const props = { 'log.dirs': 'C:\\kafka data\\a=b', listeners: 'PLAINTEXT://127.0.0.1:1' };
    const text = renderProperties(props);
    expect(text).toContain('log.dirs=C\\:\\\\kafka data\\\\a\\=b\n');
    expect(parseProperties(text)).toEqual(props);
  });

  test('writes one key per line', () => {
    expect(renderProperties(serverProperties(config)).trimEnd().split('\n')).toHaveLength(
      Object.keys(serverProperties(config)).length,
    );
  });
});

test('log4j config: WARN at the root, INFO for the server-started line, console only', () => {
  const xml = renderLog4jConfig();
  expect(xml).toContain('<Root level="WARN">');
  expect(xml).toContain('<Logger name="kafka.server.KafkaRaftServer" level="INFO"/>');
  expect(xml).not.toContain('File');
});

describe('serverProperties of a node in a cluster', () => {
  const quorum = [
    { nodeId: 1, controllerPort: 19093 },
    { nodeId: 2, controllerPort: 19193 },
    { nodeId: 3, controllerPort: 19293 },
  ];

  test('names every voter of the static quorum and its own node id', () => {
    const props = serverProperties({ ...config, nodeId: 2, quorum });
    expect(props['node.id']).toBe('2');
    expect(props['controller.quorum.voters']).toBe('1@127.0.0.1:19093,2@127.0.0.1:19193,3@127.0.0.1:19293');
  });

  test('replicates internal topics 3 times with 2 in sync on three nodes, and makes that the topic default', () => {
    expect(serverProperties({ ...config, quorum })).toMatchObject({
      'offsets.topic.replication.factor': '3',
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.min.isr': '2',
      'share.coordinator.state.topic.replication.factor': '3',
      'share.coordinator.state.topic.min.isr': '2',
      'default.replication.factor': '3',
      'min.insync.replicas': '2',
    });
  });

  test('replicationFor: 1 on one broker, 2/1 on two, 3/2 from three up', () => {
    expect(replicationFor(1)).toEqual({ factor: 1, minInsync: 1 });
    expect(replicationFor(2)).toEqual({ factor: 2, minInsync: 1 });
    expect(replicationFor(3)).toEqual({ factor: 3, minInsync: 2 });
    expect(replicationFor(5)).toEqual({ factor: 3, minInsync: 2 });
  });
});
