// Command loadgen posts AdmissionReviews over HTTPS keep-alive and reports latency.
//
// Closed loop (-rate 0): -concurrency workers send back to back for -duration: throughput.
// Open loop (-rate N): requests start on a fixed schedule whatever the answers, so a slow
// server shows up as latency instead of as a lower request rate (coordinated omission).
// Counted (-requests N): closed loop for exactly N requests, no warm-up, whatever the time:
// for measuring work per request where time means nothing (a server under a profiler).
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	FirstError  string  `json:"firstError,omitempty"`
	DurationSec float64 `json:"durationSeconds"`
	PerSecond   float64 `json:"perSecond"`
	P50Ms       float64 `json:"p50Ms"`
	P90Ms       float64 `json:"p90Ms"`
	P99Ms       float64 `json:"p99Ms"`
	MaxMs       float64 `json:"maxMs"`
	// Answers by HTTP status, "error" for requests that got none: a refusal (429) is an error above, but counted here by kind.
	Statuses map[string]int `json:"statuses"`
}

func main() {
	url := flag.String("url", "https://127.0.0.1:9443/inject", "webhook URL")
	caFile := flag.String("ca", "", "PEM CA bundle to trust")
	bodyFile := flag.String("body", "", "file holding the AdmissionReview to post")
	concurrency := flag.Int("concurrency", 16, "workers (closed loop) or connections (open loop)")
	duration := flag.Duration("duration", 10*time.Second, "measured time")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured time before it")
	rate := flag.Float64("rate", 0, "requests per second (open loop); 0 = as fast as answered")
	expect := flag.String("expect", `"uid"`, "substring every answer must contain")
	count := flag.Int64("requests", 0, "send exactly this many requests, then stop (closed loop; -duration and -warmup ignored)")
	warmCount := flag.Int64("warmup-requests", 0, "with -requests: send this many first, unmeasured, on the same connections")
	onMeasure := flag.String("on-measure", "", "with -requests: a shell command run when measuring starts and, with argument 'stop', when it ends (e.g. to switch a profiler)")
	flag.Parse()

	body, err := os.ReadFile(*bodyFile)
	check(err)
	pem, err := os.ReadFile(*caFile)
	check(err)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		check(fmt.Errorf("no certificate in %s", *caFile))
	}
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12},
			MaxIdleConnsPerHost: *concurrency,
			MaxConnsPerHost:     *concurrency,
			IdleConnTimeout:     90 * time.Second,
		},
	}

	var measuring atomic.Bool
	var mu sync.Mutex
	var latencies []time.Duration
	var errors int
	var firstError string
	statuses := map[string]int{}
	send := func() {
		start := time.Now()
		response, err := client.Post(*url, "application/json", bytes.NewReader(body))
		var answer []byte
		status := "error"
		if err == nil {
			status = fmt.Sprint(response.StatusCode)
			answer, err = io.ReadAll(response.Body)
			response.Body.Close()
			if err == nil && (response.StatusCode != 200 || !strings.Contains(string(answer), *expect)) {
				err = fmt.Errorf("HTTP %d: %.200s", response.StatusCode, answer)
			}
		}
		elapsed := time.Since(start)
		if !measuring.Load() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		statuses[status]++
		if err != nil {
			errors++
			if firstError == "" {
				firstError = err.Error()
			}
			return
		}
		latencies = append(latencies, elapsed)
	}

	stop := make(chan struct{})
	var workers sync.WaitGroup
	if *count > 0 {
		// Tickets shared by the workers; the connections they open stay in the client's pool.
		run := func(requests int64) {
			remaining := requests
			for i := 0; i < *concurrency; i++ {
				workers.Add(1)
				go func() {
					defer workers.Done()
					for atomic.AddInt64(&remaining, -1) >= 0 {
						send()
					}
				}()
			}
			workers.Wait()
		}
		run(*warmCount)
		hook := func(args ...string) {
			if *onMeasure != "" {
				command := exec.Command("sh", append([]string{"-c", *onMeasure, "on-measure"}, args...)...)
				command.Stdout, command.Stderr = os.Stderr, os.Stderr
				check(command.Run())
			}
		}
		hook()
		mu.Lock()
		latencies, errors, firstError, statuses = nil, 0, "", map[string]int{}
		mu.Unlock()
		measuring.Store(true)
		began := time.Now()
		run(*count)
		elapsed := time.Since(began)
		hook("stop")
		report(latencies, errors, firstError, statuses, elapsed)
		return
	}
	if *rate <= 0 {
		for i := 0; i < *concurrency; i++ {
			workers.Add(1)
			go func() {
				defer workers.Done()
				for {
					select {
					case <-stop:
						return
					default:
						send()
					}
				}
			}()
		}
	} else {
		workers.Add(1)
		go func() {
			defer workers.Done()
			interval := time.Duration(float64(time.Second) / *rate)
			next := time.Now()
			var inflight sync.WaitGroup
			for {
				select {
				case <-stop:
					inflight.Wait()
					return
				default:
				}
				time.Sleep(time.Until(next))
				next = next.Add(interval)
				inflight.Add(1)
				go func() { defer inflight.Done(); send() }()
			}
		}()
	}

	time.Sleep(*warmup)
	measuring.Store(true)
	began := time.Now()
	time.Sleep(*duration)
	measuring.Store(false)
	elapsed := time.Since(began)
	close(stop)
	workers.Wait()
	report(latencies, errors, firstError, statuses, elapsed)
}

func report(latencies []time.Duration, errors int, firstError string, statuses map[string]int, elapsed time.Duration) {
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	quantile := func(q float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		index := int(q * float64(len(latencies)-1))
		return float64(latencies[index].Microseconds()) / 1000
	}
	out := result{
		Requests: len(latencies), Errors: errors, FirstError: firstError,
		DurationSec: elapsed.Seconds(), PerSecond: float64(len(latencies)) / elapsed.Seconds(),
		P50Ms: quantile(0.50), P90Ms: quantile(0.90), P99Ms: quantile(0.99), MaxMs: quantile(1),
		Statuses: statuses,
	}
	check(json.NewEncoder(os.Stdout).Encode(out))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}
