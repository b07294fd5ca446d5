// Package discussion runs a company's channels: members, messages, and
// meeting posts that follow their meeting.
package discussion

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/directory"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/channel"
	"github.com/convene/convene/ent/post"
	"github.com/convene/convene/ent/user"
	"github.com/convene/convene/jobs"
	"github.com/convene/convene/realtime"
	"github.com/convene/convene/viewer"
)

// Notice kinds on a channel's topic.
const (
	PostAdded     = "ADDED"
	PostUpdated   = "UPDATED"
	MemberRemoved = "MEMBER_REMOVED"
)

const maxBody = 10000

// NewChannel is a channel to create; its creator is always a member.
type NewChannel struct {
	Name        string
	Description *string
	Members     []int
}

// Discussion creates channels and posts and tells subscribers.
type Discussion struct {
	client *ent.Client
	broker realtime.Broker
}

// New returns a Discussion publishing through broker.
func New(client *ent.Client, broker realtime.Broker) *Discussion {
	return &Discussion{client: client, broker: broker}
}

// CreateChannel makes a channel with the viewer and members in it.
func (d *Discussion) CreateChannel(ctx context.Context, in NewChannel) (*ent.Channel, error) {
	v, _ := viewer.FromContext(ctx)
	members := slices.Compact(slices.Sorted(slices.Values(append(in.Members, v.UserID))))
	if err := d.checkEmployees(ctx, members); err != nil {
		return nil, err
	}
	return d.client.Channel.Create().SetName(in.Name).SetNillableDescription(in.Description).
		SetCreatedByID(v.UserID).AddMemberIDs(members...).Save(ctx)
}

// AddMembers adds employees to a channel (its creator or an admin).
func (d *Discussion) AddMembers(ctx context.Context, channelID int, users []int) (*ent.Channel, error) {
	ch, err := d.manageable(ctx, channelID)
	if err != nil {
		return nil, err
	}
	if err := d.checkEmployees(ctx, users); err != nil {
		return nil, err
	}
	return ch.Update().AddMemberIDs(users...).Save(ctx)
}

// RemoveMembers takes people out of a channel; their post streams end.
func (d *Discussion) RemoveMembers(ctx context.Context, channelID int, users []int) (*ent.Channel, error) {
	ch, err := d.manageable(ctx, channelID)
	if err != nil {
		return nil, err
	}
	if ch, err = ch.Update().RemoveMemberIDs(users...).Save(ctx); err != nil {
		return nil, err
	}
	for _, u := range users {
		d.announce(ctx, channelID, realtime.ChannelPost{Kind: MemberRemoved, UserID: u})
	}
	return ch, nil
}

// PostMessage writes a text message to a channel the viewer is in.
func (d *Discussion) PostMessage(ctx context.Context, channelID int, body string) (*ent.Post, error) {
	body = strings.TrimSpace(body)
	if body == "" || len(body) > maxBody {
		return nil, apperr.Invalid("body", "a message has 1 to %d characters", maxBody)
	}
	v, _ := viewer.FromContext(ctx)
	member, err := d.client.Channel.Query().Where(channel.ID(channelID), channel.HasMembersWith(user.ID(v.UserID))).Exist(ctx)
	if err != nil {
		return nil, fmt.Errorf("discussion: %w", err)
	}
	if !member {
		return nil, apperr.Invalid("channel", "you are not a member of this channel")
	}
	p, err := d.client.Post.Create().SetChannelID(channelID).SetAuthorID(v.UserID).SetBody(body).Save(ctx)
	if err != nil {
		return nil, err
	}
	d.announce(ctx, channelID, realtime.ChannelPost{Kind: PostAdded, PostID: p.ID})
	return p, nil
}

// KindRefreshMeetingPosts is the job that re-renders a changed meeting's
// posts; it runs after the change commits, and again after a crash.
const KindRefreshMeetingPosts = "discussion.refresh_meeting_posts"

// RefreshMeetingPosts is the job that follows a change of meeting e in its
// transaction, when e was posted in a channel.
func RefreshMeetingPosts(e *ent.Event) jobs.New {
	return jobs.New{CompanyID: e.CompanyID, Kind: KindRefreshMeetingPosts,
		Key: fmt.Sprintf("posts:%d:%d", e.ID, e.Sequence), Payload: e.ID}
}

// MeetingPosted tells a new meeting's channels of its post.
func (d *Discussion) MeetingPosted(ctx context.Context, eventID int) error {
	posts, err := d.client.Post.Query().Where(post.EventID(eventID), post.KindEQ(post.KindMEETING)).All(ctx)
	if err != nil {
		return fmt.Errorf("discussion: %w", err)
	}
	for _, p := range posts {
		d.announce(ctx, p.ChannelID, realtime.ChannelPost{Kind: PostAdded, PostID: p.ID})
	}
	return nil
}

// RefreshMeetingPostsJob shows a meeting's change, or its cancellation,
// in its posts (a KindRefreshMeetingPosts job).
func (d *Discussion) RefreshMeetingPostsJob(ctx context.Context, j *jobs.Job) error {
	var eventID int
	if err := j.Decode(&eventID); err != nil {
		return err
	}
	posts, err := d.client.Post.Query().Where(post.EventID(eventID), post.KindEQ(post.KindMEETING)).
		WithEvent(func(q *ent.EventQuery) { q.WithConference() }).All(ctx)
	if err != nil {
		return fmt.Errorf("discussion: %w", err)
	}
	for _, p := range posts {
		text := MeetingText(p.Edges.Event, p.Edges.Event.Edges.Conference)
		if err := p.Update().SetBody(text).SetEditedAt(time.Now()).Exec(ctx); err != nil {
			return err
		}
		d.announce(ctx, p.ChannelID, realtime.ChannelPost{Kind: PostUpdated, PostID: p.ID})
	}
	return nil
}

// manageable is a channel the viewer may change: they made it, or are an admin.
func (d *Discussion) manageable(ctx context.Context, channelID int) (*ent.Channel, error) {
	ch, err := d.client.Channel.Get(ctx, channelID)
	if err != nil {
		return nil, err
	}
	v, _ := viewer.FromContext(ctx)
	if !v.IsAdmin() && (ch.CreatedByID == nil || *ch.CreatedByID != v.UserID) {
		return nil, apperr.New(apperr.Forbidden, "only the channel's creator or an admin can change its members")
	}
	return ch, nil
}

func (d *Discussion) checkEmployees(ctx context.Context, ids []int) error {
	missing, err := directory.NotEmployees(ctx, d.client, ids)
	if err == nil && len(missing) > 0 {
		err = apperr.Invalid("members", "%d is not an active employee of your company", missing[0])
	}
	return err
}

// announce tells a channel's subscribers. The post is stored already, so a
// failed notice only delays it until the client next reads the channel.
func (d *Discussion) announce(ctx context.Context, channelID int, n realtime.ChannelPost) {
	_ = realtime.PublishJSON(ctx, d.broker, n, realtime.ChannelTopic(channelID))
}
