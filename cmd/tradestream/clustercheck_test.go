package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"

	"github.com/tradestream/tradestream/codecs"
	"github.com/tradestream/tradestream/processors/ingest"
	"github.com/tradestream/tradestream/processors/jobs"
	"github.com/tradestream/tradestream/topology"
)

// What the cluster test checks once the load stopped: every acknowledged
// command took effect exactly once on every instance, and in order.

var clusterHTTP = &http.Client{Timeout: 10 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 32}}

// readRecords reads a `simulate --record` file. A half-written last line of a
// running simulator is skipped.
func readRecords(t *testing.T, path string) []simRecord {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	var out []simRecord
	for i, l := range lines {
		if len(l) == 0 {
			continue
		}
		var r simRecord
		if err := json.Unmarshal(l, &r); err != nil {
			require.Equal(t, len(lines)-1, i, "record line %d: %v", i+1, err)
			continue
		}
		out = append(out, r)
	}
	return out
}

// fold applies the recorded commands with the jobs state machine, in record
// order (per tenant, the accepted order), with increasing sequence numbers:
// the job states every instance must serve. A job that never existed maps
// to nil.
func fold(t *testing.T, records []simRecord) map[string]*codecs.Job {
	t.Helper()
	want := map[string]*codecs.Job{}
	env := jobs.Env{Pricing: jobs.PricingOf(nil)}
	for i, r := range records {
		require.NotNil(t, r.Command, "record %d has no command", i+1)
		cmd := *r.Command
		cmd.Seq = int64(i + 1)
		key := ingest.JobKey(r.Tenant, r.JobID)
		if res := jobs.Apply(want[key], &cmd, env); res.Job != nil {
			want[key] = res.Job
		} else if _, ok := want[key]; !ok {
			want[key] = nil
		}
	}
	return want
}

// getJob reads a job view: the status code and, on 200, the job.
func getJob(url, tenant, job string) (int, *codecs.Job) {
	resp, err := clusterHTTP.Get(url + "/v1/tenants/" + tenant + "/jobs/" + job)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	var j codecs.Job
	if err := json.NewDecoder(resp.Body).Decode(&j); err != nil {
		return 0, nil
	}
	return resp.StatusCode, &j
}

// jobDiff says how got differs from want in what the commands decide:
// status, window, version (the number of applied changes) and the last
// rejection's code; "" when it does not.
func jobDiff(want, got *codecs.Job) string {
	switch {
	case want == nil && got == nil:
		return ""
	case want == nil:
		return fmt.Sprintf("want 404, got version %d %s", got.Version, got.Status)
	case got == nil:
		return fmt.Sprintf("want version %d %s, got nothing", want.Version, want.Status)
	}
	var d []string
	if want.Status != got.Status {
		d = append(d, fmt.Sprintf("status %s, want %s", got.Status, want.Status))
	}
	if !want.Window.EarliestStart.Equal(got.Window.EarliestStart) || !want.Window.LatestEnd.Equal(got.Window.LatestEnd) {
		d = append(d, fmt.Sprintf("window %v, want %v", got.Window, want.Window))
	}
	if want.Version != got.Version {
		d = append(d, fmt.Sprintf("version %d, want %d", got.Version, want.Version))
	}
	if rejCode(want) != rejCode(got) {
		d = append(d, fmt.Sprintf("last_rejection %q, want %q", rejCode(got), rejCode(want)))
	}
	return strings.Join(d, "; ")
}

func rejCode(j *codecs.Job) string {
	if j.LastRejection == nil {
		return ""
	}
	return j.LastRejection.Code
}

// expectJobs polls every instance for every job until each serves the
// reference state, or fails after within with the differences.
func (c *cluster) expectJobs(procs []*proc, want map[string]*codecs.Job, within time.Duration) {
	c.t.Helper()
	start := time.Now()
	type check struct {
		p        *proc
		key      string
		lastDiff string
	}
	var pending []*check
	stats := map[string]int{}
	for key, j := range want {
		for _, p := range procs {
			pending = append(pending, &check{p: p, key: key})
		}
		switch {
		case j == nil:
			stats["never existed"]++
		case j.LastRejection != nil:
			stats["last command rejected"]++
		default:
			stats[j.Status]++
		}
	}
	c.t.Logf("reference: %d jobs %v, checked on %d instances", len(want), stats, len(procs))
	for len(pending) > 0 && time.Since(start) < within {
		var (
			wg   sync.WaitGroup
			work = make(chan *check)
		)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ch := range work {
					tenant, job, _ := strings.Cut(ch.key, "/")
					st, got := getJob(ch.p.url, tenant, job)
					switch {
					case st != http.StatusOK && st != http.StatusNotFound:
						ch.lastDiff = fmt.Sprintf("HTTP %d", st)
					default:
						ch.lastDiff = jobDiff(want[ch.key], got)
					}
				}
			}()
		}
		for _, ch := range pending {
			work <- ch
		}
		close(work)
		wg.Wait()
		left := pending[:0]
		for _, ch := range pending {
			if ch.lastDiff != "" {
				left = append(left, ch)
			}
		}
		pending = left
		if len(pending) > 0 {
			time.Sleep(500 * time.Millisecond)
		}
	}
	if len(pending) == 0 {
		c.t.Logf("all %d jobs match the reference on %d instances after %s", len(want), len(procs), time.Since(start).Round(time.Millisecond))
		return
	}
	sort.Slice(pending, func(i, j int) bool { return pending[i].key < pending[j].key })
	var lines []string
	for i, ch := range pending {
		if i == 20 {
			lines = append(lines, fmt.Sprintf("... and %d more", len(pending)-20))
			break
		}
		lines = append(lines, fmt.Sprintf("%s on %s: %s", ch.key, ch.p.name, ch.lastDiff))
	}
	c.t.Errorf("%d (instance, job) pairs still differ from the reference after %s:\n%s",
		len(pending), within, strings.Join(lines, "\n"))
}

// expectOrder reads the job-commands topic and checks that, in every
// partition, each tenant's sequence numbers increase (a record at or below
// the last one must be a redelivery: a command already routed with that
// number), and that each tenant's recorded commands were routed in the order
// the simulator recorded them.
func (c *cluster) expectOrder(records []simRecord) {
	t := c.t
	t.Helper()
	cat, err := catalog(&Config{Brokers: c.brokers, Registry: c.registry, TopicPrefix: c.prefix, Partitions: 12, InstanceID: "order-check"})
	require.NoError(t, err)
	client, err := sarama.NewClient([]string{c.brokers}, cat.Config().Sarama())
	require.NoError(t, err)
	defer client.Close()
	consumer, err := sarama.NewConsumerFromClient(client)
	require.NoError(t, err)
	defer consumer.Close()
	topic := string(cat.JobCommands.Topic)
	parts, err := client.Partitions(topic)
	require.NoError(t, err)

	routed := map[string]int64{} // command id → seq
	total, redelivered := 0, 0
	for _, p := range parts {
		hwm, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		require.NoError(t, err)
		if hwm == 0 {
			continue
		}
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		require.NoError(t, err)
		last := map[string]int64{} // tenant → highest seq in this partition
		for done := false; !done; {
			select {
			case m := <-pc.Messages():
				done = m.Offset >= hwm-1
				cmd, err := cat.JobCommands.Avro.Unmarshal(m.Value)
				require.NoError(t, err, "partition %d offset %d", p, m.Offset)
				if cmd.Source == codecs.SourceInternal {
					continue
				}
				total++
				if cmd.Seq > last[cmd.TenantID] {
					last[cmd.TenantID] = cmd.Seq
					if seq, ok := routed[cmd.CommandID]; ok && seq != cmd.Seq {
						t.Errorf("command %s routed with seq %d and %d", cmd.CommandID, seq, cmd.Seq)
					}
					routed[cmd.CommandID] = cmd.Seq
					continue
				}
				if seq, ok := routed[cmd.CommandID]; ok && seq == cmd.Seq {
					redelivered++
					continue
				}
				t.Errorf("partition %d offset %d: tenant %s seq %d (%s) after seq %d", p, m.Offset, cmd.TenantID, cmd.Seq, cmd.CommandID, last[cmd.TenantID])
			case <-time.After(30 * time.Second):
				t.Fatalf("partition %d: no record after 30s, before the high-water mark %d", p, hwm)
			}
		}
		require.NoError(t, pc.Close())
	}
	t.Logf("job-commands: %d records in %d partitions, %d redelivered after crashes and rebalances", total, len(parts), redelivered)

	prev := map[string]int64{}
	missing := 0
	for _, r := range records {
		seq, ok := routed[r.CommandID]
		if !ok {
			missing++
			continue
		}
		if seq <= prev[r.Tenant] {
			t.Errorf("tenant %s: command %s routed with seq %d, after seq %d of an earlier one", r.Tenant, r.CommandID, seq, prev[r.Tenant])
		}
		prev[r.Tenant] = seq
	}
	if missing > 0 {
		t.Errorf("%d acknowledged commands never reached job-commands", missing)
	}
}

// readsFromAnyInstance posts jobs through each instance's API and reads
// each of them on every instance: every instance holds every partition of
// the views.
func (c *cluster) readsFromAnyInstance(procs []*proc) {
	c.t.Helper()
	var ids []string
	for _, p := range procs {
		for i := range 4 {
			id := fmt.Sprintf("via-%s-%d", p.name, i)
			st, err := postQuiet(p.url+"/v1/tenants/reader/jobs", jobBody(id, 7))
			require.NoError(c.t, err)
			require.Equal(c.t, http.StatusAccepted, st, "posting %s through %s", id, p.name)
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		for _, p := range procs {
			eventually(c.t, time.Minute, func() bool {
				st, j := getJob(p.url, "reader", id)
				return st == http.StatusOK && j.Status == codecs.StatusPosted && j.Version == 1
			}, "job %s read on %s", id, p.name)
		}
	}
	c.t.Logf("%d jobs posted through %d instances, each read on every instance", len(ids), len(procs))
}

// groupAssignment describes every processor group of a catalog: for each
// group, whether it is Stable and the partitions each member holds (goka
// names every member's client after its group, so members are told apart by
// member id only).
type groupAssignment map[string]struct {
	stable bool
	owners map[string]int // member id → partitions held
}

func describeGroups(t *testing.T, admin sarama.ClusterAdmin, cat *topology.Catalog) (groupAssignment, error) {
	t.Helper()
	var ids []string
	for _, n := range groupNames() {
		ids = append(ids, string(groups[n](cat).Group()))
	}
	descs, err := admin.DescribeConsumerGroups(ids)
	if err != nil {
		return nil, err
	}
	out := groupAssignment{}
	for _, d := range descs {
		g := out[d.GroupId]
		g.stable = d.State == "Stable"
		g.owners = map[string]int{}
		for _, m := range d.Members {
			a, err := m.GetMemberAssignment()
			if err != nil {
				return nil, err
			}
			n := 0
			if a != nil { // nil while the group rebalances
				for _, parts := range a.Topics {
					n += len(parts)
				}
			}
			g.owners[m.MemberId] = n
		}
		out[d.GroupId] = g
	}
	return out, nil
}

// balanced reports whether every group is Stable with n members, each
// holding partitions.
func (ga groupAssignment) balanced(n int) bool {
	if len(ga) == 0 {
		return false
	}
	for _, g := range ga {
		if !g.stable || len(g.owners) != n {
			return false
		}
		for _, held := range g.owners {
			if held == 0 {
				return false
			}
		}
	}
	return true
}

// waitBalanced waits until every processor group is Stable with one member
// per given instance, each holding partitions.
func (c *cluster) waitBalanced(what string, instances ...string) {
	c.t.Helper()
	start := time.Now()
	cat, err := catalog(&Config{Brokers: c.brokers, Registry: c.registry, TopicPrefix: c.prefix, Partitions: 12, InstanceID: "observer"})
	require.NoError(c.t, err)
	admin, err := sarama.NewClusterAdmin([]string{c.brokers}, cat.Config().Sarama())
	require.NoError(c.t, err)
	defer admin.Close()
	var last groupAssignment
	eventually(c.t, 2*time.Minute, func() bool {
		last, err = describeGroups(c.t, admin, cat)
		return err == nil && last.balanced(len(instances))
	}, "%s: groups balanced over %v (last seen %v)", what, instances, &last)
	c.t.Logf("%s: every group balanced over %v after %s", what, instances, time.Since(start).Round(time.Millisecond))
}
