package main

import (
	"hash"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
)

// saramaConfig is Goka's default configuration with the bench's settings, the same as the
// TypeScript side: acks=all, no compression, new groups read their input from the beginning.
// Everything else (flush frequency and size, channel sizes, fetch sizes) stays Goka's default:
// the peer measures Goka as its users get it.
func saramaConfig() *sarama.Config {
	config := goka.DefaultConfig()
	// Kafka 4 removed the request versions older clients (and sarama's V2_0_0_0 default) speak.
	config.Version = sarama.V4_0_0_0
	config.Producer.RequiredAcks = sarama.WaitForAll
	config.Producer.Compression = sarama.CompressionNone
	config.Consumer.Offsets.Initial = sarama.OffsetOldest
	return config
}

// producerBuilder builds Goka's producer on saramaConfig with the Java client's partitioner
// (murmur2, sign bit masked), so that every key lands where the TypeScript side puts it.
// wrap, if set, wraps the producer (the stateful workload counts acknowledged table writes).
func producerBuilder(wrap func(goka.Producer) goka.Producer) goka.ProducerBuilder {
	return func(brokers []string, clientID string, _ func() hash.Hash32) (goka.Producer, error) {
		config := saramaConfig()
		config.ClientID = clientID
		config.Producer.Partitioner = sarama.NewCustomPartitioner(
			sarama.WithAbsFirst(),
			sarama.WithCustomHashFunction(newMurmur2),
		)
		producer, err := goka.NewProducer(brokers, config)
		if err != nil || wrap == nil {
			return producer, err
		}
		return wrap(producer), nil
	}
}

// topicManagerBuilder never creates a topic: the bench creates every topic explicitly (6
// partitions, replication 1, tables compacted) with the same code as for the TypeScript side, and
// the broker does not auto-create. A missing topic or a partition count other than expected is an
// error, not something to repair.
func topicManagerBuilder() goka.TopicManagerBuilder {
	tmc := goka.NewTopicManagerConfig()
	tmc.Table.Replication = 1
	tmc.Stream.Replication = 1
	tmc.NoCreate = true
	tmc.MismatchBehavior = goka.TMConfigMismatchBehaviorFail
	return func(brokers []string) (goka.TopicManager, error) {
		config := saramaConfig()
		config.ClientID = "goka-peer-topic-manager"
		return goka.NewTopicManager(brokers, config, tmc)
	}
}
