package webhooks

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// nonPublic4 are IPv4 ranges that are not loopback, private or link-local
// by the netip predicates but are no public target either.
var nonPublic4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network": 0.x reaches the host itself on Linux
	netip.MustParsePrefix("100.64.0.0/10"), // shared address space (RFC 6598, CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, broadcast
}

// IPv6 ranges that carry an IPv4 address inside.
var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")   // well-known NAT64 prefix, IPv4 in the last 32 bits
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48") // local-use NAT64 (RFC 8215): where the IPv4 sits depends on the site's prefix length
	sixToFour  = netip.MustParsePrefix("2002::/16")      // 6to4, IPv4 in bits 16–47
	teredo     = netip.MustParsePrefix("2001::/32")      // Teredo: server IPv4 in bits 32–63, client IPv4 inverted in the last 32
	siteLocal  = netip.MustParsePrefix("fec0::/10")      // deprecated site-local, private in practice
)

// publicAddr reports whether ip may be a webhook target by default: not
// loopback, private, link-local (cloud metadata lives there), CGNAT,
// multicast, unspecified or otherwise reserved, and not an IPv6 address
// that carries such an IPv4 address (IPv4-mapped, IPv4-compatible, SIIT,
// NAT64, 6to4, Teredo): a NAT64 gateway or tunnel would deliver to it.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	if ip.Is4() {
		for _, p := range nonPublic4 {
			if p.Contains(ip) {
				return false
			}
		}
		return true
	}
	if nat64Local.Contains(ip) || siteLocal.Contains(ip) {
		return false
	}
	for _, v4 := range embeddedIPv4(ip) {
		if !publicAddr(v4) {
			return false
		}
	}
	return true
}

// embeddedIPv4 returns the IPv4 addresses an IPv6 address carries by one of
// the standard embeddings.
func embeddedIPv4(ip netip.Addr) []netip.Addr {
	b := ip.As16()
	v4 := func(x [4]byte) netip.Addr { return netip.AddrFrom4(x) }
	last := [4]byte{b[12], b[13], b[14], b[15]}
	zero := func(bs []byte) bool {
		for _, c := range bs {
			if c != 0 {
				return false
			}
		}
		return true
	}
	switch {
	case zero(b[:12]): // IPv4-compatible ::a.b.c.d
		return []netip.Addr{v4(last)}
	case zero(b[:8]) && b[8] == 0xff && b[9] == 0xff && zero(b[10:12]): // IPv4-translated ::ffff:0:a.b.c.d (SIIT)
		return []netip.Addr{v4(last)}
	case nat64.Contains(ip):
		return []netip.Addr{v4(last)}
	case sixToFour.Contains(ip):
		return []netip.Addr{v4([4]byte{b[2], b[3], b[4], b[5]})}
	case teredo.Contains(ip):
		server := v4([4]byte{b[4], b[5], b[6], b[7]})
		client := v4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})
		return []netip.Addr{server, client}
	}
	return nil
}

// checkHost resolves host and refuses it when any address is not public.
func checkHost(ctx context.Context, host string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("cannot resolve %q", host)
	}
	for _, a := range addrs {
		if !publicAddr(a) {
			return fmt.Errorf("%s resolves to %s, a private or loopback address", host, a)
		}
	}
	return nil
}

// guardedDialer refuses, at connect time, addresses that are not public, so
// a name that resolves differently after validation (DNS rebinding) is
// still refused.
func guardedDialer(allowPrivate bool) *net.Dialer {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if allowPrivate {
		return d
	}
	// Control runs on the address actually being connected to, after
	// name resolution, for every attempt.
	d.Control = func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("webhook target %q: %w", address, err)
		}
		if !publicAddr(ap.Addr()) {
			return fmt.Errorf("webhook target %s is a private or loopback address", ap.Addr())
		}
		return nil
	}
	return d
}

// GuardedClient is an HTTP client that connects only to public addresses
// (unless allowPrivate), checked at connect time as for webhook
// deliveries: imports fetch an old site's pictures through it.
func GuardedClient(allowPrivate bool, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{DialContext: guardedDialer(allowPrivate).DialContext, MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute},
	}
}
