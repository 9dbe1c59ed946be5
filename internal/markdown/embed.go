package markdown

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Embed is a third-party player or card built from the URL an editor
// pasted on a line of its own. It is made from the provider's URL pattern
// alone: no network call at save time (no oEmbed), so saving never waits on
// or leaks to a third party.
type Embed struct {
	// Provider is the provider's name as configured (youtube, vimeo, …).
	Provider string `json:"provider"`
	// URL is the address the editor pasted, canonicalised.
	URL string `json:"url"`
	// EmbedURL is the iframe's address on the provider's player host; empty
	// when the provider cannot be embedded from the URL alone (a Bluesky
	// post named by handle rather than DID): then HTML is a link card.
	EmbedURL string `json:"embedUrl,omitempty"`
	// Title is a human title for the iframe (accessibility).
	Title string `json:"title"`
	// ThumbnailURL is a still image, where the provider's URL pattern gives
	// one (YouTube); empty otherwise.
	ThumbnailURL string `json:"thumbnailUrl,omitempty"`
	// HTML is the sanitised markup to insert: a sandboxed iframe.
	HTML string `json:"html"`
}

// Provider recognises the URLs of one embed provider.
type Provider struct {
	// Name is the provider's configuration name.
	Name string
	// Label is the provider's display name, used in iframe titles.
	Label string
	// PlayerHosts are the hosts its iframes load from: the sanitiser allows
	// iframes from the player hosts of the enabled providers only.
	PlayerHosts []string
	// match returns the embed for u, or false when u is not the provider's.
	match func(u *url.URL) (embedURL, thumb string, ok bool)
	// height is the player's height in pixels at full width; 0 for a
	// 16:9 video player.
	height int
}

var (
	youtubeID    = regexp.MustCompile(`^[A-Za-z0-9_-]{11}$`)
	digits       = regexp.MustCompile(`^[0-9]{1,25}$`)
	token        = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)
	blueskyDID   = regexp.MustCompile(`^did:[a-z]+:[A-Za-z0-9._:-]{1,100}$`)
	chartID      = regexp.MustCompile(`^[A-Za-z0-9]{5}$`)
	spotifyKinds = []string{"track", "album", "playlist", "episode", "show", "artist"}
)

// segments returns the non-empty segments of u's path.
func segments(u *url.URL) []string {
	var out []string
	for _, s := range strings.Split(u.Path, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// hostIs reports whether u's host is one of hosts (with or without www.).
func hostIs(u *url.URL, hosts ...string) bool {
	h := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	return slices.Contains(hosts, h)
}

// Providers are every provider Broadsheet knows, by configuration name.
var Providers = []Provider{
	{Name: "youtube", Label: "YouTube", PlayerHosts: []string{"www.youtube-nocookie.com", "www.youtube.com"},
		match: func(u *url.URL) (string, string, bool) {
			var id string
			seg := segments(u)
			switch {
			case hostIs(u, "youtu.be") && len(seg) == 1:
				id = seg[0]
			case hostIs(u, "youtube.com", "m.youtube.com") && len(seg) == 1 && seg[0] == "watch":
				id = u.Query().Get("v")
			case hostIs(u, "youtube.com", "m.youtube.com") && len(seg) == 2 && (seg[0] == "shorts" || seg[0] == "embed" || seg[0] == "live"):
				id = seg[1]
			}
			if !youtubeID.MatchString(id) {
				return "", "", false
			}
			return "https://www.youtube-nocookie.com/embed/" + id, "https://i.ytimg.com/vi/" + id + "/hqdefault.jpg", true
		}},
	{Name: "vimeo", Label: "Vimeo", PlayerHosts: []string{"player.vimeo.com"},
		match: func(u *url.URL) (string, string, bool) {
			seg := segments(u)
			if !hostIs(u, "vimeo.com") || len(seg) == 0 || !digits.MatchString(seg[len(seg)-1]) {
				return "", "", false
			}
			return "https://player.vimeo.com/video/" + seg[len(seg)-1], "", true
		}},
	{Name: "x", Label: "X", PlayerHosts: []string{"platform.twitter.com"}, height: 560,
		match: func(u *url.URL) (string, string, bool) {
			seg := segments(u)
			if !hostIs(u, "x.com", "twitter.com", "mobile.twitter.com") || len(seg) < 3 || seg[1] != "status" || !digits.MatchString(seg[2]) {
				return "", "", false
			}
			return "https://platform.twitter.com/embed/Tweet.html?id=" + seg[2], "", true
		}},
	{Name: "instagram", Label: "Instagram", PlayerHosts: []string{"www.instagram.com"}, height: 720,
		match: func(u *url.URL) (string, string, bool) {
			seg := segments(u)
			if !hostIs(u, "instagram.com") || len(seg) < 2 || (seg[0] != "p" && seg[0] != "reel" && seg[0] != "tv") || !token.MatchString(seg[1]) {
				return "", "", false
			}
			return "https://www.instagram.com/" + seg[0] + "/" + seg[1] + "/embed/", "", true
		}},
	{Name: "tiktok", Label: "TikTok", PlayerHosts: []string{"www.tiktok.com"}, height: 740,
		match: func(u *url.URL) (string, string, bool) {
			seg := segments(u)
			if !hostIs(u, "tiktok.com") || len(seg) != 3 || !strings.HasPrefix(seg[0], "@") || seg[1] != "video" || !digits.MatchString(seg[2]) {
				return "", "", false
			}
			return "https://www.tiktok.com/embed/v2/" + seg[2], "", true
		}},
	{Name: "bluesky", Label: "Bluesky", PlayerHosts: []string{"embed.bsky.app"}, height: 420,
		match: func(u *url.URL) (string, string, bool) {
			seg := segments(u)
			if !hostIs(u, "bsky.app") || len(seg) != 4 || seg[0] != "profile" || seg[2] != "post" || !token.MatchString(seg[3]) {
				return "", "", false
			}
			// The embed player needs the author's DID; a handle would need a
			// network lookup, so a post named by handle becomes a link card.
			if did := seg[1]; blueskyDID.MatchString(did) {
				return "https://embed.bsky.app/embed/" + did + "/app.bsky.feed.post/" + seg[3], "", true
			}
			return "", "", true
		}},
	{Name: "spotify", Label: "Spotify", PlayerHosts: []string{"open.spotify.com"}, height: 352,
		match: func(u *url.URL) (string, string, bool) {
			seg := segments(u)
			if len(seg) > 2 && strings.HasPrefix(seg[0], "intl-") {
				seg = seg[1:]
			}
			if !hostIs(u, "open.spotify.com") || len(seg) != 2 || !slices.Contains(spotifyKinds, seg[0]) || !token.MatchString(seg[1]) {
				return "", "", false
			}
			return "https://open.spotify.com/embed/" + seg[0] + "/" + seg[1], "", true
		}},
	{Name: "soundcloud", Label: "SoundCloud", PlayerHosts: []string{"w.soundcloud.com"}, height: 166,
		match: func(u *url.URL) (string, string, bool) {
			seg := segments(u)
			if !hostIs(u, "soundcloud.com") || len(seg) < 2 || !token.MatchString(seg[0]) || !token.MatchString(seg[1]) {
				return "", "", false
			}
			track := "https://soundcloud.com/" + strings.Join(seg, "/")
			return "https://w.soundcloud.com/player/?url=" + url.QueryEscape(track), "", true
		}},
	{Name: "datawrapper", Label: "Datawrapper", PlayerHosts: []string{"datawrapper.dwcdn.net"}, height: 500,
		match: func(u *url.URL) (string, string, bool) {
			seg := segments(u)
			var id string
			switch {
			case hostIs(u, "datawrapper.dwcdn.net") && len(seg) >= 1:
				id = seg[0]
			case hostIs(u, "app.datawrapper.de") && len(seg) >= 2 && seg[0] == "chart":
				id = seg[1]
			}
			if !chartID.MatchString(id) {
				return "", "", false
			}
			return "https://datawrapper.dwcdn.net/" + id + "/", "", true
		}},
	{Name: "flourish", Label: "Flourish", PlayerHosts: []string{"flo.uri.sh"}, height: 575,
		match: func(u *url.URL) (string, string, bool) {
			seg := segments(u)
			if !hostIs(u, "public.flourish.studio", "flo.uri.sh") || len(seg) < 2 || (seg[0] != "visualisation" && seg[0] != "story") || !digits.MatchString(seg[1]) {
				return "", "", false
			}
			return "https://flo.uri.sh/" + seg[0] + "/" + seg[1] + "/embed", "", true
		}},
	{Name: "infogram", Label: "Infogram", PlayerHosts: []string{"e.infogram.com"}, height: 600,
		match: func(u *url.URL) (string, string, bool) {
			seg := segments(u)
			if !hostIs(u, "infogram.com") || len(seg) != 1 || !token.MatchString(seg[0]) {
				return "", "", false
			}
			return "https://e.infogram.com/" + seg[0] + "?src=embed", "", true
		}},
}

// ProviderNames lists the names of every known provider, the default of
// the embed configuration.
func ProviderNames() []string {
	names := make([]string, len(Providers))
	for i, p := range Providers {
		names[i] = p.Name
	}
	return names
}

// providersNamed returns the providers with the given names, or an error
// naming an unknown one.
func providersNamed(names []string) ([]Provider, error) {
	var out []Provider
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		if n == "twitter" {
			n = "x"
		}
		i := slices.IndexFunc(Providers, func(p Provider) bool { return p.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("unknown embed provider %q (known: %s)", n, strings.Join(ProviderNames(), ", "))
		}
		if !slices.ContainsFunc(out, func(p Provider) bool { return p.Name == n }) {
			out = append(out, Providers[i])
		}
	}
	return out, nil
}

// embedFor returns the embed of raw when it is an http(s) URL of one of
// providers.
func embedFor(providers []Provider, raw string) (*Embed, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.Host == "" {
		return nil, false
	}
	for _, p := range providers {
		src, thumb, ok := p.match(u)
		if !ok {
			continue
		}
		u.Scheme = "https"
		e := &Embed{Provider: p.Name, URL: u.String(), EmbedURL: src, Title: p.Label + " embed", ThumbnailURL: thumb}
		e.HTML = embedHTML(p, e)
		return e, true
	}
	return nil, false
}

// iframeSandbox is what an embed's iframe may do: run the provider's player
// script in the provider's own origin, open links in a new window and go
// full screen; never navigate the page or reach the page's origin.
const iframeSandbox = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-presentation"

// embedHTML is an embed's markup: a sandboxed, lazily loaded iframe, or a
// link card when there is no player URL.
func embedHTML(p Provider, e *Embed) string {
	if e.EmbedURL == "" {
		return fmt.Sprintf(`<blockquote class="embed embed-%s"><p><a href="%s">%s</a></p></blockquote>`,
			p.Name, html.EscapeString(e.URL), html.EscapeString(e.URL))
	}
	size := fmt.Sprintf(`width="100%%" height="%d"`, p.height)
	if p.height == 0 { // a 16:9 player
		size = `width="560" height="315"`
	}
	return fmt.Sprintf(`<iframe src="%s" title="%s" %s loading="lazy" sandbox="%s" allow="autoplay; encrypted-media; fullscreen; picture-in-picture" allowfullscreen referrerpolicy="strict-origin-when-cross-origin"></iframe>`,
		html.EscapeString(e.EmbedURL), html.EscapeString(e.Title), size, iframeSandbox)
}
