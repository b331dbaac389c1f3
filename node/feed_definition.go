package node

import (
	"context"

	"github.com/rampart-cti/rampart/feed"
)

// FeedDefinition is a feed as "rampart feed add" defines it: the
// definition from a preset and the settings given, and where its secret
// comes from.
type FeedDefinition struct {
	feed.Definition
	// TokenStdin says a bearer token is read with ReadSecret; HeaderStdin
	// names an HTTP header (an API key) whose value is read so. One
	// secret at most: standard input holds one.
	TokenStdin  bool
	HeaderStdin string
	// ReadSecret reads a secret; what names it in errors ("token").
	ReadSecret func(what string) (string, error)
}

// DefineFeed returns the feed d defines, with its secret, checked for
// storing. A definition that is wrong (an unknown preset, a setting that
// does not read as its type, two secrets, a feed that cannot be stored) is
// a *ConfigError naming the flag; an error of ReadSecret is returned as it
// is.
func DefineFeed(d FeedDefinition) (*feed.Feed, error) {
	f, err := feed.Define(d.Definition)
	if err != nil {
		return nil, &ConfigError{Msg: err.Error()}
	}
	if d.TokenStdin && d.HeaderStdin != "" {
		return nil, configErrorf("give --token-stdin or --http-header-stdin, not both: standard input holds one secret")
	}
	if d.TokenStdin {
		if f.Token, err = d.ReadSecret("token"); err != nil {
			return nil, err
		}
	}
	if d.HeaderStdin != "" {
		v, err := d.ReadSecret(d.HeaderStdin + " header value")
		if err != nil {
			return nil, err
		}
		f.SetHeader(d.HeaderStdin, v)
	}
	if err := f.CheckNew(); err != nil {
		return nil, &ConfigError{Msg: err.Error()}
	}
	return f, nil
}

// TryFeed fetches and reads the feed once, as a run would, keeping up to
// sample values and failures failed lines: the dry run of "feed add",
// which stores nothing and needs no node. A feed of a format only a run
// reads (taxii, misp) is a *ConfigError; see feed.Try for the rest.
func TryFeed(ctx context.Context, f *feed.Feed, sample, failures int) (*feed.Trial, error) {
	if err := f.CheckTrial(); err != nil {
		return nil, &ConfigError{Msg: err.Error()}
	}
	return feed.Try(ctx, &feed.Fetcher{UserAgent: "Rampart feed"}, f, sample, failures)
}
