package cdc

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
)

// toRat reads a decimal exactly: Connect Decimal bytes (base64 in JSON) with
// the schema's scale (or the column's), Debezium's VariableScaleDecimal, a
// decimal string, or a number.
func toRat(v Value, c Column) (*big.Rat, error) {
	scale := c.Scale
	if v.HasScale {
		scale = v.Scale
	}
	switch x := v.V.(type) {
	case *big.Rat:
		return x, nil
	case []byte:
		return unscaled(x, scale)
	case json.Number:
		return ratString(x.String())
	case float64:
		return new(big.Rat).SetFloat64(x), nil
	case int32, int64:
		n, _ := integer(x)
		return new(big.Rat).SetInt64(n), nil
	case map[string]any:
		return variableScale(x)
	case string:
		if v.Semantic == decimalName || (v.Schema == "" && c.Encoding != EncodingString) {
			b, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return nil, fmt.Errorf("%w: decimal %q is not base64 Connect Decimal bytes: %v", ErrBadValue, x, err)
			}
			return unscaled(b, scale)
		}
		return ratString(x)
	}
	return nil, fmt.Errorf("%w: %T is not a decimal", ErrBadValue, v.V)
}

func ratString(s string) (*big.Rat, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("%w: decimal %q", ErrBadValue, s)
	}
	return r, nil
}

// unscaled reads Connect Decimal bytes: a big-endian two's complement
// unscaled value, divided by 10^scale.
func unscaled(b []byte, scale int) (*big.Rat, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty decimal bytes", ErrBadValue)
	}
	n := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)
	return new(big.Rat).SetFrac(n, den), nil
}

// variableScale reads io.debezium.data.VariableScaleDecimal {scale, value}.
func variableScale(m map[string]any) (*big.Rat, error) {
	scale, ok := integer(m["scale"])
	if !ok {
		return nil, fmt.Errorf("%w: variable-scale decimal without scale", ErrBadValue)
	}
	var b []byte
	switch x := m["value"].(type) {
	case []byte:
		b = x
	case string:
		var err error
		if b, err = base64.StdEncoding.DecodeString(x); err != nil {
			return nil, fmt.Errorf("%w: variable-scale decimal: %v", ErrBadValue, err)
		}
	}
	return unscaled(b, int(scale))
}

// toMinor converts a decimal amount to integer minor units (12.34 → 1234);
// an amount with a fraction of a minor unit is an error, never rounded.
func toMinor(v Value, c Column) (any, error) {
	r, err := toRat(v, c)
	if err != nil {
		return nil, err
	}
	digits := 2
	if c.Digits != nil {
		digits = *c.Digits
	}
	r = new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)))
	if !r.IsInt() {
		return nil, fmt.Errorf("%w: %s has a fraction of a minor unit", ErrBadValue, r.FloatString(digits+2))
	}
	n := r.Num()
	if !n.IsInt64() || n.Int64() == math.MinInt64 {
		return nil, fmt.Errorf("%w: %s minor units overflow", ErrBadValue, n)
	}
	return n.Int64(), nil
}
