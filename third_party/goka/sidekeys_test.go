package goka_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"github.com/lovoo/goka/tester"
)

// sideKeysGraph's callback takes commands: "set <suffix> <n>" sets a side
// value, "get <suffix>" emits it, "del <prefix>" deletes side values and
// emits how many; several commands are separated by ";" and run in one
// callback.
func sideKeysGraph() *goka.GroupGraph {
	return goka.DefineGroup("side",
		goka.Input("commands", new(codec.String), func(ctx goka.Context, msg any) {
			side := ctx.(goka.SideKeys)
			for _, cmd := range strings.Split(msg.(string), ";") {
				f := strings.Fields(cmd)
				switch f[0] {
				case "set":
					n, _ := strconv.ParseInt(f[2], 10, 64)
					side.SetSideValue(f[1], n)
				case "get":
					v, _ := side.SideValue(f[1]).(int64)
					ctx.Emit("out", ctx.Key(), strconv.FormatInt(v, 10))
				case "del":
					ctx.Emit("out", ctx.Key(), strconv.Itoa(side.DeleteSideValues(f[1])))
				}
			}
			ctx.SetValue(int64(1))
		}),
		goka.Output("out", new(codec.String)),
		goka.Persist(new(codec.Int64)),
	)
}

func TestSideKeysAreReadWrittenAndDeletedByPrefix(t *testing.T) {
	for _, coalesced := range []bool{false, true} {
		t.Run("coalesced="+strconv.FormatBool(coalesced), func(t *testing.T) {
			tt := tester.New(t)
			opts := []goka.ProcessorOption{goka.WithTester(tt)}
			if coalesced {
				opts = append(opts, goka.WithCoalescedTableWrites(time.Hour, 1000))
			}
			p, err := goka.NewProcessor(nil, sideKeysGraph(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx) }()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Error(err)
				}
			}()
			out := tt.NewQueueTracker("out")
			next := func() string {
				t.Helper()
				_, v, ok := out.Next()
				if !ok {
					t.Fatal("no output")
				}
				return v.(string)
			}

			tt.Consume("commands", "k", "set d1/a 1;set d1/b 2;set d2/a 3")
			tt.Consume("commands", "other", "set d1/a 9")
			table := goka.GroupTable("side")
			if got := tt.TableValue(table, goka.SideKey("k", "d1/b")); got != int64(2) {
				t.Fatalf("the side value in the table: %v, want 2", got)
			}
			tt.Consume("commands", "k", "get d1/a;get d1/c")
			if a, c := next(), next(); a != "1" || c != "0" {
				t.Fatalf("read d1/a %s and d1/c %s; want 1 and 0 (none)", a, c)
			}
			// Written and deleted in one callback: with coalescing the new
			// side value is in the unflushed batch, not in storage yet.
			tt.Consume("commands", "k", "set d1/c 4;del d1/;get d1/a;get d2/a")
			if n, a, d2 := next(), next(), next(); n != "3" || a != "0" || d2 != "3" {
				t.Fatalf("deleted %s, d1/a then %s, d2/a %s; want 3, 0 (gone), 3 (kept)", n, a, d2)
			}
			for _, suffix := range []string{"d1/a", "d1/b", "d1/c"} {
				if got := tt.TableValue(table, goka.SideKey("k", suffix)); got != nil {
					t.Fatalf("%s is still in the table: %v", suffix, got)
				}
			}
			if got := tt.TableValue(table, goka.SideKey("other", "d1/a")); got != int64(9) {
				t.Fatalf("another key's side value: %v, want 9 (untouched)", got)
			}
			if got := tt.TableValue(table, "k"); got != int64(1) {
				t.Fatalf("the key's own value: %v, want 1", got)
			}
			tt.Consume("commands", "k", "del d1/")
			if n := next(); n != "0" {
				t.Fatalf("deleted again: %s, want 0", n)
			}
		})
	}
}
