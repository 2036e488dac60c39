// The nats.go baseline of `deno task bench` (scripts/bench/client.ts): request-reply RTT with the
// responder on a second connection, and native RTT (PING/PONG), both in microseconds.
// Built with Go modules at the nats.go version go.mod pins (scripts/bench/_nats_go.ts does this):
//
//	go build -o /tmp/nunect-bench-go .
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/nats-io/nats.go"
)

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

func stats(samples []float64) map[string]float64 {
	sort.Float64s(samples)
	return map[string]float64{
		"median": percentile(samples, 0.5),
		"p99":    percentile(samples, 0.99),
		"n":      float64(len(samples)),
	}
}

func main() {
	url := flag.String("url", nats.DefaultURL, "server URL")
	creds := flag.String("creds", "", ".creds file (operator mode)")
	n := flag.Int("n", 2000, "samples")
	warmup := flag.Int("warmup", 200, "warm-up round trips")
	interactive := flag.Bool("interactive", false, "read batch commands from stdin")
	flag.Parse()

	opts := []nats.Option{}
	if *creds != "" {
		opts = append(opts, nats.UserCredentials(*creds))
	}
	responder, err := nats.Connect(*url, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer responder.Close()
	requester, err := nats.Connect(*url, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer requester.Close()

	if _, err := responder.Subscribe("bench.echo", func(m *nats.Msg) {
		r := nats.NewMsg(m.Reply)
		r.Data = m.Data
		r.Header = m.Header
		_ = m.RespondMsg(r)
	}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	responder.Flush()

	payload := []byte(`{"probe":1,"pad":"xxxxxxxxxxxxxxxxxxxx"}`)
	request := func() {
		m := nats.NewMsg("bench.echo")
		m.Data = payload
		m.Header.Set("X-Unit-ID", "bench-go")
		m.Header.Set("X-TX-Timestamp", fmt.Sprint(time.Now().UnixNano()))
		if _, err := requester.RequestMsg(m, 5*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	rtt := func() {
		if _, err := requester.RTT(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	measure := func(fn func(), count int) []float64 {
		out := make([]float64, 0, count)
		for i := 0; i < count; i++ {
			t0 := time.Now()
			fn()
			out = append(out, float64(time.Since(t0).Nanoseconds())/1000)
		}
		return out
	}
	for i := 0; i < *warmup; i++ {
		request()
		rtt()
	}

	if *interactive {
		// One command per line, "app N" or "native N"; answers one JSON array of µs per line.
		// Lets the caller interleave batches with other clients so that all see the same load.
		fmt.Printf("{\"version\":%q}\n", nats.Version)
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			var kind string
			var count int
			if _, err := fmt.Sscanf(in.Text(), "%s %d", &kind, &count); err != nil {
				fmt.Fprintln(os.Stderr, "bad command:", in.Text())
				os.Exit(2)
			}
			fn := request
			if kind == "native" {
				fn = rtt
			}
			out, _ := json.Marshal(measure(fn, count))
			fmt.Println(string(out))
		}
		return
	}

	out, _ := json.Marshal(map[string]interface{}{
		"version": nats.Version,
		"app":     stats(measure(request, *n)),
		"native":  stats(measure(rtt, *n)),
	})
	fmt.Println(string(out))
}
