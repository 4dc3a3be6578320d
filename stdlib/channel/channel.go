// Package channel is the channel module: the seed's channel, a rendezvous
// between senders and receivers.
//
// A send meets the first waiting receiver, or waits at the back of the
// senders; a receive meets the first waiting sender, or waits at the back of
// the receivers. When a pair meets, the arriving side hands over (or takes)
// the value, makes the waiting side runnable and yields, so both are
// rescheduled and the one that waited resumes first. With these rules the
// seed's 5 producers x 5 consumers listing pairs consumer k with producer k.
//
// Unless a doc comment says otherwise, everything here must be called from
// the hub loop or the running green thread.
package channel

import (
	"fmt"
	"github.com/evscript/evscript/builtins"

	"github.com/evscript/evscript/hub"
	"go.starlark.net/starlark"
)

// Module is the channel module. See docs/api/channel.md.
var Module = &builtins.Module{
	Name:  "channel",
	Funcs: map[string]builtins.Func{"channel": newChannel},
}

// A Channel is the value channel.channel() returns.
type Channel struct {
	rt        *builtins.Runtime
	bound     builtins.Bound // methods bound to this value
	senders   hub.WaitQueue  // Value: the item offered; taken once received
	receivers hub.WaitQueue  // Value: nil; the item handed over
}

var _ starlark.HasAttrs = (*Channel)(nil)

// channel() -> channel. See docs/api/channel.md.
func newChannel(rt *builtins.Runtime, th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	return &Channel{rt: rt}, nil
}

// Balance returns the number of waiting senders minus the number of waiting
// receivers.
func (c *Channel) Balance() int { return c.senders.Len() - c.receivers.Len() }

func (c *Channel) String() string        { return fmt.Sprintf("<channel balance=%d>", c.Balance()) }
func (c *Channel) Type() string          { return "channel" }
func (c *Channel) Freeze()               {}
func (c *Channel) Truth() starlark.Bool  { return true }
func (c *Channel) Hash() (uint32, error) { return builtins.IdentityHash(c), nil }

var channelMethods = builtins.NewMethods(
	starlark.NewBuiltin("send", channelSend),
	starlark.NewBuiltin("send_exception", channelSendException),
	starlark.NewBuiltin("receive", channelReceive),
)

// Attr returns the methods and balance.
func (c *Channel) Attr(name string) (starlark.Value, error) {
	if name == "balance" {
		return starlark.MakeInt(c.Balance()), nil
	}
	return channelMethods.Attr(c, &c.bound, name), nil
}

// AttrNames lists the attributes.
func (c *Channel) AttrNames() []string { return channelMethods.Names("balance") }

// send(value): wait until a receiver takes value.
func channelSend(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	c := b.Receiver().(*Channel)
	v, err := builtins.OneArg(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	return c.give(th, b, v)
}

// send_exception(exc): wait until a receiver takes exc, which it raises.
func channelSendException(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	c := b.Receiver().(*Channel)
	var exc builtins.OptException
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &exc); err != nil {
		return nil, err
	}
	if exc.Exc == nil {
		return nil, fmt.Errorf("%s: got None, want an exception or an exception class", b.Name())
	}
	return c.give(th, b, &builtins.Delivery{Exc: exc.Err()})
}

// An item travels through a channel as the Value of a hub.Waiter: a
// starlark.Value, or a *delivery holding an exception to raise. Plain
// values go as they are, which saves an allocation per send.

// give hands item to the first waiting receiver and yields, or waits for
// one.
func (c *Channel) give(th *starlark.Thread, b *starlark.Builtin, item any) (starlark.Value, error) {
	t, err := c.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	if wt := c.receivers.Front(); wt != nil {
		wt.Wake(item, nil)
		if err := builtins.Settle(t, t.Yield()); err != nil {
			return nil, err
		}
		return starlark.None, nil
	}
	got, err := c.senders.Wait(t, "channel.send", -1, item)
	if got == builtins.Taken {
		err = builtins.Settle(t, err)
	}
	if err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// receive() -> the value a sender gives (or raises its exception).
func channelReceive(th *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	c := b.Receiver().(*Channel)
	if err := builtins.NoArgs(b, args, kwargs); err != nil {
		return nil, err
	}
	t, err := c.rt.TaskFor(th, b)
	if err != nil {
		return nil, err
	}
	if wt := c.senders.Front(); wt != nil {
		item := wt.Value
		wt.Wake(builtins.Taken, nil)
		if err := builtins.Settle(t, t.Yield()); err != nil {
			return nil, err
		}
		return itemResult(item)
	}
	got, err := c.receivers.Wait(t, "channel.receive", -1, nil)
	if got != nil {
		err = builtins.Settle(t, err)
	}
	if err != nil {
		return nil, err
	}
	return itemResult(got)
}

// itemResult returns what receiving item gives: the value, or the
// exception raised.
func itemResult(item any) (starlark.Value, error) {
	if d, ok := item.(*builtins.Delivery); ok {
		return d.Result()
	}
	return item.(starlark.Value), nil
}
