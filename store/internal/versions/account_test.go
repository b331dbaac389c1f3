package versions

import (
	"testing"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/internal/passhash"
)

func TestPasswords(t *testing.T) {
	var p Passwords
	cheap := passhash.Params{Memory: 64, Time: 1, Threads: 1}
	other := passhash.Params{Memory: 128, Time: 1, Threads: 1}
	const pw = "a password long enough"
	if _, err := p.Hash("short", cheap); rampart.ErrorCode(err) != rampart.EINVALID {
		t.Errorf("Hash of a short password: %v, want EINVALID", err)
	}
	hash, err := p.Hash(pw, cheap)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		found     bool
		password  string
		params    passhash.Params
		wantOK    bool
		wantFresh bool
	}{
		{"right", true, pw, cheap, true, false},
		{"wrong", true, pw + "!", cheap, false, false},
		{"no account", false, pw, cheap, false, false},
		{"right, other parameters", true, pw, other, true, true},
		{"wrong, other parameters", true, pw + "!", other, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hash
			if !tt.found {
				h = ""
			}
			ok, fresh := p.Check(tt.found, h, tt.password, tt.params)
			if ok != tt.wantOK || (fresh != "") != tt.wantFresh {
				t.Fatalf("Check = %v, %q; want %v, fresh %v", ok, fresh, tt.wantOK, tt.wantFresh)
			}
			if fresh == "" {
				return
			}
			if passhash.ParamsOf(fresh) != tt.params {
				t.Errorf("fresh hash has parameters %+v, want %+v", passhash.ParamsOf(fresh), tt.params)
			}
			if ok, _ := p.Check(true, fresh, tt.password, tt.params); !ok {
				t.Errorf("the fresh hash does not verify the password")
			}
		})
	}
}
