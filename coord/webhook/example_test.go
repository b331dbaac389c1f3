package webhook_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/rampart-cti/rampart/coord/webhook"
)

func ExampleVerify() {
	secret := []byte("the secret the node and the SOC share")
	body := []byte(`{"event":"alert.raised","alert":{}}`)
	now := time.Unix(1_800_000_000, 0)

	// What the node sends.
	h := http.Header{}
	h.Set(webhook.HeaderTimestamp, "1800000000")
	h.Set(webhook.HeaderSignature, webhook.Sign(secret, "1800000000", body))

	// What the receiver checks.
	fmt.Println(webhook.Verify(secret, h, body, now, 5*time.Minute))
	fmt.Println(webhook.Verify(secret, h, body, now.Add(time.Hour), 5*time.Minute) != nil)
	// Output:
	// <nil>
	// true
}
