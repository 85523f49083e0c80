package memstore

import (
	"fmt"
	"slices"
	"testing"

	"github.com/lovoo/goka/storage"
)

// collect reads it to the end as "key=value" strings.
func collect(t *testing.T, it storage.Iterator) []string {
	t.Helper()
	defer it.Release()
	var out []string
	for it.Next() {
		v, err := it.Value()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(it.Key())+"="+string(v))
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fill writes the same pairs to both stores.
func fill(t *testing.T, stores []storage.Storage, pairs ...string) {
	t.Helper()
	for _, st := range stores {
		for i := 0; i < len(pairs); i += 2 {
			if err := st.Set(pairs[i], []byte(pairs[i+1])); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestStoreIteratesAsLevelDBDoes compares the store with goka's LevelDB
// storage on the same writes: every read and every range must agree.
func TestStoreIteratesAsLevelDBDoes(t *testing.T) {
	ldb, err := storage.DefaultBuilder(t.TempDir())("t", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ldb.Close()
	if err := ldb.MarkRecovered(); err != nil {
		t.Fatal(err)
	}
	mem := New()
	both := []storage.Storage{ldb, mem}
	fill(t, both, "b/2", "x", "a/1", "y", "b/1", "z", "c", "w", "b/\xff", "v", "a/1", "y2")
	for _, st := range both {
		if err := st.Delete("c"); err != nil {
			t.Fatal(err)
		}
		if err := st.SetOffset(41); err != nil { // not a key: iterators skip it
			t.Fatal(err)
		}
	}
	ranges := []struct {
		name         string
		start, limit []byte
	}{
		{"all, prefix form", nil, nil},
		{"prefix b/", []byte("b/"), nil},
		{"range [a, b/2)", []byte("a"), []byte("b/2")},
		{"prefix none", []byte("zz"), nil},
		{"prefix of 0xff", []byte("b/\xff"), nil},
	}
	for _, r := range ranges {
		t.Run(r.name, func(t *testing.T) {
			var got [][]string
			for _, st := range both {
				it, err := st.IteratorWithRange(r.start, r.limit)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, collect(t, it))
			}
			if !slices.Equal(got[0], got[1]) {
				t.Fatalf("leveldb %q, memstore %q", got[0], got[1])
			}
		})
	}
	var full [][]string
	for _, st := range both {
		it, err := st.Iterator()
		if err != nil {
			t.Fatal(err)
		}
		full = append(full, collect(t, it))
		for _, k := range []string{"a/1", "c", "nope"} {
			v, _ := st.Get(k)
			has, _ := st.Has(k)
			full = append(full, []string{fmt.Sprintf("%s:%q:%v", k, v, has)})
		}
		off, err := st.GetOffset(-2)
		if err != nil || off != 41 {
			t.Fatalf("%T offset %d, %v; want 41", st, off, err)
		}
	}
	if want := []string{"a/1=y2", "b/1=z", "b/2=x", "b/\xff=v"}; !slices.Equal(full[4], want) {
		t.Fatalf("memstore iterates %q, want %q", full[4], want)
	}
	if !slices.EqualFunc(full[:4], full[4:], slices.Equal) {
		t.Fatalf("leveldb %q\nmemstore %q", full[:4], full[4:])
	}
}

func TestStoreKeepsACopyAndASnapshot(t *testing.T) {
	st := New()
	if off, _ := st.GetOffset(-2); off != -2 {
		t.Fatalf("a new store's offset is %d, want the default -2", off)
	}
	buf := []byte("one")
	if err := st.Set("k", buf); err != nil {
		t.Fatal(err)
	}
	copy(buf, "two") // the caller reuses its buffer
	it, _ := st.Iterator()
	if err := st.Set("k", []byte("three")); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, it); !slices.Equal(got, []string{"k=one"}) {
		t.Fatalf("snapshot %q, want [k=one]", got)
	}
	if v, _ := st.Get("k"); string(v) != "three" {
		t.Fatalf("Get %q, want three", v)
	}
	if err := st.Set("k", nil); err == nil {
		t.Fatal("a nil value was accepted")
	}
}

func TestSeekFindsTheFirstKeyNotBelow(t *testing.T) {
	st := New()
	fill(t, []storage.Storage{st}, "a", "1", "c", "3", "e", "5")
	for _, tc := range []struct {
		seek  string
		found bool
		key   string
	}{
		{"", true, "a"}, {"b", true, "c"}, {"c", true, "c"}, {"f", false, ""},
	} {
		it, _ := st.Iterator()
		if got := it.Seek([]byte(tc.seek)); got != tc.found || string(it.Key()) != tc.key {
			t.Errorf("Seek(%q) = %v at %q, want %v at %q", tc.seek, got, it.Key(), tc.found, tc.key)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	for _, tc := range []struct{ in, want []byte }{
		{[]byte("ab"), []byte("ac")},
		{[]byte("a\xff"), []byte("b")},
		{[]byte("\xff\xff"), nil},
		{nil, nil},
	} {
		if got := prefixEnd(tc.in); string(got) != string(tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("prefixEnd(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
