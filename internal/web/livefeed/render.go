package livefeed

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/models"
)

// home is the page a feed belongs to: the article's canonical URL when it
// has one, else its page on the publication's site.
func (f *feed) home() string {
	if f.article.CanonicalURL != "" {
		return f.article.CanonicalURL
	}
	return f.page
}

// itemTitle is an entry's title, or the start of its text.
func itemTitle(e *models.LiveEntry) string {
	if e.Title != "" {
		return e.Title
	}
	var text []string
	if blocks, err := markdown.DecodeBlocks(e.BodyBlocks); err == nil {
		for _, b := range blocks {
			text = append(text, b.Text)
		}
	}
	return markdown.Excerpt(strings.Join(text, " "), 80)
}

// itemHTML is the entry's HTML with its correction note, as readers see it.
func itemHTML(e *models.LiveEntry) string {
	if c := e.Correction(); c != nil {
		return e.BodyHTML + `<p class="correction"><em>Correction (` + c.At.UTC().Format(time.RFC3339) + `): ` + xmlEscape(c.Text) + `</em></p>`
	}
	return e.BodyHTML
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

type jsonAuthor struct {
	Name string `json:"name"`
}

// jsonItem is a JSON Feed 1.1 item; _live is Broadsheet's extension.
type jsonItem struct {
	ID            string       `json:"id"`
	URL           string       `json:"url,omitempty"`
	Title         string       `json:"title,omitempty"`
	ContentHTML   string       `json:"content_html"`
	DatePublished string       `json:"date_published"`
	DateModified  string       `json:"date_modified"`
	Authors       []jsonAuthor `json:"authors,omitempty"`
	Live          jsonLive     `json:"_live"`
}

type jsonLive struct {
	KeyEvent   bool    `json:"key_event"`
	Pinned     bool    `json:"pinned"`
	Correction *string `json:"correction,omitempty"`
}

// jsonFeed renders JSON Feed 1.1 (https://jsonfeed.org/version/1.1).
func (f *feed) jsonFeed() ([]byte, error) {
	items := make([]jsonItem, 0, len(f.entries))
	for _, e := range f.entries {
		it := jsonItem{ID: e.GlobalID(), URL: f.home() + "#" + e.GlobalID(), Title: e.Title, ContentHTML: itemHTML(e),
			DatePublished: e.CreatedAt.UTC().Format(time.RFC3339), DateModified: e.UpdatedAt.UTC().Format(time.RFC3339),
			Live: jsonLive{KeyEvent: e.IsKeyEvent, Pinned: e.IsPinned}}
		for _, a := range e.AuthorList {
			it.Authors = append(it.Authors, jsonAuthor{Name: a.Name})
		}
		if c := e.Correction(); c != nil {
			it.Live.Correction = &c.Text
		}
		items = append(items, it)
	}
	doc := map[string]any{
		"version":       "https://jsonfeed.org/version/1.1",
		"title":         f.article.Title,
		"home_page_url": f.home(),
		"feed_url":      f.self,
		"description":   f.article.Excerpt,
		"items":         items,
		"_live":         map[string]any{"is_live": f.blog.IsLive(), "started_at": f.blog.StartedAt.UTC().Format(time.RFC3339)},
	}
	return json.MarshalIndent(doc, "", "  ")
}

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Self          rssLink   `xml:"atom:link"`
	Description   string    `xml:"description"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	TTL           int       `xml:"ttl"`
	Items         []rssItem `xml:"item"`
}

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	GUID        rssGUID  `xml:"guid"`
	PubDate     string   `xml:"pubDate"`
	Description string   `xml:"description"`
	Categories  []string `xml:"category,omitempty"`
}

// rss renders RSS 2.0; key events and pinned entries carry a category.
func (f *feed) rss() ([]byte, error) {
	ch := rssChannel{Title: f.article.Title, Link: f.home(), Self: rssLink{Href: f.self, Rel: "self", Type: "application/rss+xml"},
		Description: f.article.Excerpt, TTL: 1}
	if ch.Description == "" {
		ch.Description = f.article.Title
	}
	for i, e := range f.entries {
		if i == 0 {
			ch.LastBuildDate = e.UpdatedAt.UTC().Format(time.RFC1123Z)
		}
		it := rssItem{Title: itemTitle(e), Link: f.home() + "#" + e.GlobalID(), GUID: rssGUID{Value: e.GlobalID()},
			PubDate: e.CreatedAt.UTC().Format(time.RFC1123Z), Description: itemHTML(e)}
		if e.IsKeyEvent {
			it.Categories = append(it.Categories, "key-event")
		}
		if e.IsPinned {
			it.Categories = append(it.Categories, "pinned")
		}
		ch.Items = append(ch.Items, it)
	}
	b, err := xml.MarshalIndent(rssDoc{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", Channel: ch}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), b...), nil
}
