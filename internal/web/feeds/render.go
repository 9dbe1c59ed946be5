package feeds

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"time"
)

// The three feed formats, written with encoding/xml and encoding/json
// types of our own: gorilla/feeds writes neither JSON Feed 1.1 nor
// media:content, and its RSS has no way to credit several authors.

// Namespaces of the XML feeds.
const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsMedia   = "http://search.yahoo.com/mrss/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
)

type rssFeed struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Media   string     `xml:"xmlns:media,attr"`
	DC      string     `xml:"xmlns:dc,attr"`
	Content string     `xml:"xmlns:content,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	Generator     string    `xml:"generator"`
	Self          atomLink  `xml:"atom:link"`
	Items         []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string        `xml:"title"`
	Link        string        `xml:"link"`
	GUID        rssGUID       `xml:"guid"`
	PubDate     string        `xml:"pubDate"`
	Updated     string        `xml:"atom:updated"`
	Description string        `xml:"description,omitempty"`
	Content     *cdata        `xml:"content:encoded,omitempty"`
	Creators    []string      `xml:"dc:creator"`
	Categories  []rssCategory `xml:"category"`
	Enclosure   *rssEnclosure `xml:"enclosure"`
	Media       *mediaContent `xml:"media:content"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Value  string `xml:",chardata"`
}

type rssEnclosure struct {
	URL    string `xml:"url,attr"`
	Length int64  `xml:"length,attr"`
	Type   string `xml:"type,attr"`
}

type cdata struct {
	Value string `xml:",cdata"`
}

// mediaContent is Media RSS's description of the cover image.
type mediaContent struct {
	URL      string `xml:"url,attr"`
	Medium   string `xml:"medium,attr"`
	Type     string `xml:"type,attr,omitempty"`
	Width    int64  `xml:"width,attr,omitempty"`
	Height   int64  `xml:"height,attr,omitempty"`
	FileSize int64  `xml:"fileSize,attr,omitempty"`
	Text     string `xml:"media:description,omitempty"`
}

type atomLink struct {
	Href   string `xml:"href,attr"`
	Rel    string `xml:"rel,attr,omitempty"`
	Type   string `xml:"type,attr,omitempty"`
	Length int64  `xml:"length,attr,omitempty"`
}

func newMedia(img *image) *mediaContent {
	if img == nil {
		return nil
	}
	return &mediaContent{URL: img.URL, Medium: "image", Type: img.Type, Width: img.Width, Height: img.Height, FileSize: img.Bytes, Text: img.Alt}
}

func rssDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC1123Z)
}

func renderRSS(d *doc) ([]byte, error) {
	f := rssFeed{Version: "2.0", Atom: nsAtom, Media: nsMedia, DC: nsDC, Content: nsContent, Channel: rssChannel{
		Title: d.Title, Link: d.Home, Description: d.Description, Language: d.Language, LastBuildDate: rssDate(d.Updated),
		Generator: "Broadsheet", Self: atomLink{Href: d.Self, Rel: "self", Type: "application/rss+xml"},
	}}
	for _, it := range d.Items {
		ri := rssItem{Title: it.Title, Link: it.URL, GUID: rssGUID{IsPermaLink: "false", Value: it.ID},
			PubDate: rssDate(it.Published), Updated: it.Update.UTC().Format(time.RFC3339), Description: it.Summary}
		if it.HTML != "" {
			ri.Content = &cdata{Value: it.HTML}
		}
		for _, a := range it.Authors {
			ri.Creators = append(ri.Creators, a.Name)
		}
		if it.Section != nil {
			ri.Categories = append(ri.Categories, rssCategory{Domain: it.Section.URL, Value: it.Section.Name})
		}
		for _, t := range it.Tags {
			ri.Categories = append(ri.Categories, rssCategory{Domain: t.URL, Value: t.Name})
		}
		if it.Image != nil {
			ri.Enclosure = &rssEnclosure{URL: it.Image.URL, Length: it.Image.Bytes, Type: it.Image.Type}
			ri.Media = newMedia(it.Image)
		}
		f.Channel.Items = append(f.Channel.Items, ri)
	}
	return marshalXML(f)
}

type atomFeed struct {
	XMLName   xml.Name    `xml:"feed"`
	NS        string      `xml:"xmlns,attr"`
	Media     string      `xml:"xmlns:media,attr"`
	Lang      string      `xml:"xml:lang,attr,omitempty"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Links      []atomLink     `xml:"link"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Authors    []atomPerson   `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Summary    *atomText      `xml:"summary,omitempty"`
	Content    *atomText      `xml:"content,omitempty"`
	Media      *mediaContent  `xml:"media:content"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Label  string `xml:"label,attr,omitempty"`
	Scheme string `xml:"scheme,attr,omitempty"`
}

type atomText struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

func atomDate(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func renderAtom(d *doc) ([]byte, error) {
	f := atomFeed{NS: nsAtom, Media: nsMedia, Lang: d.Language, ID: d.Self, Title: d.Title, Subtitle: d.Description,
		Updated: atomDate(d.Updated), Generator: "Broadsheet",
		Links: []atomLink{{Href: d.Self, Rel: "self", Type: "application/atom+xml"}, {Href: d.Home, Rel: "alternate", Type: "text/html"}}}
	for _, it := range d.Items {
		e := atomEntry{ID: it.ID, Title: it.Title, Links: []atomLink{{Href: it.URL, Rel: "alternate", Type: "text/html"}},
			Published: atomDate(it.Published), Updated: atomDate(it.Update)}
		if it.Summary != "" {
			e.Summary = &atomText{Type: "text", Value: it.Summary}
		}
		if it.HTML != "" {
			e.Content = &atomText{Type: "html", Value: it.HTML}
		}
		for _, a := range it.Authors {
			e.Authors = append(e.Authors, atomPerson{Name: a.Name, URI: a.URL})
		}
		if it.Section != nil {
			e.Categories = append(e.Categories, atomCategory{Term: it.Section.Slug, Label: it.Section.Name, Scheme: sectionScheme(d)})
		}
		for _, t := range it.Tags {
			e.Categories = append(e.Categories, atomCategory{Term: t.Slug, Label: t.Name, Scheme: tagScheme(d)})
		}
		if it.Image != nil {
			e.Links = append(e.Links, atomLink{Href: it.Image.URL, Rel: "enclosure", Type: it.Image.Type, Length: it.Image.Bytes})
			e.Media = newMedia(it.Image)
		}
		f.Entries = append(f.Entries, e)
	}
	return marshalXML(f)
}

// Category schemes tell a section from a tag in Atom.
func sectionScheme(d *doc) string { return d.Home + "#sections" }
func tagScheme(d *doc) string     { return d.Home + "#tags" }

func marshalXML(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// JSON Feed 1.1 (https://jsonfeed.org/version/1.1).
type jsonFeed struct {
	Version     string     `json:"version"`
	Title       string     `json:"title"`
	HomePageURL string     `json:"home_page_url"`
	FeedURL     string     `json:"feed_url"`
	Description string     `json:"description,omitempty"`
	Language    string     `json:"language,omitempty"`
	Items       []jsonItem `json:"items"`
}

type jsonItem struct {
	ID            string           `json:"id"`
	URL           string           `json:"url"`
	Title         string           `json:"title"`
	Summary       string           `json:"summary,omitempty"`
	ContentHTML   string           `json:"content_html,omitempty"`
	ContentText   string           `json:"content_text,omitempty"`
	Image         string           `json:"image,omitempty"`
	DatePublished string           `json:"date_published"`
	DateModified  string           `json:"date_modified"`
	Authors       []jsonAuthor     `json:"authors,omitempty"`
	Tags          []string         `json:"tags,omitempty"`
	Attachments   []jsonAttachment `json:"attachments,omitempty"`
	// Broadsheet is an extension (JSON Feed's _ prefix): the section and
	// tags with their slugs and URLs.
	Broadsheet jsonExtension `json:"_broadsheet"`
}

type jsonAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type jsonAttachment struct {
	URL      string `json:"url"`
	MimeType string `json:"mime_type"`
	Title    string `json:"title,omitempty"`
	Size     int64  `json:"size_in_bytes,omitempty"`
}

type jsonExtension struct {
	Section     *jsonTerm        `json:"section,omitempty"`
	Corrections []jsonCorrection `json:"corrections,omitempty"`
	Tags        []jsonTerm       `json:"tags,omitempty"`
	Image       *jsonImage       `json:"image,omitempty"`
}

type jsonCorrection struct {
	At   string `json:"at"`
	Text string `json:"text"`
}

type jsonTerm struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

type jsonImage struct {
	URL    string `json:"url"`
	Alt    string `json:"alt,omitempty"`
	Width  int64  `json:"width,omitempty"`
	Height int64  `json:"height,omitempty"`
}

func renderJSON(d *doc) ([]byte, error) {
	f := jsonFeed{Version: "https://jsonfeed.org/version/1.1", Title: d.Title, HomePageURL: d.Home, FeedURL: d.Self,
		Description: d.Description, Language: d.Language, Items: []jsonItem{}}
	for _, it := range d.Items {
		ji := jsonItem{ID: it.ID, URL: it.URL, Title: it.Title, Summary: it.Summary, ContentHTML: it.HTML,
			DatePublished: atomDate(it.Published), DateModified: atomDate(it.Update)}
		if ji.ContentHTML == "" {
			// An item needs content_html or content_text: the summary
			// stands in for the body a feed without full content leaves out.
			ji.ContentText = cmpOr(it.Summary, it.Title)
		}
		for _, a := range it.Authors {
			ji.Authors = append(ji.Authors, jsonAuthor{Name: a.Name, URL: a.URL})
		}
		if it.Section != nil {
			ji.Broadsheet.Section = &jsonTerm{Slug: it.Section.Slug, Name: it.Section.Name, URL: it.Section.URL}
		}
		for _, t := range it.Tags {
			ji.Tags = append(ji.Tags, t.Name)
			ji.Broadsheet.Tags = append(ji.Broadsheet.Tags, jsonTerm{Slug: t.Slug, Name: t.Name, URL: t.URL})
		}
		for _, c := range it.Corrections {
			ji.Broadsheet.Corrections = append(ji.Broadsheet.Corrections, jsonCorrection{At: atomDate(c.At), Text: c.Text})
		}
		if img := it.Image; img != nil {
			ji.Image = img.URL
			ji.Attachments = []jsonAttachment{{URL: img.URL, MimeType: img.Type, Title: img.Alt, Size: img.Bytes}}
			ji.Broadsheet.Image = &jsonImage{URL: img.URL, Alt: img.Alt, Width: img.Width, Height: img.Height}
		}
		f.Items = append(f.Items, ji)
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
