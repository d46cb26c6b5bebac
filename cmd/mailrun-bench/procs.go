package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// sink is a running smtp-sink.
type sink struct {
	cmd  *exec.Cmd
	addr string
}

// startSink starts smtp-sink on a free loopback port and waits until it
// accepts connections.
func startSink() (*sink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	args := []string{addr, "1024"}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	cmd := exec.Command("smtp-sink", args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("smtp-sink: %w", err)
	}
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if i == 100 {
			cmd.Process.Kill()
			return nil, fmt.Errorf("smtp-sink does not answer on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &sink{cmd: cmd, addr: addr}, nil
}

func (s *sink) stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// smtpSource runs smtp-source with the benchmark's sessions, count and size
// and returns its messages per second.
func smtpSource(addr string, cfg config) (float64, error) {
	cmd := exec.Command("smtp-source", "-d", "-s", strconv.Itoa(cfg.workers), "-m", strconv.Itoa(cfg.rows),
		"-l", strconv.Itoa(cfg.size), addr)
	m, err := timed(cmd)
	if err != nil {
		return 0, fmt.Errorf("smtp-source: %w", err)
	}
	return float64(cfg.rows) / m.wall.Seconds(), nil
}

// sendCmd returns the command `mailrun send` of data into the sink, with
// extra flags.
func sendCmd(bin, data, tmpl, addr string, workers int, extra ...string) *exec.Cmd {
	args := append([]string{"send", "--data", data, "--template", tmpl, "--smtp", "smtp://" + addr,
		"--workers", strconv.Itoa(workers), "--rate", "0", "-q"}, extra...)
	return exec.Command(bin, args...)
}

// send runs `mailrun send` of data into the sink.
func send(bin, data, tmpl, addr string, workers int) (measured, error) {
	m, err := timed(sendCmd(bin, data, tmpl, addr, workers))
	if err != nil {
		return m, fmt.Errorf("mailrun send: %w", err)
	}
	return m, nil
}

// sendFresh runs send of data from a new state file.
func sendFresh(bin, data, tmpl, addr string, workers int) (measured, error) {
	os.Remove(data + ".state")
	return send(bin, data, tmpl, addr, workers)
}

// timed runs cmd and returns its wall time and peak RSS.
func timed(cmd *exec.Cmd) (measured, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	m := measured{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.maxRSS = ru.Maxrss * 1024
	}
	if err != nil {
		return m, fmt.Errorf("%w\n%s", err, out.String())
	}
	return m, nil
}
