package goka

import (
	"sync"

	"github.com/IBM/sarama"
)

// Promise as in https://en.wikipedia.org/wiki/Futures_and_promises
type Promise struct {
	sync.Mutex
	err      error
	msg      *sarama.ProducerMessage
	finished bool

	// tradestream patch 7: the first callback is kept in the promise
	// itself, and Then's callback as it is given, so that a promise with
	// one callback (every emit's) allocates nothing more.
	first     promiseCallback
	callbacks []promiseCallback
}

// promiseCallback is a callback given to Then (errOnly), ThenWithMessage,
// or an emit of a callback context (emitted, see thenEmitted).
type promiseCallback struct {
	withMsg func(msg *sarama.ProducerMessage, err error)
	errOnly func(err error)
	emitted *cbContext
	topic   string
}

func (c promiseCallback) set() bool { return c.withMsg != nil || c.errOnly != nil || c.emitted != nil }

func (c promiseCallback) call(msg *sarama.ProducerMessage, err error) {
	switch {
	case c.emitted != nil:
		c.emitted.emitted(c.topic, err)
	case c.errOnly != nil:
		c.errOnly(err)
	default:
		c.withMsg(msg, err)
	}
}

// thenEmitted chains ctx's acknowledgement of its emit to topic (what
// cbContext.emit did with a closure per emit).
func (p *Promise) thenEmitted(ctx *cbContext, topic string) *Promise {
	return p.then(promiseCallback{emitted: ctx, topic: topic})
}

// PromiseFinisher finishes a promise
type PromiseFinisher func(msg *sarama.ProducerMessage, err error) *Promise

// NewPromise creates a new Promise
func NewPromise() *Promise {
	return new(Promise)
}

// NewPromiseWithFinisher creates a new Promise and a separate finish method.
// This is necessary if the promise is used outside of goka package.
func NewPromiseWithFinisher() (*Promise, PromiseFinisher) {
	p := new(Promise)
	return p, p.finish
}

// execute all callbacks conveniently
// The caller needs to lock!
func (p *Promise) executeCallbacks() {
	// already resolved
	if p.finished {
		return
	}
	if p.first.set() {
		p.first.call(p.msg, p.err)
	}
	for _, s := range p.callbacks {
		s.call(p.msg, p.err)
	}
	// mark as finished
	p.finished = true
}

// Then chains a callback to the Promise
func (p *Promise) Then(callback func(err error)) *Promise {
	return p.then(promiseCallback{errOnly: callback})
}

// ThenWithMessage chains a callback to the Promise
func (p *Promise) ThenWithMessage(callback func(msg *sarama.ProducerMessage, err error)) *Promise {
	return p.then(promiseCallback{withMsg: callback})
}

func (p *Promise) then(callback promiseCallback) *Promise {
	p.Lock()
	defer p.Unlock()

	// promise already run, call the callback immediately
	switch {
	case p.finished:
		callback.call(p.msg, p.err)
	// append it to the subscribers otherwise
	case !p.first.set():
		p.first = callback
	default:
		p.callbacks = append(p.callbacks, callback)
	}
	return p
}

// Finish finishes the promise by executing all callbacks and saving the message/error for late subscribers
func (p *Promise) finish(msg *sarama.ProducerMessage, err error) *Promise {
	p.Lock()
	defer p.Unlock()

	p.err = err
	p.msg = msg

	p.executeCallbacks()
	return p
}
