package codecs

import (
	"fmt"
	"math"
	"reflect"
	"unsafe"
)

// The readers and writers of Go numbers at a pointer, for the binary codec's
// integer and float fields of any width (encoder.go, decoder.go).

// intReader returns the reader of a signed integer of kind k (checked by
// compilePrimitiveEncoder), widened to int64.
func intReader(k reflect.Kind) func(p unsafe.Pointer) int64 {
	switch k {
	case reflect.Int8:
		return func(p unsafe.Pointer) int64 { return int64(*(*int8)(p)) }
	case reflect.Int16:
		return func(p unsafe.Pointer) int64 { return int64(*(*int16)(p)) }
	case reflect.Int32:
		return func(p unsafe.Pointer) int64 { return int64(*(*int32)(p)) }
	case reflect.Int64:
		return func(p unsafe.Pointer) int64 { return *(*int64)(p) }
	}
	return func(p unsafe.Pointer) int64 { return int64(*(*int)(p)) }
}

// intWriter returns the writer of an int64 into a signed integer of type t,
// failing with ErrSchemaMismatch when the number does not fit.
func intWriter(t reflect.Type) func(p unsafe.Pointer, n int64) error {
	overflow := func(n int64) error { return fmt.Errorf("%w: %d overflows %s", ErrSchemaMismatch, n, t) }
	switch t.Kind() {
	case reflect.Int8:
		return func(p unsafe.Pointer, n int64) error {
			if n < math.MinInt8 || n > math.MaxInt8 {
				return overflow(n)
			}
			*(*int8)(p) = int8(n)
			return nil
		}
	case reflect.Int16:
		return func(p unsafe.Pointer, n int64) error {
			if n < math.MinInt16 || n > math.MaxInt16 {
				return overflow(n)
			}
			*(*int16)(p) = int16(n)
			return nil
		}
	case reflect.Int32:
		return func(p unsafe.Pointer, n int64) error {
			if n < math.MinInt32 || n > math.MaxInt32 {
				return overflow(n)
			}
			*(*int32)(p) = int32(n)
			return nil
		}
	case reflect.Int64:
		return func(p unsafe.Pointer, n int64) error { *(*int64)(p) = n; return nil }
	}
	return func(p unsafe.Pointer, n int64) error {
		if int64(int(n)) != n {
			return overflow(n)
		}
		*(*int)(p) = int(n)
		return nil
	}
}

// floatWriter returns the writer of a float64 into a float of kind k.
func floatWriter(k reflect.Kind) func(p unsafe.Pointer, f float64) {
	if k == reflect.Float32 {
		return func(p unsafe.Pointer, f float64) { *(*float32)(p) = float32(f) }
	}
	return func(p unsafe.Pointer, f float64) { *(*float64)(p) = f }
}
