// Command load calls one unary gRPC method in a closed loop through grpc-go, the client library
// Grafana itself uses for backend plugins: one connection, as Grafana keeps one per plugin,
// `-concurrency` calls in flight on it, each worker sending its next request as soon as the last
// answer arrived. Requests are serialized messages prepared by the caller (bench/query.ts), so
// this client spends nothing on protobuf; it reads only what it needs of each answer to tell a
// failed query from a good one.
//
// Requests come as JSON lines on stdin, {"second": s, "message": base64}: during second s of the
// run the workers cycle through the messages of the highest second <= s (so the caller can move
// a dashboard's time range with the clock). The result is one JSON object on stdout.
//
// With -bursts, it is a dashboard's refreshes instead: each stdin line {"messages": [base64...]}
// is sent all at once on the one connection, as Grafana sends a dashboard's panel queries, and
// answered by one stdout line {"calls": [{"ms": ..., "answer": base64, "error": ...}]} in the
// same order, once all are back; the connection stays open between bursts, until stdin ends.
//
// Built in GOPATH mode against Debian's golang-google-grpc-dev (no module download):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o load ./bench/load
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
)

// rawCodec hands the prepared bytes to the transport as they are, and keeps the answer's bytes.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	message, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
	}
	return *message, nil
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	answer, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
	}
	*answer = append((*answer)[:0], data...)
	return nil
}

type request struct {
	Second  int    `json:"second"`
	Message string `json:"message"`
}

type result struct {
	Calls      int     `json:"calls"`
	Failures   int     `json:"failures"`
	FirstError string  `json:"firstError,omitempty"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"perSecond"`
	P50Ms      float64 `json:"p50Ms"`
	P95Ms      float64 `json:"p95Ms"`
	P99Ms      float64 `json:"p99Ms"`
	// answer bytes summed over all calls, to show the answers were whole
	AnswerBytes int64 `json:"answerBytes"`
	// this client's own CPU time (user + system), warm-up included: its share of the cores
	ClientCPUMs float64 `json:"clientCpuMs"`
}

func main() {
	address := flag.String("address", "", "host:port or unix:/path of the server")
	method := flag.String("method", "/pluginv2.Data/QueryData", "full method name")
	seconds := flag.Float64("seconds", 10, "how long the loop runs")
	concurrency := flag.Int("concurrency", 16, "calls in flight")
	warmup := flag.Int("warmup", 200, "calls made before the measured loop")
	check := flag.String("check", "querydata", "what a good answer is: querydata (every DataResponse without an error) or none")
	bursts := flag.Bool("bursts", false, "send each stdin line's messages at once and answer with their latencies and answers")
	flag.Parse()
	if *address == "" {
		fail(errors.New("-address is required"))
	}
	const maxMessage = math.MaxInt32
	options := []grpc.DialOption{grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{}), grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage))}
	// go-plugin's unix sockets: this grpc-go predates its "unix:" scheme.
	if path := strings.TrimPrefix(*address, "unix:"); path != *address {
		options = append(options, grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}))
	}
	conn, err := grpc.Dial(*address, options...)
	if err != nil {
		fail(fmt.Errorf("dial %s: %w", *address, err))
	}
	defer conn.Close()
	if *bursts {
		if err := serveBursts(conn, *method, bufio.NewReader(os.Stdin), os.Stdout); err != nil {
			fail(err)
		}
		return
	}
	bySecond, err := readRequests(bufio.NewReader(os.Stdin))
	if err != nil {
		fail(err)
	}

	call := func(message []byte, answer *[]byte) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := conn.Invoke(ctx, *method, &message, answer); err != nil {
			return err
		}
		if *check == "querydata" {
			return checkQueryData(*answer)
		}
		return nil
	}
	var answer []byte
	for i := 0; i < *warmup; i++ {
		messages := bySecond[0]
		if err := call(messages[i%len(messages)], &answer); err != nil {
			fail(fmt.Errorf("warm-up call: %w", err))
		}
	}

	var mu sync.Mutex
	var latencies []float64
	out := result{}
	started := time.Now()
	deadline := started.Add(time.Duration(*seconds * float64(time.Second)))
	var wg sync.WaitGroup
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			var own []float64
			var answer []byte
			var bytes int64
			failures := 0
			firstError := ""
			for n := worker; ; n += *concurrency {
				now := time.Now()
				if !now.Before(deadline) {
					break
				}
				messages := messagesAt(bySecond, int(now.Sub(started)/time.Second))
				if err := call(messages[n%len(messages)], &answer); err != nil {
					failures++
					if firstError == "" {
						firstError = err.Error()
					}
				}
				own = append(own, float64(time.Since(now).Microseconds())/1000)
				bytes += int64(len(answer))
			}
			mu.Lock()
			latencies = append(latencies, own...)
			out.Failures += failures
			out.AnswerBytes += bytes
			if out.FirstError == "" {
				out.FirstError = firstError
			}
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	out.Seconds = time.Since(started).Seconds()
	out.Calls = len(latencies)
	out.PerSecond = float64(out.Calls) / out.Seconds
	sort.Float64s(latencies)
	out.P50Ms, out.P95Ms, out.P99Ms = quantile(latencies, 0.5), quantile(latencies, 0.95), quantile(latencies, 0.99)
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err == nil {
		out.ClientCPUMs = float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e6
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func readRequests(input *bufio.Reader) (map[int][][]byte, error) {
	bySecond := map[int][][]byte{}
	decoder := json.NewDecoder(input)
	for line := 1; ; line++ {
		var r request
		if err := decoder.Decode(&r); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("stdin request %d: %w", line, err)
		}
		message, err := base64.StdEncoding.DecodeString(r.Message)
		if err != nil {
			return nil, fmt.Errorf("stdin request %d: message: %w", line, err)
		}
		bySecond[r.Second] = append(bySecond[r.Second], message)
	}
	if len(bySecond[0]) == 0 {
		return nil, errors.New("stdin: no request for second 0")
	}
	return bySecond, nil
}

// messagesAt: the requests of the latest second at or before s.
func messagesAt(bySecond map[int][][]byte, s int) [][]byte {
	for ; s > 0; s-- {
		if messages, ok := bySecond[s]; ok {
			return messages
		}
	}
	return bySecond[0]
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	return sorted[int(math.Min(float64(len(sorted)-1), math.Floor(q*float64(len(sorted)))))]
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "load:", err)
	os.Exit(2)
}

type burst struct {
	Messages []string `json:"messages"`
}

type burstCall struct {
	Ms     float64 `json:"ms"`
	Answer string  `json:"answer,omitempty"`
	Error  string  `json:"error,omitempty"`
}

// serveBursts sends each line's messages concurrently and writes their outcomes, line by line.
func serveBursts(conn *grpc.ClientConn, method string, input *bufio.Reader, output io.Writer) error {
	decoder := json.NewDecoder(input)
	encoder := json.NewEncoder(output)
	for line := 1; ; line++ {
		var b burst
		if err := decoder.Decode(&b); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("stdin burst %d: %w", line, err)
		}
		messages := make([][]byte, len(b.Messages))
		for i, text := range b.Messages {
			message, err := base64.StdEncoding.DecodeString(text)
			if err != nil {
				return fmt.Errorf("stdin burst %d: message %d: %w", line, i, err)
			}
			messages[i] = message
		}
		calls := make([]burstCall, len(messages))
		var wg sync.WaitGroup
		for i := range messages {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				var answer []byte
				started := time.Now()
				err := conn.Invoke(ctx, method, &messages[i], &answer)
				calls[i].Ms = float64(time.Since(started).Microseconds()) / 1000
				if err != nil {
					calls[i].Error = err.Error()
					return
				}
				calls[i].Answer = base64.StdEncoding.EncodeToString(answer)
			}(i)
		}
		wg.Wait()
		if err := encoder.Encode(map[string][]burstCall{"calls": calls}); err != nil {
			return err
		}
	}
}
