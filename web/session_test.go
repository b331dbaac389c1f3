package web

import (
	"testing"
	"time"
)

func TestSessions(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	ss := newSessions(func() time.Time { return now })
	id, s := ss.create("ana", "stamp1")
	if s.csrf == "" || len(id) < 40 {
		t.Fatalf("session id %q, csrf %q", id, s.csrf)
	}
	for k := range ss.m {
		if string(k[:]) == id {
			t.Fatal("the session's id is kept in clear")
		}
	}
	if got := ss.find(id); got == nil || got.account != "ana" {
		t.Fatalf("find: %+v", got)
	}
	if ss.find("forged"+id) != nil || ss.find("") != nil {
		t.Fatal("an unknown id found a session")
	}
	// Used within the idle time, it lives on, up to SessionMax.
	for i := 0; i < int(SessionMax/(SessionIdle/2)); i++ {
		now = now.Add(SessionIdle / 2)
		if ss.find(id) == nil && now.Sub(s.created) <= SessionMax {
			t.Fatalf("session ended after %s of steady use", now.Sub(s.created))
		}
	}
	now = now.Add(time.Minute)
	if ss.find(id) != nil {
		t.Fatalf("session alive %s after sign-in, beyond SessionMax", now.Sub(s.created))
	}
	// Unused for longer than SessionIdle, it ends.
	id2, _ := ss.create("bo", "stamp2")
	now = now.Add(SessionIdle + time.Second)
	if ss.find(id2) != nil {
		t.Fatal("an idle session did not end")
	}
	// Ending every session of an account.
	a1, _ := ss.create("cy", "s")
	a2, _ := ss.create("cy", "s")
	other, _ := ss.create("di", "s")
	ss.endAccount("cy")
	if ss.find(a1) != nil || ss.find(a2) != nil || ss.find(other) == nil {
		t.Fatal("endAccount ended the wrong sessions")
	}
	ss.end(other)
	if ss.find(other) != nil {
		t.Fatal("end did not end the session")
	}
}

func TestLocalTarget(t *testing.T) {
	for next, want := range map[string]string{
		"/console/alerts?page=2":   "/console/alerts?page=2",
		"https://evil.example/":    "/console/",
		"//evil.example/console/":  "/console/",
		"/console/\\evil":          "/console/",
		"/taxii2/":                 "/console/",
		"":                         "/console/",
		"/console/x\r\nSet-Cookie": "/console/",
	} {
		if got := localTarget(next); got != want {
			t.Errorf("localTarget(%q) = %q, want %q", next, got, want)
		}
	}
}
