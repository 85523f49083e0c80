package codecs

import (
	"embed"
	"fmt"
)

//go:embed schemas/*.avsc
var schemaFiles embed.FS

// SchemaText returns the embedded Avro schema schemas/<name>.avsc.
func SchemaText(name string) (string, error) {
	b, err := schemaFiles.ReadFile("schemas/" + name + ".avsc")
	if err != nil {
		return "", fmt.Errorf("codecs: no schema %q: %w", name, err)
	}
	return string(b), nil
}

// SchemaNames lists the embedded schemas by name (without .avsc).
func SchemaNames() []string {
	entries, _ := schemaFiles.ReadDir("schemas")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name()[:len(e.Name())-len(".avsc")])
	}
	return names
}
