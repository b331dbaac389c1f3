// Package webhook pushes early-warning alerts to the HTTP receivers a
// node's operators name (a SOC's SIEM, a chat or incident tool), and lets
// a receiver check that a delivery came from the node.
//
// Reach first for:
//
//   - Notifier: queues each alert for every Hook and posts it with an
//     HMAC-SHA256 signature, retrying with backoff; one sender per hook,
//     deliveries in order, never a redirect followed.
//   - Verify (and Sign): what a receiver runs on a delivery: the signature
//     over the timestamp and the body, and a timestamp close to now.
//   - RedactURL: a webhook URL as logs and errors show it, since many
//     receivers put a token in the URL itself.
//   - Save and Delete: the node's list of webhooks, kept in its settings
//     under SettingName.
//
// docs/COORDINATION.md describes the delivery and how to check it.
package webhook
