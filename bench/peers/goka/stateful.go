package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
)

// ackCounter wraps Goka's producer and counts the acknowledged writes to one topic: the
// processor's changelog. A count processor writes its table once per input record, so when the
// count reaches the number of records, every record's effects are durable (store written before
// the emit, changelog acknowledged, offset markable) — the clock of the TypeScript side.
type ackCounter struct {
	goka.Producer
	topic  string
	acked  atomic.Int64
	failed atomic.Pointer[error]
	target int64
	all    chan struct{}
}

func (c *ackCounter) count(p *goka.Promise, topic string) *goka.Promise {
	if topic != c.topic {
		return p
	}
	return p.Then(func(err error) {
		if err != nil {
			c.failed.CompareAndSwap(nil, &err)
		}
		if c.acked.Add(1) == c.target {
			close(c.all)
		}
	})
}

func (c *ackCounter) Emit(topic, key string, value []byte) *goka.Promise {
	return c.count(c.Producer.Emit(topic, key, value), topic)
}

func (c *ackCounter) EmitWithHeaders(topic, key string, value []byte, headers goka.Headers) *goka.Promise {
	return c.count(c.Producer.EmitWithHeaders(topic, key, value, headers), topic)
}

// runStateful is bench scenario 3's throughput: a count-per-key processor (LevelDB storage,
// changelog) reads the input topic from the beginning with a new group and an empty table; the
// clock starts at the first callback and stops when o.records table writes are acknowledged.
// The topic may hold more records than that: the TypeScript side's latency phase appends to it
// (as its own later repetitions see too, which also stop the clock at the first o.records).
func runStateful(o options) (result, error) {
	group := goka.Group(o.group)
	table := string(goka.GroupTable(group))
	counter := &ackCounter{topic: table, target: int64(o.records), all: make(chan struct{})}
	var (
		callbacks atomic.Int64
		firstAt   atomic.Pointer[time.Time]
		quarter   = int64(max(1, o.records/4))
	)
	graph := goka.DefineGroup(group,
		goka.Input(goka.Stream(o.topic), valueCodec{}, func(ctx goka.Context, _ any) {
			if callbacks.Add(1) == 1 {
				now := time.Now()
				firstAt.Store(&now)
			}
			var n int64
			if v := ctx.Value(); v != nil {
				n = v.(int64)
			}
			ctx.SetValue(n + 1)
			if c := callbacks.Load(); c%quarter == 0 {
				progress("%d/%d", c, o.records)
			}
		}),
		goka.Persist(countCodec{}),
	)
	processor, err := goka.NewProcessor(o.brokers, graph,
		goka.WithClientID("bench-stateful-goka-peer"),
		goka.WithHasher(newMurmur2),
		goka.WithStorageBuilder(storage.DefaultBuilder(o.dir)),
		goka.WithProducerBuilder(producerBuilder(func(p goka.Producer) goka.Producer {
			counter.Producer = p
			return counter
		})),
		goka.WithConsumerGroupBuilder(goka.ConsumerGroupBuilderWithConfig(saramaConfig())),
		goka.WithConsumerSaramaBuilder(goka.SaramaConsumerBuilderWithConfig(saramaConfig())),
		goka.WithTopicManagerBuilder(topicManagerBuilder()),
	)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- processor.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-stopped; err != nil {
			progress("stateful: processor stopped with %v", err)
		}
	}()

	select {
	case <-counter.all:
	case err := <-stopped:
		stopped <- err // for the deferred wait
		return nil, fmt.Errorf("processor stopped before the end: %v", err)
	}
	end := time.Now()
	if err := counter.failed.Load(); err != nil {
		return nil, fmt.Errorf("table write: %w", *err)
	}
	if got := callbacks.Load(); got < int64(o.records) {
		return nil, fmt.Errorf("%d callbacks for %d acknowledged table writes", got, o.records)
	}
	elapsed := end.Sub(*firstAt.Load())
	return result{
		"rate":      float64(o.records) / elapsed.Seconds(),
		"records":   float64(o.records),
		"elapsedMs": float64(elapsed.Milliseconds()),
	}, nil
}
