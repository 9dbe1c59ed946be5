package models

import "github.com/broadsheet/broadsheet/internal/globalid"

// The GlobalID methods give the Relay global ids the schema's `id` fields
// return. They are plain methods, not resolvers, so gqlgen reads them in
// line instead of starting a goroutine per object in a list.

// GlobalID is the article's Relay global id.
func (a *Article) GlobalID() string { return globalid.ID(globalid.TypeArticle, a.ID) }

// GlobalID is the author's Relay global id.
func (a *Author) GlobalID() string { return globalid.ID(globalid.TypeAuthor, a.ID) }

// GlobalID is the category's Relay global id.
func (c *Category) GlobalID() string { return globalid.ID(globalid.TypeCategory, c.ID) }

// GlobalID is the tag's Relay global id.
func (t *Tag) GlobalID() string { return globalid.ID(globalid.TypeTag, t.ID) }
