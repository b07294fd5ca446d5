// Package zone loads time zones once each: time.LoadLocation reads the
// zone database on every call, and a calendar places many events.
package zone

import (
	"sync"
	"time"
)

var loaded sync.Map // name → *time.Location

// Load is time.LoadLocation, remembered.
func Load(name string) (*time.Location, error) {
	if loc, ok := loaded.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	loaded.Store(name, loc)
	return loc, nil
}

// OrUTC is the zone named, or UTC when this server's zone database does
// not know it (a remote calendar's zone, or an old row's).
func OrUTC(name string) *time.Location {
	loc, err := Load(name)
	if err != nil {
		return time.UTC
	}
	return loc
}
