package main

// A real browser for the console's tests: Debian's chromium, driven with
// chromedp over the DevTools protocol.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds Chromium: $RAMPART_CHROMIUM, else chromium or
// chromium-browser on the PATH. The browser tests fail without it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("RAMPART_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the console's browser tests need Chromium, and none was found: install Debian's package chromium (apt-get install chromium), or set RAMPART_CHROMIUM to a Chromium binary; ./test.sh installs it when run as root")
	return ""
}

// browser is one headless Chromium tab, with what its pages reported.
type browser struct {
	t   *testing.T
	ctx context.Context
	// shots is where screenshots go: $RAMPART_SCREENSHOTS, or a
	// temporary directory that the test names in its log.
	shots string

	mu       sync.Mutex
	problems []string // CSP violations, script errors
}

func newBrowser(t *testing.T, width, height int) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(width, height),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx}
	if b.shots = os.Getenv("RAMPART_SCREENSHOTS"); b.shots == "" {
		dir, err := os.MkdirTemp("", "rampart-console-screenshots-")
		if err != nil {
			t.Fatal(err)
		}
		b.shots = dir
	}
	if err := os.MkdirAll(b.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots of the console in %s", b.shots)
	chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *cdplog.EventEntryAdded:
			// A page's own status (a 404 page for an object the
			// account may not read) is the test's to check; a
			// resource a page needs that fails to load is a problem.
			page := strings.Contains(e.Entry.URL, "/console/") && !strings.Contains(e.Entry.URL, "/console/static/")
			if e.Entry.Level == cdplog.EntryLevelError && !(e.Entry.Source == cdplog.EntrySourceNetwork && page) {
				b.problem(string(e.Entry.Source) + ": " + e.Entry.Text + " " + e.Entry.URL)
			}
		case *runtime.EventExceptionThrown:
			b.problem("script exception: " + e.ExceptionDetails.Text)
		}
	})
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return b
}

func (b *browser) problem(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, s)
}

// checkClean fails the test when a page reported a CSP violation or a
// script error (a refused resource is one).
func (b *browser) checkClean() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("the browser reported: %s", p)
	}
	b.problems = nil
}

// do runs actions, failing the test with what was being done.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// submit runs actions that send a form or follow a link, waits for the
// page they lead to and returns its HTTP status.
func (b *browser) submit(what string, actions ...chromedp.Action[chromedp.Void]) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, actions...)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return resp.Status
}

// open loads a page and waits for its main heading.
func (b *browser) open(url string) {
	b.t.Helper()
	b.do("open "+url, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("h1")))
}

// html returns the current page's HTML.
func (b *browser) html() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		b.t.Fatalf("read page: %v", err)
	}
	return s
}

// text returns the visible text of the first element that sel matches.
func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// location returns the current URL.
func (b *browser) location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// shot saves a screenshot of the whole page as name.png.
func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// signIn fills the sign-in form.
func (b *browser) signIn(base, name, password string) {
	b.t.Helper()
	b.do("open the sign-in page", chromedp.Navigate(base+"/console/login"), chromedp.WaitVisible(chromedp.CSS("#name")))
	b.do("fill the sign-in form",
		chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.SendKeys(chromedp.CSS("#password"), password))
	b.submit("sign in as "+name, chromedp.Click(chromedp.CSS(".signin button")))
}

// signOut presses the sign-out button.
func (b *browser) signOut() {
	b.t.Helper()
	b.submit("sign out", chromedp.Click(chromedp.CSS("form.who button")))
}

// contains fails the test unless the page holds each string.
func (b *browser) contains(page string, want ...string) {
	b.t.Helper()
	h := b.html()
	for _, w := range want {
		if !strings.Contains(h, w) {
			b.t.Errorf("%s: the page does not show %q", page, w)
		}
	}
}
