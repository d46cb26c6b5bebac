package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// maybeTwice runs status --json on state and returns how many recipients
// it says may have received the message twice.
func maybeTwice(t *testing.T, state string) int {
	t.Helper()
	r := mailrun(t, "", "status", "--state", state, "--json")
	wantCode(t, r, 0)
	var rep struct {
		MaybeTwice int `json:"may_have_received_twice"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	return rep.MaybeTwice
}

// TestStatusCountsOnlyUnknownOutcomesAsTwice checks that retries after
// definite 4xx refusals (the server kept nothing) raise no duplicate alarm,
// while a retry after a connection lost past the final dot does: the
// server may have kept the first copy.
func TestStatusCountsOnlyUnknownOutcomesAsTwice(t *testing.T) {
	tests := []struct {
		name   string
		opts   []smtptest.Option
		relays int
		want   int
		data   int    // messages whose data the servers read
		record string // a record the state file must hold
	}{
		{"retries after 451 refusals", []smtptest.Option{smtptest.FailData(451, 2, "r1@example.com")}, 1, 0, 3, `"type":"deferred","key":"r1@example.com","row":1,"message_id"`},
		{"retry after a cut past the final dot", []smtptest.Option{smtptest.CutData(1)}, 1, 1, 2, `"ambiguous":true`},
		{"another relay after a refused MAIL", []smtptest.Option{smtptest.FailMail(421, 1)}, 2, 0, 1, "trying another relay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, tmpl := sendCampaign(t, 1)
			args := []string{"send", "--data", data, "--template", tmpl, "--retries", "3", "--retry-wait", "1ms", "-q"}
			var servers []*smtptest.Server
			for i := range tt.relays {
				srv := smtptest.Start(t, tt.opts...)
				if i > 0 {
					srv = smtptest.Start(t)
				}
				servers = append(servers, srv)
				args = append(args, "--smtp", srv.URL()+"?name=r"+strings.Repeat("x", i)+"&workers=1")
			}
			wantCode(t, mailrun(t, "", args...), 0)
			read := 0
			for _, srv := range servers {
				read += len(srv.Transactions())
			}
			if read != tt.data {
				t.Fatalf("the servers read the data of %d messages, want %d", read, tt.data)
			}
			if b, err := os.ReadFile(data + ".state"); err != nil || !strings.Contains(string(b), tt.record) {
				t.Fatalf("the state file lacks %s (%v):\n%s", tt.record, err, b)
			}
			if got := maybeTwice(t, data+".state"); got != tt.want {
				t.Errorf("status says %d may have received it twice, want %d", got, tt.want)
			}
			r := mailrun(t, "", "status", "--state", data+".state")
			if said := strings.Contains(r.stdout, "twice"); said != (tt.want > 0) {
				t.Errorf("status mentions twice: %v, want %v:\n%s", said, tt.want > 0, r.stdout)
			}
		})
	}
}
