// Package warning is cross-border early warning: the engine that reads
// what member states sight and what their peers publish, and raises an
// alert when the same attacker shows up in several member states or a
// peer's indicator names a member state's assets.
//
// Alerts are x-rampart-alert objects (coord.Alert, declared by
// coord.AlertExtensionID), written to the node's coordination collection
// so that TAXII and federation carry them like any object, and read back
// through coord.Service.FindAlerts.
//
// Reach first for:
//
//   - Engine (NewEngine): reads sightings from the store and as they
//     arrive (subscribe it to the node's object service: ObjectsAdded),
//     raises alerts when organisations in Rules.MinStates member states
//     sight the same indicator, or indicators of the same intrusion set or
//     campaign, within Rules.Window, and when a peer's indicator names an
//     asset on a Watchlist; its Notifier (package coord/webhook) pushes
//     every new alert version to the node's webhooks.
//   - Rules and Watchlist: the parameters of the rules and what a member
//     state watches (networks, AS numbers, domains, brands), matched
//     against the Observables an indicator's pattern names.
//   - Settings, LoadSettings, SaveRules, SaveWatchlist, DeleteWatchlist: a
//     node's rules, webhooks and watchlists, kept in its settings
//     (rampart.SettingService).
//
// docs/COORDINATION.md describes every rule, the severity score and the
// markings of alerts.
package warning
