// Package objecthook pushes the node's object stream to webhooks: each
// hook is an HTTP receiver with a secret, the account whose read rights
// apply, and a filter (types, markings, producers, values). A Deliverer
// follows the stream from each hook's durable position, releases to the
// hook what its account may read (the checks of a TAXII read), keeps what
// the filter asks for, and posts it signed with HMAC-SHA256, at least
// once: the position moves on only once the receiver took the delivery,
// so a receiver that was down, or a node that restarted, gets what it
// missed, and a hook created with an earlier position replays from it.
package objecthook
