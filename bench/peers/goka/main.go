// Command goka-peer runs the bench's produce, stateful and recovery workloads on LOVOO's Goka
// (github.com/lovoo/goka), the library the TypeScript project is modelled on, so that
// `npm run bench -- --peers` can put both side by side on one broker.
//
//	goka-peer produce  -brokers h:p -topic T -records N -keys K -window W
//	goka-peer stateful -brokers h:p -topic T -group G -records N -dir D
//	goka-peer recovery -brokers h:p -table T -records N -dir D
//
// Topics must exist (the bench creates them). Progress goes to stderr; the result is one JSON
// object on the last line of stdout, e.g. {"rate":123456.7,"peakRssMiB":81.2,...}.
// The process exits when its standard input closes (the bench went away).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"syscall"
	"time"
)

type options struct {
	brokers []string
	topic   string
	table   string
	group   string
	dir     string
	records int
	keys    int
	window  int
}

// result is what a workload measured; main adds peakRssMiB.
type result map[string]float64

var logger = log.New(os.Stderr, "", 0)

func progress(format string, args ...any) { logger.Printf(format, args...) }

func parse(workload string, args []string) (options, error) {
	var o options
	var brokers string
	fs := flag.NewFlagSet(workload, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.StringVar(&brokers, "brokers", "", "comma-separated host:port list")
	fs.StringVar(&o.topic, "topic", "", "produce: the topic to write; stateful: the input topic")
	fs.StringVar(&o.table, "table", "", "recovery: the table (compacted changelog) to recover")
	fs.StringVar(&o.group, "group", "", "stateful: the processor group (its table is <group>-table)")
	fs.StringVar(&o.dir, "dir", "", "stateful, recovery: directory of the LevelDB storage")
	fs.IntVar(&o.records, "records", 0, "records to write, process or recover")
	fs.IntVar(&o.keys, "keys", 10_000, "produce: distinct keys")
	fs.IntVar(&o.window, "window", 10_000, "produce: emits outstanding at once")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if brokers == "" {
		return o, errors.New("-brokers is required")
	}
	o.brokers = strings.Split(brokers, ",")
	if o.records <= 0 {
		return o, errors.New("-records must be positive")
	}
	need := map[string][]string{
		"produce":  {"topic"},
		"stateful": {"topic", "group", "dir"},
		"recovery": {"table", "dir"},
	}
	values := map[string]string{"topic": o.topic, "table": o.table, "group": o.group, "dir": o.dir}
	for _, name := range need[workload] {
		if values[name] == "" {
			return o, fmt.Errorf("-%s is required for %s", name, workload)
		}
	}
	if o.keys <= 0 || o.window <= 0 {
		return o, errors.New("-keys and -window must be positive")
	}
	return o, nil
}

// peakRssMiB is the process's maximum resident set size (getrusage; KiB on Linux).
func peakRssMiB() float64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return -1
	}
	return float64(usage.Maxrss) / 1024
}

func main() {
	if len(os.Args) < 2 {
		logger.Fatalf("usage: goka-peer produce|stateful|recovery -brokers host:port ... (see -h)")
	}
	workloads := map[string]func(options) (result, error){
		"produce":  runProduce,
		"stateful": runStateful,
		"recovery": runRecovery,
	}
	workload := os.Args[1]
	run, ok := workloads[workload]
	if !ok {
		logger.Fatalf("unknown workload %q (produce, stateful, recovery)", workload)
	}
	o, err := parse(workload, os.Args[2:])
	if err != nil {
		logger.Fatalf("%s: %v", workload, err)
	}
	// The bench holds our stdin open while it runs: EOF means it is gone, and so are we.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		logger.Printf("%s: standard input closed, exiting", workload)
		os.Exit(2)
	}()
	started := time.Now()
	figures, err := run(o)
	if err != nil {
		logger.Fatalf("%s: %v", workload, err)
	}
	figures["peakRssMiB"] = peakRssMiB()
	progress("%s: done in %.1f s", workload, time.Since(started).Seconds())
	out, err := json.Marshal(figures)
	if err != nil {
		logger.Fatalf("%s: %v", workload, err)
	}
	fmt.Println(string(out))
}
