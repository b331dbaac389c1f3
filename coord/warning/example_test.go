package warning_test

import (
	"fmt"

	"github.com/rampart-cti/rampart/coord/warning"
)

func ExampleWatchlist_Match() {
	wl := &warning.Watchlist{Name: "fr-assets", MemberState: "FR", Domains: []string{"gouv.example"}, Brands: []string{"acmebank"}}
	if err := wl.Validate(); err != nil {
		panic(err)
	}
	values, _ := warning.Observables("[domain-name:value = 'mail.gouv.example'] OR [url:value = 'https://acmebank-login.example/']")
	for _, m := range wl.Match(values) {
		fmt.Println(m.Kind, m.Entry, m.Value)
	}
	// Output:
	// domain gouv.example mail.gouv.example
	// brand acmebank https://acmebank-login.example/
}
