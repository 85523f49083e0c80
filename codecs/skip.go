package codecs

import "fmt"

// skipFn reads past one value of a writer field the reader does not know,
// checking it as it goes.
type skipFn func(r *reader) error

// compileSkipper builds the skipper of schema n. done holds the skippers
// being built, so that a recursive schema refers to itself.
func compileSkipper(n *node, done map[*node]*skipFn) skipFn {
	if f, ok := done[n]; ok {
		return func(r *reader) error { return (*f)(r) }
	}
	f := new(skipFn)
	done[n] = f
	*f = buildSkipper(n, done)
	return *f
}

func buildSkipper(n *node, done map[*node]*skipFn) skipFn {
	switch n.kind {
	case "null":
		return func(*reader) error { return nil }
	case "boolean":
		return func(r *reader) error { _, err := r.boolean(); return err }
	case "int":
		return func(r *reader) error { _, err := r.int(); return err }
	case "long", "enum":
		return func(r *reader) error { _, err := r.long(); return err }
	case "float":
		return func(r *reader) error { _, err := r.fixed(4); return err }
	case "double":
		return func(r *reader) error { _, err := r.fixed(8); return err }
	case "bytes", "string":
		return func(r *reader) error { _, err := r.bytes(); return err }
	case "fixed":
		return func(r *reader) error { _, err := r.fixed(n.size); return err }
	case "record":
		fields := make([]skipFn, len(n.fields))
		for i, f := range n.fields {
			fields[i] = compileSkipper(f.typ, done)
		}
		return func(r *reader) error {
			for _, f := range fields {
				if err := f(r); err != nil {
					return err
				}
			}
			return nil
		}
	case "union":
		branches := make([]skipFn, len(n.branches))
		for i, b := range n.branches {
			branches[i] = compileSkipper(b, done)
		}
		return func(r *reader) error {
			i, err := r.long()
			if err != nil {
				return err
			}
			if i < 0 || i >= int64(len(branches)) {
				return fmt.Errorf("%w: union branch %d of %d", ErrCorrupt, i, len(branches))
			}
			return branches[i](r)
		}
	case "array", "map":
		item := n.items
		if n.kind == "map" {
			item = n.values
		}
		skipItem := compileSkipper(item, done)
		sized := n.kind == "map" || takesBytes(item, map[*node]bool{})
		return func(r *reader) error {
			total := 0
			for {
				c, err := r.blockCount(sized)
				if err != nil {
					return err
				}
				if c == 0 {
					return nil
				}
				if total += c; !sized && total > maxEmptyItems {
					return fmt.Errorf("%w: more than %d empty items", ErrCorrupt, maxEmptyItems)
				}
				for range c {
					if n.kind == "map" {
						if _, err := r.bytes(); err != nil {
							return err
						}
					}
					if err := skipItem(r); err != nil {
						return err
					}
				}
			}
		}
	}
	return func(*reader) error { return fmt.Errorf("%w: cannot skip avro %s", ErrSchemaMismatch, n.kind) }
}
