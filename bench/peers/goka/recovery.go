package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
)

// runRecovery is bench scenario 4's view side: a View of the table with LevelDB storage on an
// empty directory; the clock runs from Run to the view's running state (every partition caught
// up with the high-water mark it saw at start).
func runRecovery(o options) (result, error) {
	var recovered atomic.Int64
	view, err := goka.NewView(o.brokers, goka.Table(o.table), valueCodec{},
		goka.WithViewClientID("bench-recovery-goka-peer"),
		goka.WithViewHasher(newMurmur2),
		goka.WithViewStorageBuilder(storage.DefaultBuilder(o.dir)),
		goka.WithViewConsumerSaramaBuilder(goka.SaramaConsumerBuilderWithConfig(saramaConfig())),
		goka.WithViewTopicManagerBuilder(topicManagerBuilder()),
		goka.WithViewCallback(func(ctx goka.UpdateContext, s storage.Storage, key string, value []byte) error {
			recovered.Add(1)
			return goka.DefaultUpdate(ctx, s, key, value)
		}),
	)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	ticker := time.NewTicker(2 * time.Second)
	defer ticker.Stop()

	started := time.Now()
	go func() { stopped <- view.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-stopped; err != nil {
			progress("recovery: view stopped with %v", err)
		}
	}()
	running := view.WaitRunning()
wait:
	for {
		select {
		case <-running:
			break wait
		case err := <-stopped:
			stopped <- err
			return nil, fmt.Errorf("view stopped before running: %v", err)
		case <-ticker.C:
			progress("%d/%d records", recovered.Load(), o.records)
		}
	}
	elapsed := time.Since(started)
	if got := recovered.Load(); got < int64(o.records) {
		return nil, fmt.Errorf("recovered %d of %d records", got, o.records)
	}
	return result{
		"rate":      float64(o.records) / elapsed.Seconds(),
		"records":   float64(recovered.Load()),
		"elapsedMs": float64(elapsed.Milliseconds()),
	}, nil
}
