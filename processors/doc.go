// Package processors holds one sub-package per Goka processor group. Each
// sub-package exports a Define function returning its group graph and keeps its
// business rules in pure functions; processors never import each other.
package processors
