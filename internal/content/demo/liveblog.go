package demo

import (
	"context"
	"fmt"

	"github.com/broadsheet/broadsheet/internal/content"
)

// LiveBlogSlug is the demo article covered as a live blog.
const LiveBlogSlug = "us-election-2024-a-simple-guide-to-the-presidential-vote"

// liveEntries are the demo live blog's entries, oldest first.
var liveEntries = []struct{ title, body string }{
	{"Polls open on the East Coast", "Polling stations opened at **6 a.m.** in New York, New Jersey and Virginia. Queues were reported in several suburbs."},
	{"", "Turnout in early voting passed 80 million, according to the University of Florida's Election Lab."},
	{"What we know so far", "- Polls close between 7 p.m. and 1 a.m. Eastern time\n- Seven swing states will decide the result\n- Results are certified by each state in the following weeks"},
	{"", "Georgia's secretary of state says voting has been \"smooth and efficient\" across the state."},
	{"", "> Every vote will be counted.\n\nThe campaign's statement came shortly after noon."},
	{"Polls close in Indiana and Kentucky", "The first polls have closed. Counting has started in both states."},
	{"", "Pennsylvania officials expect counting of mail-in ballots to continue through the night."},
	{"Key race: Senate control", "Control of the Senate could hinge on races in Ohio, Montana and Pennsylvania."},
	{"", "Markets in Asia opened higher as early results came in."},
	{"", "Crowds have gathered outside the White House."},
	{"Networks project North Carolina", "Several networks project the state for the Republican candidate."},
	{"", "Officials in Arizona say a full count could take up to ten days."},
}

// seedLiveBlog makes the election guide a live blog with a dozen entries:
// one pinned ("What we know so far"), one key event, one corrected.
func seedLiveBlog(ctx context.Context, svc *content.Service, articleID, author uint64) error {
	// By the id CreateArticle gave: a lookup by slug would read a replica,
	// which may not have the article yet.
	if articleID == 0 {
		return fmt.Errorf("live blog article %q was not seeded", LiveBlogSlug)
	}
	if _, err := svc.StartLiveBlog(ctx, articleID, content.LiveBlogOptions{}); err != nil {
		return fmt.Errorf("start live blog: %w", err)
	}
	ids := make([]uint64, len(liveEntries))
	for i, e := range liveEntries {
		title, body, authors := e.title, e.body, []uint64{author}
		posted, err := svc.PostLiveEntry(ctx, articleID, content.LiveEntryInput{Title: &title, Body: &body, AuthorIDs: &authors})
		if err != nil {
			return fmt.Errorf("live entry %d: %w", i+1, err)
		}
		ids[i] = posted.ID
	}
	if _, err := svc.PinLiveEntry(ctx, ids[2], true); err != nil {
		return err
	}
	if _, err := svc.MarkKeyEvent(ctx, ids[10], true); err != nil {
		return err
	}
	body := "Turnout in early voting passed 82 million, according to the University of Florida's Election Lab."
	note := "An earlier version of this entry gave the early-voting turnout as 80 million."
	if _, err := svc.UpdateLiveEntry(ctx, ids[1], content.LiveEntryInput{Body: &body, Correction: &note}, nil); err != nil {
		return err
	}
	return nil
}
