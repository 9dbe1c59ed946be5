package webhooks

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// cgnat is the shared address space of RFC 6598, private in practice.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// publicAddr reports whether ip may be a webhook target by default: not
// loopback, private, link-local (cloud metadata lives there), CGNAT,
// multicast or unspecified.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && !ip.IsLoopback() && !ip.IsPrivate() && !ip.IsLinkLocalUnicast() &&
		!ip.IsLinkLocalMulticast() && !ip.IsInterfaceLocalMulticast() && !ip.IsMulticast() &&
		!ip.IsUnspecified() && !cgnat.Contains(ip)
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
