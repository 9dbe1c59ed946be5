package markdown

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// newPolicy is the sanitiser every fragment of a body passes through.
// bluemonday's UGC policy is the base (no scripts, styles, forms, event
// handlers or javascript: URLs); on top of it an editor may use <figure>
// and <figcaption>, <video> with https sources, footnote anchors, and
// <iframe> from the player hosts of the enabled embed providers only,
// always sandboxed.
func newPolicy(providers []Provider) *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("id").Matching(bluemonday.SpaceSeparatedTokens).OnElements("h2", "h3", "h4")
	p.RequireNoFollowOnLinks(false)
	p.AddTargetBlankToFullyQualifiedLinks(false)

	p.AllowElements("figure", "figcaption")
	// Footnotes: goldmark's references and back links.
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^fn(ref[0-9]*)?:[0-9]+$`)).OnElements("sup", "li")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^footnote-(ref|backref)$`)).OnElements("a")
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^doc-(noteref|backlink)$`)).OnElements("a")

	https := regexp.MustCompile(`^https://`)
	p.AllowAttrs("src", "poster").Matching(https).OnElements("video")
	p.AllowAttrs("controls", "muted", "loop", "playsinline").Matching(regexp.MustCompile(`^(|controls|muted|loop|playsinline)$`)).OnElements("video")
	p.AllowAttrs("preload").Matching(regexp.MustCompile(`^(none|metadata)$`)).OnElements("video")
	p.AllowAttrs("width", "height").Matching(bluemonday.Number).OnElements("video")
	p.AllowAttrs("src").Matching(https).OnElements("source")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^video/[a-z0-9.+-]+$`)).OnElements("source")

	if hosts := playerHosts(providers); len(hosts) > 0 {
		quoted := make([]string, len(hosts))
		for i, h := range hosts {
			quoted[i] = regexp.QuoteMeta(h)
		}
		p.AllowAttrs("src").Matching(regexp.MustCompile(`^https://(` + strings.Join(quoted, "|") + `)/`)).OnElements("iframe")
		p.AllowAttrs("title", "loading", "referrerpolicy", "allow", "allowfullscreen").OnElements("iframe")
		p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^[0-9]{1,4}%?$`)).OnElements("iframe")
		p.AllowIFrames(bluemonday.SandboxAllowScripts, bluemonday.SandboxAllowSameOrigin, bluemonday.SandboxAllowPopups,
			bluemonday.SandboxAllowPopupsToEscapeSandbox, bluemonday.SandboxAllowPresentation)
	}
	return p
}

// playerHosts are the hosts iframes may load from.
func playerHosts(providers []Provider) []string {
	var hosts []string
	for _, p := range providers {
		hosts = append(hosts, p.PlayerHosts...)
	}
	return hosts
}

// sanitize cleans one fragment of HTML and balances its tags, so that a
// fragment (an HTML block that opens a <figure> and never closes it) cannot
// swallow the blocks after it once they are joined into a page. An iframe
// left without a source (its host was not allowed) is dropped whole.
func (r *Renderer) sanitize(fragment []byte) string {
	clean := r.policy.SanitizeBytes(fragment)
	if !bytes.ContainsRune(clean, '<') {
		return string(clean)
	}
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(bytes.NewReader(clean), body)
	if err != nil { // x/net/html parses any input; keep the sanitised text
		return string(clean)
	}
	var b strings.Builder
	for _, n := range nodes {
		dropSourcelessIframes(n)
		if n.Type == html.ElementNode && n.DataAtom == atom.Iframe && !hasAttr(n, "src") {
			continue
		}
		_ = html.Render(&b, n)
	}
	return b.String()
}

// blank reports whether sanitised HTML shows nothing: no text and no
// picture, player, rule or table (a paragraph that held only a <script>).
func blank(fragment string) bool {
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return true
		case html.TextToken:
			if strings.TrimSpace(string(z.Text())) != "" {
				return false
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Img, atom.Iframe, atom.Video, atom.Hr, atom.Table:
				return false
			}
		}
	}
}

func dropSourcelessIframes(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode && c.DataAtom == atom.Iframe && !hasAttr(c, "src") {
			n.RemoveChild(c)
		} else {
			dropSourcelessIframes(c)
		}
		c = next
	}
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key && a.Val != "" {
			return true
		}
	}
	return false
}
