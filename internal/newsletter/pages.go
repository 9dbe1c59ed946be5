package newsletter

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

// The pages behind the links in newsletter emails, for publications whose
// frontend does not handle them itself (a frontend can call the GraphQL
// mutations instead and point PublicURL at its own routes).
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem}</style>
</head><body><h1>{{.Title}}</h1><p>{{.Text}}</p>
{{if .Action}}<form method="post" action="{{.Action}}"><input type="hidden" name="token" value="{{.Token}}"><button type="submit">{{.Button}}</button></form>{{end}}
</body></html>`))

type pageData struct {
	Title, Text, Action, Token, Button string
}

func render(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // keep tokens out of Referer headers
	w.WriteHeader(status)
	pageTemplate.Execute(w, d)
}

func failure(w http.ResponseWriter, err error) {
	switch apperr.KindOf(err) {
	case apperr.NotFound, apperr.Invalid:
		e, _ := apperr.As(err)
		render(w, http.StatusBadRequest, pageData{Title: "This link does not work", Text: e.Message})
	default:
		render(w, http.StatusInternalServerError, pageData{Title: "Something went wrong", Text: "Please try again in a minute."})
	}
}

// Pages returns the handler for /newsletter/confirm, /newsletter/unsubscribe
// and /newsletter/manage.
//
// Confirming takes a button press (a POST), so mail scanners that follow
// links cannot confirm for the reader; unsubscribing takes effect on the
// GET itself (one step), and also accepts RFC 8058 one-click POSTs.
func (s *Service) Pages() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /newsletter/confirm", func(w http.ResponseWriter, r *http.Request) {
		render(w, http.StatusOK, pageData{Title: "Confirm your subscription", Text: "Press the button to start receiving the " + s.cfg.Publication + " newsletter.",
			Action: "/newsletter/confirm", Token: r.URL.Query().Get("token"), Button: "Confirm subscription"})
	})
	mux.HandleFunc("POST /newsletter/confirm", func(w http.ResponseWriter, r *http.Request) {
		sub, err := s.Confirm(r.Context(), r.PostFormValue("token"))
		if err != nil {
			failure(w, err)
			return
		}
		render(w, http.StatusOK, pageData{Title: "You are subscribed", Text: "Thanks: " + sub.Email + " will receive the " + s.cfg.Publication + " newsletter."})
	})
	unsubscribe := func(w http.ResponseWriter, r *http.Request) {
		token := r.URL.Query().Get("token")
		if r.Method == http.MethodPost && token == "" {
			token = r.PostFormValue("token")
		}
		sub, err := s.Unsubscribe(r.Context(), token)
		if err != nil {
			failure(w, err)
			return
		}
		render(w, http.StatusOK, pageData{Title: "You are unsubscribed", Text: sub.Email + " will receive no more newsletter email."})
	}
	mux.HandleFunc("GET /newsletter/unsubscribe", unsubscribe)
	mux.HandleFunc("POST /newsletter/unsubscribe", unsubscribe)
	mux.HandleFunc("GET /newsletter/manage", func(w http.ResponseWriter, r *http.Request) {
		render(w, http.StatusOK, pageData{Title: "Your newsletter", Text: "Change your topics with the updateNewsletterTopics mutation, or stop all email:",
			Action: "/newsletter/unsubscribe", Token: r.URL.Query().Get("token"), Button: "Unsubscribe"})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/newsletter/") {
			r.Body = http.MaxBytesReader(w, r.Body, 4096)
		}
		mux.ServeHTTP(w, r)
	})
}
