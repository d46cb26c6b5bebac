package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// signalContext returns a context that the first SIGINT, SIGTERM or SIGHUP
// cancels, so that the run stops taking rows, ends every wait and drains;
// the command then prints its summary as usual. A second signal exits at
// once with code 130: every record written so far is whole, so the state
// stays consistent. The returned func stops listening.
func signalContext(parent context.Context, errw io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	ch := stopSignals()
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
		case <-done:
			return
		}
		fmt.Fprintln(errw, "\nmailrun: stopping: finishing the messages in flight (press Ctrl-C again to quit at once)")
		cancel()
		select {
		case <-ch:
			fmt.Fprintln(errw, "mailrun: quit; run the same command again to resume")
			removeScratch()
			os.Exit(130)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
}

// stopSignals returns a channel that receives the signals that stop a
// command: SIGINT, SIGTERM and SIGHUP.
func stopSignals() chan os.Signal {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	return ch
}

// quitOnSignal makes a command that writes no state (validate, preview)
// quit at once on SIGINT, SIGTERM or SIGHUP, exiting 130, after removing
// its temporary files. The returned func stops listening.
func quitOnSignal(errw io.Writer) func() {
	ch := stopSignals()
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			removeScratch()
			fmt.Fprintln(errw, "\nmailrun: interrupted")
			os.Exit(130)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// ignoreBrokenPipe keeps a closed stdout or stderr (mailrun send 2>&1 |
// head) from killing the process: writes to it fail with EPIPE, which the
// log and the progress display ignore, and the run goes on to its end.
func ignoreBrokenPipe() { signal.Ignore(syscall.SIGPIPE) }
