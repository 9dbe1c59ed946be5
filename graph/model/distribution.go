package model

import "github.com/broadsheet/broadsheet/models"

// Editors' redirects, paged.
type (
	RedirectConnection = Connection[*models.Redirect]
	RedirectEdge       = Edge[*models.Redirect]
)
