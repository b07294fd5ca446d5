package realtime

import (
	"context"
	"encoding/json"
	"fmt"
)

// UserTopic carries the notices for one user.
func UserTopic(userID int) string { return fmt.Sprintf("user:%d", userID) }

// RoomTopic carries the changes of one room's calendar.
func RoomTopic(roomID int) string { return fmt.Sprintf("room:%d", roomID) }

// EventChanged says an event was created, updated or cancelled. Payloads
// carry ids, not data: each subscriber loads what it may see.
type EventChanged struct {
	Kind    string `json:"kind"`
	EventID int    `json:"eventId"`
	Version int64  `json:"version"` // the event's last change, so notices of two changes differ
}

// ChannelTopic carries a channel's post notices.
func ChannelTopic(channelID int) string { return fmt.Sprintf("channel:%d", channelID) }

// ChannelPost says a post was added or updated, or a member removed.
type ChannelPost struct {
	Kind   string `json:"kind"` // ADDED, UPDATED or MEMBER_REMOVED
	PostID int    `json:"postId,omitempty"`
	UserID int    `json:"userId,omitempty"` // the member removed
}

// NoticeTopic carries one user's in-app notices.
func NoticeTopic(userID int) string { return fmt.Sprintf("user:%d:notices", userID) }

// NotificationAdded says a notice was stored for the topic's user.
type NotificationAdded struct {
	NotificationID int    `json:"notificationId"`
	Kind           string `json:"kind"`
	EventID        int    `json:"eventId,omitempty"`
}

// CompanyTopic carries a company-wide stream, such as "invites" or "calls",
// for integrators.
func CompanyTopic(companyID int, stream string) string {
	return fmt.Sprintf("company:%d:%s", companyID, stream)
}

// CallTopic carries one call's changes.
func CallTopic(callID int) string { return fmt.Sprintf("call:%d", callID) }

// IncomingCallTopic carries the calls ringing for one user.
func IncomingCallTopic(userID int) string { return fmt.Sprintf("user:%d:calls", userID) }

// AgentTopic carries the changes of one employee's calls and of their call
// settings (device, availability, voice session).
func AgentTopic(userID int) string { return fmt.Sprintf("user:%d:call-updates", userID) }

// CallChanged says a call rang or changed, or, with no CallID, that an
// agent's call settings did.
type CallChanged struct {
	Kind   string `json:"kind"` // RINGING, ACCEPTED, ENDED, …
	CallID int    `json:"callId,omitempty"`
}

// Invited says a user was invited to a meeting, for integrators.
type Invited struct {
	UserID  int `json:"userId"`
	EventID int `json:"eventId"`
}

// PublishJSON publishes v, encoded as JSON, on each topic, and returns the
// first failure; the others are still tried.
func PublishJSON(ctx context.Context, b Broker, v any, topics ...string) error {
	payload, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("realtime: %w", err)
	}
	var first error
	for _, t := range topics {
		if err := b.Publish(ctx, t, payload); err != nil && first == nil {
			first = err
		}
	}
	return first
}
