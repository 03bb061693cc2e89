package realserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer collects a server's output; the process writes it while
// the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is a started binary listening on 127.0.0.1.
type server struct {
	name string
	addr string // 127.0.0.1:port
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan struct{} // closed when the process has exited
	err  error         // the exit status, once done is closed
}

func (s *server) url(path string) string { return "http://" + s.addr + path }

func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// freePort asks the OS for a free port on 127.0.0.1. Another process may
// take it before the server binds it; startServer retries then.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

// startServer starts bin with the arguments args returns for a port, waits
// (bounded) until GET /-/ready answers 200, and registers a cleanup that
// stops the process by its PID and prints its log when the test failed.
// When the process exits before it is ready because its port was taken in
// the meantime, it retries on another port.
func startServer(t *testing.T, name, bin string, args func(addr string) []string, env []string) *server {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
		s := &server{name: name, addr: addr, log: &lockedBuffer{}, done: make(chan struct{})}
		s.cmd = exec.Command(bin, args(addr)...)
		s.cmd.Env = env
		s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
		if err := s.cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		go func() { s.err = s.cmd.Wait(); close(s.done) }()
		t.Cleanup(func() { s.stop(t) })
		err := waitReady(s, 60*time.Second)
		if err == nil {
			t.Logf("%s (pid %d) listening on %s", name, s.cmd.Process.Pid, addr)
			return s
		}
		if s.exited() && strings.Contains(s.log.String(), "address already in use") && attempt < 3 {
			t.Logf("%s: port of %s taken before it bound it; retrying on another port", name, addr)
			continue
		}
		t.Fatalf("%s did not become ready: %v\n--- %s log ---\n%s", name, err, name, s.log.String())
	}
}

// waitReady polls /-/ready until it answers 200, the process exits or the
// timeout passes.
func waitReady(s *server, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url("/-/ready"), nil)
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("%s exited: %v", s.name, s.err)
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s (last error: %v)", timeout, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM to the server's PID, waits up to ten seconds, then
// kills it, and prints its log when the test failed.
func (s *server) stop(t *testing.T) {
	if !s.exited() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
	if t.Failed() {
		t.Logf("--- %s log (pid %d) ---\n%s", s.name, s.cmd.Process.Pid, s.log.String())
	}
}

// client talks to the servers on loopback only: no proxy from the
// environment, bounded requests.
var client = &http.Client{
	Timeout:   10 * time.Second,
	Transport: &http.Transport{Proxy: nil, DialContext: loopbackDial},
}

// loopbackDial refuses any address but 127.0.0.1.
func loopbackDial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if host != "127.0.0.1" {
		return nil, fmt.Errorf("refusing to dial %s: the test stays on loopback", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// getJSON fetches url and decodes its JSON body into v.
func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	return json.Unmarshal(body, v)
}

// poll calls f every interval until it returns done or an error, or the
// timeout passes; the error then says what f last reported.
func poll(timeout, interval time.Duration, f func(ctx context.Context) (done bool, status string, err error)) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	status := ""
	for {
		done, st, err := f(ctx)
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			status = err.Error()
		} else if st != "" {
			status = st
		}
		if done && err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up after %s: %s", timeout, status)
		case <-time.After(interval):
		}
	}
}
