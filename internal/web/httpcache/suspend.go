package httpcache

// Suspend empties the cache and turns it off until Resume: Get misses and
// Put stores nothing. The server suspends it while the broker that carries
// other replicas' purges is away, since an entry could then outlive a
// change made elsewhere (an unpublished article) until its TTL. It reports
// whether the cache was on.
func (s *Store) Suspend() bool {
	s.mu.Lock()
	was := !s.suspended.Swap(true)
	s.mu.Unlock()
	s.PurgeAll()
	return was
}

// Resume turns a suspended cache on again, empty; answers computed before
// are not stored (the epoch moves). It reports whether it was suspended.
func (s *Store) Resume() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch.Add(1)
	return s.suspended.Swap(false)
}

// Suspended reports whether the cache is turned off by Suspend.
func (s *Store) Suspended() bool { return s.suspended.Load() }
