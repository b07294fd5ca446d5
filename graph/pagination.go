package graph

import (
	"entgo.io/contrib/entgql"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/graph/generated"
)

// defaultPageSize applies when a client asks for a connection without first
// or last: an unbounded list is never loaded by accident.
const defaultPageSize = 50

// pageSize returns first, or defaultPageSize when neither first nor last is set.
func pageSize(first, last *int) *int {
	if first == nil && last == nil {
		n := defaultPageSize
		return &n
	}
	return first
}

// pageCost is the complexity of a connection: its children once per row.
func pageCost(child int, first, last *int) int {
	rows := defaultPageSize
	if first != nil {
		rows = *first
	} else if last != nil {
		rows = *last
	}
	return 1 + child*max(rows, 1)
}

type cursor = *entgql.Cursor[int]

// connectionCost prices any connection field from its first/last arguments.
func connectionCost[Order, Where any](child int, _ cursor, first *int, _ cursor, last *int, _ Order, _ Where) int {
	return pageCost(child, first, last)
}

// setComplexity prices every connection by its page size.
func setComplexity(c *generated.ComplexityRoot) {
	c.Query.Calls = connectionCost[*ent.CallOrder, *ent.CallWhereInput]
	c.Query.Channels = connectionCost[*ent.ChannelOrder, *ent.ChannelWhereInput]
	c.Query.Contacts = connectionCost[*ent.ContactOrder, *ent.ContactWhereInput]
	c.Query.EventList = connectionCost[*ent.EventOrder, *ent.EventWhereInput]
	c.Query.Notifications = connectionCost[*ent.NotificationOrder, *ent.NotificationWhereInput]
	c.Query.Rooms = connectionCost[*ent.RoomOrder, *ent.RoomWhereInput]
	c.Query.Users = connectionCost[*ent.UserOrder, *ent.UserWhereInput]
	c.Channel.Posts = connectionCost[*ent.PostOrder, *ent.PostWhereInput]
}

// Channels read like chats: newest post first unless orderBy says
// otherwise. entgql has no per-field default order; its default is this
// variable, which also breaks ties and keys cursors.
func init() { ent.DefaultPostOrder.Direction = entgql.OrderDirectionDesc }
