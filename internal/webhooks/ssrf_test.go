package webhooks

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// TestAddressGuard: the guard refuses loopback, private and reserved IPv4
// addresses and every IPv6 form that carries one (IPv4-mapped and
// -compatible, SIIT, NAT64, 6to4, Teredo), and lets public ones through.
// The refused ones are also refused by the dialer itself, on the address
// it is about to connect to.
func TestAddressGuard(t *testing.T) {
	for _, c := range []struct {
		addr   string
		public bool
	}{
		{"93.184.216.34", true},
		{"2606:4700::1111", true},
		{"127.0.0.1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"100.64.0.1", false},
		{"0.0.0.1", false},
		{"255.255.255.255", false},
		{"::1", false},
		{"::", false},
		{"fc00::1", false},
		{"fe80::1", false},
		{"fec0::1", false},
		{"::ffff:127.0.0.1", false}, // IPv4-mapped
		{"::ffff:93.184.216.34", true},
		{"::127.0.0.1", false}, // IPv4-compatible
		{"::10.0.0.1", false},
		{"::93.184.216.34", true},
		{"::ffff:0:127.0.0.1", false}, // SIIT
		{"64:ff9b::7f00:1", false},    // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", false}, // NAT64 of 169.254.169.254
		{"64:ff9b::5db8:d822", true},  // NAT64 of 93.184.216.34
		{"64:ff9b:1::7f00:1", false},  // local-use NAT64: refused whatever it carries
		{"64:ff9b:1:5db8:d8:2200::", false},
		{"2002:7f00:1::", false}, // 6to4 of 127.0.0.1
		{"2002:c0a8:101::1", false},
		{"2002:5db8:d822::1", true},
		{"2001:0:5db8:d822:0:0:80ff:fffe", false}, // Teredo, client 127.0.0.1 (inverted)
		{"2001:0:7f00:1:0:0:a246:29dd", false},    // Teredo, server 127.0.0.1
		{"2001:0:5db8:d822:0:0:a246:29dd", true},  // Teredo, public server and client (93.185.214.34)
		{"2001:db8::1", true},                     // not Teredo (2001:db8::/32 is another prefix)
	} {
		ip := netip.MustParseAddr(c.addr)
		if got := publicAddr(ip); got != c.public {
			t.Errorf("publicAddr(%s) = %v, want %v", c.addr, got, c.public)
		}
		if c.public {
			continue // dialling it would leave the machine
		}
		conn, err := guardedDialer(false).DialContext(context.Background(), "tcp", net.JoinHostPort(c.addr, "9"))
		if err == nil {
			conn.Close()
			t.Errorf("dialled %s", c.addr)
		} else if !strings.Contains(err.Error(), "private or loopback") {
			t.Errorf("dial %s: %v, want the guard's refusal", c.addr, err)
		}
	}
}
