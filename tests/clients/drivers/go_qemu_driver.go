// Command go_qemu_driver drives one QMP server with go-qemu (its qmp
// SocketMonitor, the generated raw.Monitor and the qemu.Domain on top) and
// prints what the library returned, one JSON object a line, for the pytest
// test to compare between QEMU 7.2 and qmonitor.
//
// Usage: go_qemu_driver SOCKET
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/digitalocean/go-qemu/qemu"
	"github.com/digitalocean/go-qemu/qmp"
	"github.com/digitalocean/go-qemu/qmp/raw"
)

// events is the monitor's own event channel while the driver reads it
// directly (phase one), nil afterwards.
var events <-chan qmp.Event

func out(rec map[string]interface{}) {
	b, err := json.Marshal(rec)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))
}

func eventRecord(e qmp.Event) map[string]interface{} {
	// The timestamp differs from run to run: keep only whether it is set.
	return map[string]interface{}{
		"step":      "event",
		"event":     e.Event,
		"data":      e.Data,
		"timestamp": e.Timestamp.Seconds > 0 && e.Timestamp.Microseconds >= 0,
	}
}

// call runs one library call in a goroutine while printing the events the
// monitor delivers meanwhile.  The monitor's reader hands an event over
// (an unbuffered send) before it reads the next line, so an event that came
// before a reply is printed before it.
func call(what string, f func() (interface{}, error)) {
	type result struct {
		v   interface{}
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	for {
		select {
		case e := <-events:
			out(eventRecord(e))
		case r := <-done:
			rec := map[string]interface{}{"step": "call", "call": what}
			if r.err != nil {
				rec["error"] = r.err.Error()
			} else if b, ok := r.v.([]byte); ok {
				rec["raw"] = string(b)
			} else {
				rec["return"] = r.v
			}
			out(rec)
			return
		case <-time.After(30 * time.Second):
			out(map[string]interface{}{"step": "timeout", "call": what})
			os.Exit(2)
		}
	}
}

func main() {
	mon, err := qmp.NewSocketMonitor("unix", os.Args[1], 5*time.Second)
	if err != nil {
		out(map[string]interface{}{"step": "dial-error", "error": err.Error()})
		os.Exit(1)
	}
	if err := mon.Connect(); err != nil {
		out(map[string]interface{}{"step": "connect-error", "error": err.Error()})
		os.Exit(1)
	}
	out(map[string]interface{}{
		"step":         "greeting",
		"version":      mon.Version,
		"versionText":  mon.Version.String(),
		"capabilities": mon.Capabilities,
	})
	direct, err := mon.Events(context.Background())
	if err != nil {
		out(map[string]interface{}{"step": "events-error", "error": err.Error()})
		os.Exit(1)
	}
	events = direct
	rm := raw.NewMonitor(mon)

	// The generated raw.Monitor: typed arguments and results; it sends
	// {"arguments":{},"execute":...} with no line end.
	call("raw.QueryStatus", func() (interface{}, error) { return rm.QueryStatus() })
	call("raw.QueryVersion", func() (interface{}, error) { return rm.QueryVersion() })
	call("raw.Stop", func() (interface{}, error) { return nil, rm.Stop() })
	call("raw.QueryStatus", func() (interface{}, error) { return rm.QueryStatus() })
	call("raw.Cont", func() (interface{}, error) { return nil, rm.Cont() })
	call("raw.QueryStatus", func() (interface{}, error) { return rm.QueryStatus() })
	call("raw.QomList /machine/unattached", func() (interface{}, error) { return rm.QomList("/machine/unattached") })
	call("raw.QomGet /machine type", func() (interface{}, error) { return rm.QomGet("/machine", "type") })
	call("raw.QomGet bad property", func() (interface{}, error) { return rm.QomGet("/machine", "no-such-property") })
	call("raw.QomGet bad path", func() (interface{}, error) { return rm.QomGet("/no/such/object", "type") })
	call("raw.HumanMonitorCommand info status", func() (interface{}, error) {
		return rm.HumanMonitorCommand("info status", nil)
	})
	call("raw.QueryTarget", func() (interface{}, error) { return rm.QueryTarget() })
	call("raw.QueryKVM", func() (interface{}, error) { return rm.QueryKVM() })

	// SocketMonitor.Run: the raw reply line (bytes as the server wrote
	// them), or the error's description alone.
	run := func(cmd qmp.Command) func() (interface{}, error) {
		return func() (interface{}, error) {
			b, err := json.Marshal(cmd)
			if err != nil {
				return nil, err
			}
			return mon.Run(b)
		}
	}
	call("Run query-status", run(qmp.Command{Execute: "query-status"}))
	call("Run stop", run(qmp.Command{Execute: "stop"}))
	call("Run cont", run(qmp.Command{Execute: "cont"}))
	call("Run no-such-command", run(qmp.Command{Execute: "no-such-command"}))
	call("Run qom-list /machine/unattached", run(qmp.Command{
		Execute: "qom-list", Args: map[string]string{"path": "/machine/unattached"},
	}))
	call("Run human-monitor-command", run(qmp.Command{
		Execute: "human-monitor-command", Args: map[string]string{"command-line": "info version"},
	}))
	call("Run qmp_capabilities again", run(qmp.Command{Execute: "qmp_capabilities"}))

	// The qemu.Domain helpers.  The domain reads the monitor's event
	// channel itself and passes events on from another goroutine, so where
	// they fall between replies is not fixed: they are printed together
	// once the stream has ended.
	events = nil
	dom, err := qemu.NewDomain(mon, "guest")
	if err != nil {
		out(map[string]interface{}{"step": "domain-error", "error": err.Error()})
		os.Exit(1)
	}
	stream, _, err := dom.Events()
	if err != nil {
		out(map[string]interface{}{"step": "events-error", "error": err.Error()})
		os.Exit(1)
	}
	domainEvents := make(chan []qmp.Event, 1)
	go func() {
		var got []qmp.Event
		for e := range stream {
			got = append(got, e)
		}
		domainEvents <- got
	}()
	call("Domain.Status", func() (interface{}, error) {
		s, err := dom.Status()
		return s.String(), err
	})
	call("Domain.Version", func() (interface{}, error) { return dom.Version() })
	call("Domain.PackageVersion", func() (interface{}, error) { return dom.PackageVersion() })
	call("Domain.Supported query-status", func() (interface{}, error) { return dom.Supported("query-status") })
	call("Domain.Supported no-such-command", func() (interface{}, error) { return dom.Supported("no-such-command") })
	call("Domain.BlockDevices", func() (interface{}, error) { return dom.BlockDevices() })
	call("Domain.BlockJobs", func() (interface{}, error) { return dom.BlockJobs() })
	call("Domain.CPUs", func() (interface{}, error) { return dom.CPUs() })
	call("Domain.SystemReset", func() (interface{}, error) { return nil, dom.SystemReset() })

	call("raw.Quit", func() (interface{}, error) { return nil, rm.Quit() })
	// After quit the server hangs up: the domain's event stream ends.
	select {
	case got := <-domainEvents:
		for _, e := range got {
			out(eventRecord(e))
		}
		out(map[string]interface{}{"step": "events-closed"})
	case <-time.After(30 * time.Second):
		out(map[string]interface{}{"step": "timeout", "call": "after quit"})
		os.Exit(2)
	}
	if err := dom.Close(); err != nil {
		out(map[string]interface{}{"step": "close", "error": err.Error()})
	} else {
		out(map[string]interface{}{"step": "close"})
	}
}
