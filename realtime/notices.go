package realtime

import "fmt"

// UserTopic carries the notices for one user.
func UserTopic(userID int) string { return fmt.Sprintf("user:%d", userID) }

// RoomTopic carries the changes of one room's calendar.
func RoomTopic(roomID int) string { return fmt.Sprintf("room:%d", roomID) }

// EventChanged says an event was created, updated or cancelled. Payloads
// carry ids, not data: each subscriber loads what it may see.
type EventChanged struct {
	Kind    string `json:"kind"`
	EventID int    `json:"eventId"`
}
