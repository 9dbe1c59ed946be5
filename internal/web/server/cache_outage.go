package server

import (
	"context"
	"time"
)

// watchBroker turns the response cache off while the live-updates broker
// does not answer, and on again (empty) when it does. Other replicas' writes
// reach this replica's cache only as purges carried by the broker: during an
// outage an entry could outlive a change made elsewhere (an article
// unpublished on another replica) until its TTL. Suspending empties the
// cache, so nothing from before the outage is served, and stores nothing
// during it; once the broker is back, the events that piled up in the outbox
// arrive and purge as usual. It stops with CloseLive.
func (s *Server) watchBroker() {
	if s.cfg.Live == nil || s.cache == nil {
		return
	}
	every := s.cfg.BrokerCheck
	if every <= 0 {
		every = time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopWatch = cancel
	check := func() {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := s.cfg.Live.Ready(cctx)
		cancel()
		switch {
		case ctx.Err() != nil:
		case err != nil:
			if s.cache.Suspend() {
				s.cfg.Logger.Warn("response cache off while the live-updates broker is away: other replicas' purges cannot arrive", "err", err)
			}
		default:
			if s.cache.Resume() {
				s.cfg.Logger.Info("response cache on again: the live-updates broker is back")
			}
		}
	}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			check()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}
