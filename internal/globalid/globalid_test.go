package globalid

import (
	"errors"
	"testing"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

func TestRoundTrip(t *testing.T) {
	for _, typ := range []string{TypeArticle, TypeAuthor, TypeCategory, TypeTag} {
		g := ID(typ, 42)
		gotTyp, gotID, err := Parse(g)
		if err != nil || gotTyp != typ || gotID != 42 {
			t.Errorf("Parse(ID(%s, 42)) = %s, %d, %v", typ, gotTyp, gotID, err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "!!!", ID("Article", 0), "QXJ0aWNsZQ", "QXJ0aWNsZTp4", "%%%"} {
		if _, _, err := Parse(in); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("Parse(%q) err = %v, want BAD_USER_INPUT", in, err)
		}
	}
	if _, err := ParseAs(TypeArticle, ID(TypeTag, 3)); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("ParseAs with a Tag id: err = %v", err)
	}
}
