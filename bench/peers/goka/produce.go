package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lovoo/goka"
)

// runProduce is bench scenario 1's Emitter side: Emit called with `window` emits outstanding (each
// acknowledged emit starts the next; Goka's producer batches whatever queued meanwhile), one
// warm-up emit (connection, metadata) before the clock starts, the clock stops at the last
// acknowledgement.
func runProduce(o options) (result, error) {
	emitter, err := goka.NewEmitter(o.brokers, goka.Stream(o.topic), valueCodec{},
		goka.WithEmitterClientID("bench-produce-goka-peer"),
		goka.WithEmitterHasher(newMurmur2),
		goka.WithEmitterProducerBuilder(producerBuilder(nil)),
		goka.WithEmitterTopicManagerBuilder(topicManagerBuilder()),
	)
	if err != nil {
		return nil, err
	}
	defer func() { _ = emitter.Finish() }()

	key0 := keyOf(0, o.keys)
	if err := emitter.EmitSync(key0, benchValue(0, key0)); err != nil {
		return nil, fmt.Errorf("warm-up emit: %w", err)
	}

	var (
		slots    = make(chan struct{}, o.window)
		acked    sync.WaitGroup
		done     atomic.Int64
		firstErr atomic.Pointer[error]
		quarter  = int64(max(1, o.records/4))
	)
	started := time.Now()
	for i := 0; i < o.records && firstErr.Load() == nil; i++ {
		slots <- struct{}{}
		acked.Add(1)
		key := keyOf(i, o.keys)
		promise, err := emitter.Emit(key, benchValue(i, key))
		if err != nil {
			return nil, err
		}
		promise.Then(func(err error) {
			if err != nil {
				firstErr.CompareAndSwap(nil, &err)
			}
			if n := done.Add(1); n%quarter == 0 {
				progress("%d/%d", n, o.records)
			}
			<-slots
			acked.Done()
		})
	}
	acked.Wait()
	elapsed := time.Since(started)
	if err := firstErr.Load(); err != nil {
		return nil, fmt.Errorf("emit: %w", *err)
	}
	return result{
		"rate":      float64(o.records) / elapsed.Seconds(),
		"records":   float64(o.records),
		"elapsedMs": float64(elapsed.Milliseconds()),
	}, nil
}
