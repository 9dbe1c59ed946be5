package mail

import (
	"context"
	"encoding/json"
	"github.com/broadsheet/broadsheet/internal/retry"
	"log/slog"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/models"
)

// QueueStore is the mail queue's storage.
type QueueStore interface {
	ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*models.Mail, error)
	FinishMail(ctx context.Context, m *models.Mail) error
}

// Worker drains the mail queue: each message is tried until it is sent or
// has failed MaxAttempts times, waiting longer after each failure.
type Worker struct {
	Store       QueueStore
	Mailer      Mailer
	From        string
	Log         *slog.Logger
	MaxAttempts int           // default 8
	Backoff     time.Duration // first retry delay, doubled each time (default 30s)
	SendTimeout time.Duration // default 30s
	Now         func() time.Time
	wake        chan struct{}
}

func (w *Worker) defaults() {
	if w.MaxAttempts == 0 {
		w.MaxAttempts = 8
	}
	if w.Backoff == 0 {
		w.Backoff = 30 * time.Second
	}
	if w.SendTimeout == 0 {
		w.SendTimeout = 30 * time.Second
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
}

// Wake asks a running worker to look at the queue now.
func (w *Worker) Wake() {
	if w.wake == nil {
		return
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// RunOnce sends what is due and reports how many were sent and how many
// failed for good.
func (w *Worker) RunOnce(ctx context.Context) (sent, failed int, err error) {
	w.defaults()
	for {
		now := w.Now().UTC()
		batch, err := w.Store.ClaimMail(ctx, now, w.SendTimeout+time.Minute, 20)
		if err != nil || len(batch) == 0 {
			return sent, failed, err
		}
		for _, m := range batch {
			msg := Message{From: w.From, To: m.ToAddr, Subject: m.Subject, Body: m.Body}
			if m.Headers != "" {
				_ = json.Unmarshal([]byte(m.Headers), &msg.Headers)
			}
			sctx, cancel := context.WithTimeout(ctx, w.SendTimeout)
			sendErr := w.Mailer.Send(sctx, msg)
			cancel()
			done := w.Now().UTC()
			m.LockedUntil = nil
			switch {
			case sendErr == nil:
				m.Status, m.SentAt, m.LastError = models.MailSent, &done, ""
				sent++
			case m.Attempts >= w.MaxAttempts:
				m.Status, m.LastError = models.MailFailed, apperr.Clip(sendErr.Error(), 900)
				failed++
				w.Log.ErrorContext(ctx, "email failed for good", "mail_id", m.ID, "attempts", m.Attempts, "err", sendErr)
			default:
				m.NextAttemptAt = done.Add(retry.Delay(w.Backoff, m.Attempts))
				m.LastError = apperr.Clip(sendErr.Error(), 900)
				w.Log.WarnContext(ctx, "email failed; will retry", "mail_id", m.ID, "attempts", m.Attempts, "retry_at", m.NextAttemptAt, "err", sendErr)
			}
			if err := w.Store.FinishMail(ctx, m); err != nil {
				return sent, failed, err
			}
		}
	}
}

// Run drains the queue until ctx ends, every interval and when woken.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	w.defaults()
	if w.wake == nil {
		w.wake = make(chan struct{}, 1)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.Log.ErrorContext(ctx, "mail queue", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}

// NewWorker returns a worker whose Wake works before Run starts.
func NewWorker(w Worker) *Worker {
	w.wake = make(chan struct{}, 1)
	return &w
}
