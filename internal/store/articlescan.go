package store

import (
	"database/sql"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/broadsheet/broadsheet/models"
)

// Article rows are read on every uncached page, 20 at a time with some 35
// columns each. GORM's Find sets each field by reflection, allocating on
// the way (issue 18's profile: a quarter of the server's CPU in GORM, most
// of it scanning). scanArticles reads the rows GORM's statement returns
// straight into models.Article: each column's destination is the field
// itself, found once per column list from GORM's own schema of the model,
// and typed so that database/sql hands it the driver's value without a
// conversion by reflection. GORM still builds and runs the statement (and
// its callbacks count it); a column list it cannot place falls back to
// Find.

// articleColumn is where one result column goes in models.Article.
type articleColumn struct {
	offset uintptr
	kind   colKind
}

type colKind uint8

const (
	colString colKind = iota
	colInt
	colUint
	colBool
	colTime
	colOptTime
	colOptUint
	colRefID
)

// articleFields maps each column name GORM reads into an Article to its
// field (offset and kind); nil, and the reason, when a field has a type
// this file does not scan.
var articleFields = sync.OnceValues(func() (map[string]articleColumn, error) {
	sch, err := schema.Parse(&models.Article{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		return nil, err
	}
	out := map[string]articleColumn{}
	for _, f := range sch.Fields {
		if f.DBName == "" || !f.Readable {
			continue
		}
		var off uintptr
		t := reflect.TypeFor[models.Article]()
		for _, i := range f.StructField.Index {
			sf := t.Field(i)
			off += sf.Offset
			t = sf.Type
		}
		var k colKind
		switch {
		case t == reflect.TypeFor[models.RefID]():
			k = colRefID
		case t == reflect.TypeFor[time.Time]():
			k = colTime
		case t == reflect.TypeFor[*time.Time]():
			k = colOptTime
		case t == reflect.TypeFor[*uint64]():
			k = colOptUint
		case t.Kind() == reflect.String:
			k = colString
		case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
			k = colInt
		case t.Kind() == reflect.Uint64:
			k = colUint
		case t.Kind() == reflect.Bool:
			k = colBool
		default:
			return nil, fmt.Errorf("article field %s: no scan for %s", f.Name, t)
		}
		out[f.DBName] = articleColumn{off, k}
	}
	return out, nil
})

// articlePlans caches the destinations of each column list seen (a handful:
// the lists of articleColumns).
var articlePlans sync.Map // joined column names → []articleColumn

// colOther marks a column that is no field of the article.
const colOther colKind = 255

// articlePlan returns where each of cols goes; a column that is no field
// of the article is marked colOther.
func articlePlan(cols []string) ([]articleColumn, error) {
	key := strings.Join(cols, ",")
	if p, ok := articlePlans.Load(key); ok {
		return p.([]articleColumn), nil
	}
	fields, err := articleFields()
	if err != nil {
		return nil, err
	}
	plan := make([]articleColumn, len(cols))
	for i, c := range cols {
		f, ok := fields[c]
		if !ok {
			f = articleColumn{kind: colOther}
		}
		plan[i] = f
	}
	articlePlans.Store(key, plan)
	return plan, nil
}

// scanArticles runs q (a query of articles columns) and reads its rows.
func scanArticles(q *gorm.DB) ([]*models.Article, error) {
	var out []*models.Article
	err := scanArticlesWith(q, nil, func(a *models.Article) { out = append(out, a) })
	return out, err
}

// scanArticlesWith runs q and hands each row's article to row. Columns
// that are no field of the article are scanned into other[name] (the same
// destination for every row, read by row); with one not in other, the
// rows are read by GORM instead (ScanRows), as Find would.
func scanArticlesWith(q *gorm.DB, other map[string]any, row func(*models.Article)) error {
	rs, err := q.Rows()
	if err != nil {
		return err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return err
	}
	plan, err := articlePlan(cols)
	if err != nil {
		return err
	}
	dest := make([]any, len(plan))
	for i, c := range plan {
		if c.kind == colOther {
			if dest[i] = other[cols[i]]; dest[i] == nil {
				return scanArticlesByGORM(q, rs, row)
			}
		}
	}
	for rs.Next() {
		a := new(models.Article)
		base := unsafe.Pointer(a)
		for i, c := range plan {
			p := unsafe.Add(base, c.offset)
			switch c.kind {
			case colString:
				dest[i] = (*strCol)(p)
			case colInt:
				dest[i] = (*intCol)(p)
			case colUint:
				dest[i] = (*uintCol)(p)
			case colBool:
				dest[i] = (*boolCol)(p)
			case colTime:
				dest[i] = (*timeCol)(p)
			case colOptTime:
				dest[i] = (*optTimeCol)(p)
			case colOptUint:
				dest[i] = (*optUintCol)(p)
			case colRefID:
				dest[i] = (*models.RefID)(p)
			}
		}
		if err := rs.Scan(dest...); err != nil {
			return err
		}
		row(a)
	}
	return rs.Err()
}

// scanArticlesByGORM reads the rows of rs with GORM's reflection.
func scanArticlesByGORM(q *gorm.DB, rs *sql.Rows, row func(*models.Article)) error {
	for rs.Next() {
		a := new(models.Article)
		if err := q.ScanRows(rs, a); err != nil {
			return err
		}
		row(a)
	}
	return rs.Err()
}

// takeArticle reads the first row of q (as GORM's Take, LIMIT 1), or nil
// when there is none.
func takeArticle(q *gorm.DB) (*models.Article, error) {
	rows, err := scanArticles(q.Limit(1))
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows[0], nil
}

// The destinations: each is the field itself, converted to a type whose
// Scan takes what the drivers return (MySQL's text protocol sends numbers
// as bytes; SQLite sends int64, and time.Time for DATETIME columns, as
// MySQL does with parseTime). NULL gives the zero value, as GORM does.

type (
	strCol     string
	intCol     int
	uintCol    uint64
	boolCol    bool
	timeCol    time.Time
	optTimeCol struct{ t *time.Time }
	optUintCol struct{ n *uint64 }
)

func (c *strCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c = ""
	case string:
		*c = strCol(x)
	case []byte:
		*c = strCol(x)
	default:
		return fmt.Errorf("scan %T into a string", v)
	}
	return nil
}

func scanInt(v any) (int64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case int64:
		return x, nil
	case uint64:
		return int64(x), nil
	case float64:
		return int64(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case []byte:
		return strconv.ParseInt(string(x), 10, 64)
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, fmt.Errorf("scan %T into an integer", v)
}

func (c *intCol) Scan(v any) error {
	n, err := scanInt(v)
	*c = intCol(n)
	return err
}

func (c *uintCol) Scan(v any) error {
	if b, ok := v.([]byte); ok {
		n, err := strconv.ParseUint(string(b), 10, 64)
		*c = uintCol(n)
		return err
	}
	n, err := scanInt(v)
	*c = uintCol(n)
	return err
}

func (c *optUintCol) Scan(v any) error {
	if v == nil {
		c.n = nil
		return nil
	}
	var n uintCol
	if err := n.Scan(v); err != nil {
		return err
	}
	c.n = (*uint64)(&n)
	return nil
}

func (c *boolCol) Scan(v any) error {
	switch x := v.(type) {
	case []byte:
		b, err := strconv.ParseBool(string(x))
		*c = boolCol(b)
		return err
	case string:
		b, err := strconv.ParseBool(x)
		*c = boolCol(b)
		return err
	}
	n, err := scanInt(v)
	*c = n != 0
	return err
}

func scanTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case nil:
		return time.Time{}, nil
	case string:
		return time.Parse(time.RFC3339Nano, x)
	case []byte:
		return time.Parse(time.RFC3339Nano, string(x))
	}
	return time.Time{}, fmt.Errorf("scan %T into a time", v)
}

func (c *timeCol) Scan(v any) error {
	t, err := scanTime(v)
	*c = timeCol(t)
	return err
}

func (c *optTimeCol) Scan(v any) error {
	if v == nil {
		c.t = nil
		return nil
	}
	t, err := scanTime(v)
	if err != nil {
		return err
	}
	c.t = &t
	return nil
}
