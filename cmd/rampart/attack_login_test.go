//go:build attack

package main

// Login floods against a real "rampart serve" (issue #10). Built only with
// the tag "attack": they take minutes and load the machine, so they are
// load tests run by hand, not part of the test suite.
//
//	go test -tags attack ./cmd/rampart -run 'TestAttack' -v
//	go test -tags attack ./cmd/rampart -run 'TestAttackLogins' -attack-rate 20 -v
//	go test -tags attack ./cmd/rampart -run 'TestAttack' -attack-bin /tmp/rampart-old -v
//
// Every client is a separate connection from its own loopback address
// (the whole of 127.0.0.0/8 is this machine), so that the node tells them
// apart as it would tell apart hosts. The results are in
// docs/PERFORMANCE.md, "Login floods (issue #10)".

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	attackDuration = flag.Duration("attack-duration", time.Minute, "how long TestAttackLogins floods")
	attackRate     = flag.Float64("attack-rate", 0, "wrong guesses per second of the whole flood (0: as fast as the node answers)")
	attackBin      = flag.String("attack-bin", "", "attack this rampart binary instead of one built from this tree (to compare versions)")
)

// Targets of issue #10.
const (
	attackFloodClients = 40
	attackTargetP50    = time.Second
	attackColdClients  = 200
	attackTargetMax    = 5 * time.Second
)

// useAttackBin makes the tests attack -attack-bin instead of a build of
// this tree.
func useAttackBin() {
	if *attackBin != "" {
		buildOnce.Do(func() { buildPath = *attackBin })
	}
}

// samples are the answers one kind of client got.
type samples struct {
	mu     sync.Mutex
	took   []time.Duration
	status map[int]int
	errs   int
}

func (s *samples) add(a loginAnswer, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status == nil {
		s.status = map[int]int{}
	}
	if err != nil {
		s.errs++
		return
	}
	s.took = append(s.took, a.took)
	s.status[a.status]++
}

// quantile returns the q-quantile of the latencies (q in [0, 1]).
func (s *samples) quantile(q float64) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.took) == 0 {
		return 0
	}
	d := slices.Clone(s.took)
	slices.Sort(d)
	return d[min(len(d)-1, int(q*float64(len(d))))]
}

func (s *samples) over(limit time.Duration) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, d := range s.took {
		if d > limit {
			n++
		}
	}
	return n
}

func (s *samples) String() string {
	s.mu.Lock()
	codes := make([]int, 0, len(s.status))
	for c := range s.status {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", s.status[c], c))
	}
	n, errs := len(s.took), s.errs
	s.mu.Unlock()
	return fmt.Sprintf("n=%d p50=%s p95=%s max=%s answers=%s errors=%d", n,
		s.quantile(0.5).Round(time.Millisecond), s.quantile(0.95).Round(time.Millisecond),
		s.quantile(1).Round(time.Millisecond), strings.Join(parts, " "), errs)
}

// attackNode starts a node and makes the accounts named, each with the
// password passwordOf(name); it returns the node, the environment of the
// CLI and its data directory.
func attackNode(t *testing.T, accounts ...string) (*nodeProcess, []string, string) {
	dir := t.TempDir()
	env := []string{"RAMPART_ADMIN_PASSWORD=" + e2ePassword}
	proc := startNode(t, dir, env)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for _, name := range accounts {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, stderr, code := runCLI(t, passwordOf(name)+"\n", env, "user", "add", name, "--password-stdin", "--data", dir); code != 0 {
				t.Errorf("user add %s: %s", name, stderr)
			}
		})
	}
	wg.Wait()
	return proc, env, dir
}

func passwordOf(name string) string { return "the password of " + name }

// TestAttackLogins: legitimate logins from other addresses while 40
// clients flood the node with wrong passwords, each from its own address.
// Three legitimate clients: one logging in again and again with the same
// password (a tool), one with a password the node has not seen yet each
// time (a person's first login of the day), one with a bearer token.
func TestAttackLogins(t *testing.T) {
	useAttackBin()
	fresh := int(*attackDuration / (2 * time.Second))
	var names []string
	for i := range fresh {
		names = append(names, fmt.Sprintf("analyst%02d", i))
	}
	proc, env, dir := attackNode(t, names...)
	tok, stderr, code := runCLI(t, "", env, "user", "token", "admin", "--label", "attack", "--data", dir)
	if code != 0 {
		t.Fatalf("user token: %s", stderr)
	}
	bearer := "Bearer " + strings.TrimSpace(tok)

	var flood, returning, first, token samples
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var pace <-chan time.Time
	if *attackRate > 0 {
		tick := time.NewTicker(time.Duration(float64(time.Second) / *attackRate))
		defer tick.Stop()
		pace = tick.C
	}
	targets := append([]string{"admin", "admin", "analyst00"}, names...)
	for i := range attackFloodClients {
		c := loginClient(fmt.Sprintf("127.0.0.%d", 10+i), 1)
		wg.Go(func() {
			for {
				if pace != nil {
					select {
					case <-pace:
					case <-stop:
						return
					}
				}
				select {
				case <-stop:
					return
				default:
				}
				guess := basicHeader(targets[rand.IntN(len(targets))], fmt.Sprintf("guess %d", rand.Int64()))
				flood.add(tryLogin(c, proc.base, guess))
			}
		})
	}
	// Legitimate clients start once the flood has.
	time.Sleep(2 * time.Second)
	every := func(ip string, period time.Duration, s *samples, auth func(i int) (string, bool)) {
		c := loginClient(ip, 1)
		wg.Go(func() {
			tick := time.NewTicker(period)
			defer tick.Stop()
			for i := 0; ; i++ {
				a, ok := auth(i)
				if !ok {
					return
				}
				s.add(tryLogin(c, proc.base, a))
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
		})
	}
	every("127.0.0.2", 250*time.Millisecond, &returning, func(int) (string, bool) { return basicHeader("admin", e2ePassword), true })
	every("127.0.0.3", *attackDuration/time.Duration(fresh+1), &first, func(i int) (string, bool) {
		if i >= len(names) {
			return "", false
		}
		return basicHeader(names[i], passwordOf(names[i])), true
	})
	every("127.0.0.4", 250*time.Millisecond, &token, func(int) (string, bool) { return bearer, true })
	time.Sleep(*attackDuration)
	close(stop)
	wg.Wait()

	t.Logf("flood, %d clients at %s guesses/s: %s", attackFloodClients, rateText(*attackRate), &flood)
	t.Logf("legitimate, same password again (a tool): %s", &returning)
	t.Logf("legitimate, first login of an account: %s", &first)
	t.Logf("legitimate, bearer token: %s", &token)
	for _, c := range []struct {
		what string
		s    *samples
	}{{"same password again", &returning}, {"first login", &first}, {"token", &token}} {
		if p50 := c.s.quantile(0.5); p50 >= attackTargetP50 {
			t.Errorf("legitimate logins (%s) under the flood: p50 %s, target < %s", c.what, p50, attackTargetP50)
		}
		if n := c.s.status[200]; n != len(c.s.took) || c.s.errs > 0 {
			t.Errorf("legitimate logins (%s): %s; want every one answered 200", c.what, c.s)
		}
	}
}

func rateText(r float64) string {
	if r == 0 {
		return "unpaced"
	}
	return fmt.Sprint(r)
}

// TestAttackColdStart: 200 clients log in at once to a node that has just
// started, so that it remembers no password.
func TestAttackColdStart(t *testing.T) {
	useAttackBin()
	var twenty []string
	for i := range 20 {
		twenty = append(twenty, fmt.Sprintf("soc%02d", i))
	}
	for _, tc := range []struct {
		name     string
		accounts []string
		address  func(i int) string
		login    func(i int) string
	}{
		{"one account, one address", nil,
			func(int) string { return "127.0.0.1" },
			func(int) string { return basicHeader("admin", e2ePassword) }},
		{"one account, 200 addresses", nil,
			func(i int) string { return fmt.Sprintf("127.0.1.%d", 1+i) },
			func(int) string { return basicHeader("admin", e2ePassword) }},
		{"20 accounts, 20 addresses", twenty,
			func(i int) string { return fmt.Sprintf("127.0.2.%d", 1+i%20) },
			func(i int) string { return basicHeader(twenty[i%20], passwordOf(twenty[i%20])) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Accounts made by the CLI leave the node's cache empty.
			proc, _, _ := attackNode(t, tc.accounts...)
			var s samples
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range attackColdClients {
				c := loginClient(tc.address(i), 1)
				wg.Go(func() {
					<-start
					s.add(tryLogin(c, proc.base, tc.login(i)))
				})
			}
			close(start)
			wg.Wait()
			t.Logf("cold start, %d clients, %s: %s; over %s: %d", attackColdClients, tc.name, &s, attackTargetMax, s.over(attackTargetMax))
			if n := s.over(attackTargetMax); n > 0 || s.errs > 0 {
				t.Errorf("%d requests over %s, %d errors; target none", n, attackTargetMax, s.errs)
			}
		})
	}
}

// TestAttackCacheExpiry: 50 clients of one account from 10 addresses log
// in without pause for longer than CacheTTL (2 minutes), beside a flood.
// The regression: when what the node remembered expired, every one of
// them checked the password again, queued, and waited (p50 22 s).
func TestAttackCacheExpiry(t *testing.T) {
	useAttackBin()
	proc, _, _ := attackNode(t)
	const clients, ttl = 50, 2 * time.Minute
	var s samples
	var flood samples
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range attackFloodClients {
		c := loginClient(fmt.Sprintf("127.0.0.%d", 10+i), 1)
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				flood.add(tryLogin(c, proc.base, basicHeader("admin", fmt.Sprintf("guess %d", rand.Int64()))))
			}
		})
	}
	for i := range clients {
		c := loginClient(fmt.Sprintf("127.0.3.%d", 1+i%10), 1)
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				s.add(tryLogin(c, proc.base, basicHeader("admin", e2ePassword)))
			}
		})
	}
	time.Sleep(ttl + 30*time.Second)
	close(stop)
	wg.Wait()
	t.Logf("flood: %s", &flood)
	t.Logf("%d clients of one account for %s: %s; over %s: %d", clients, ttl+30*time.Second, &s, attackTargetMax, s.over(attackTargetMax))
	if p50 := s.quantile(0.5); p50 >= attackTargetP50 || s.over(attackTargetMax) > 0 {
		t.Errorf("p50 %s, %d over %s; target p50 < %s and none over %s", p50, s.over(attackTargetMax), attackTargetMax, attackTargetP50, attackTargetMax)
	}
}
