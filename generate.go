// Package convene is the root of the Convene module. Code generation for the
// whole tree starts here: ent first (it writes graph/ent.graphqls), then gqlgen.
package convene

//go:generate go run -mod=mod ./ent/entc.go
//go:generate go run -mod=mod github.com/99designs/gqlgen generate
