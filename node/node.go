package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/access"
	"github.com/rampart-cti/rampart/coord"
	"github.com/rampart-cti/rampart/pattern"
	"github.com/rampart-cti/rampart/stix"
	"github.com/rampart-cti/rampart/store/postgres"
	"github.com/rampart-cti/rampart/store/sqlite"
	"github.com/rampart-cti/rampart/trust"
)

// Names of what a new node starts with.
const (
	DefaultAPIRoot    = "cti"
	DefaultCollection = "default" // the alias of the first collection
	AdminName         = "admin"
	CredentialsFile   = "admin-credentials"
	storeFile         = "rampart.db"
)

// Config is what a node is opened with: where its data is, and what the
// operator gave on the command line.
type Config struct {
	// DataDir holds the SQLite store, the node's keys and credentials.
	DataDir string
	// PostgresURL, when set, is the store; DataDir still holds keys.
	PostgresURL string
	// Create lets Open make a node where there is none (the first start of
	// "rampart serve", "rampart org init"); without it Open refuses and
	// says where it looked, so that a command run in the wrong folder does
	// not silently start an empty node there.
	Create bool
	// AdminPassword is the first administrator's password; when empty, one
	// is generated and written to DataDir/admin-credentials (mode 0600).
	AdminPassword string
	// IdentityFile, RegistryFile and RegistryFingerprint name the node's
	// keys ("rampart org init", "rampart keys generate"), the trust
	// registry it trusts, and the authority fingerprint that registry must
	// have. Empty, the ones recorded in the node's settings are used;
	// given, they are recorded there when Record is set, so that every
	// later command on this node uses them.
	IdentityFile        string
	RegistryFile        string
	RegistryFingerprint string
	Record              bool
	// Logger receives the node's log (discarded when nil).
	Logger *slog.Logger
	// Notices receives the lines a person starting the node should read
	// ("created administrator …"); discarded when nil.
	Notices io.Writer
	// Now, when set, is the clock of the coordination service and of
	// early warning (time.Now when nil), for commands that evaluate
	// deadlines and rules at a time given to them.
	Now func() time.Time
}

// Node is an open node: its store's services, its organisation's keys and
// the registry it trusts, and, once Start is called, the engines a serving
// node runs. Its fields are set by Open and not changed after.
type Node struct {
	Config Config

	// Objects is the one object service every write goes through.
	Objects       *ObjectService
	Collections   rampart.CollectionService
	Accounts      rampart.AccountService
	Statuses      rampart.StatusService
	Secrets       rampart.SecretService
	Peers         rampart.PeerService
	Organizations rampart.OrganizationService
	Settings      rampart.SettingService
	// Archive keeps the values sensors reported, for retro-hunts.
	Archive    rampart.ArchiveService
	Deliveries rampart.DeliveryService
	Audit      rampart.AuditService
	// Log is the node's transparency log: every object its organisation
	// signed and every registry version it trusts.
	Log        *TransparencyLog
	logService rampart.LogService
	Feed       rampart.ChangeFeed
	// Leases keep each singleton of a serving node (federation, early
	// warning, feeds, purges) to one process on the store at a time.
	Leases rampart.LeaseService
	// Search finds objects by their words and values in the store's
	// indexes, which every write keeps in step.
	Search rampart.SearchService

	// Identity is the node organisation's keys, nil when it has none;
	// Verifier holds the trust registry the node trusts, nil without one.
	Identity *trust.Identity
	Verifier *trust.Verifier
	// Access applies the Policy to every reader.
	Access *access.Service
	// Coord reads and writes incidents, alerts and statements in the
	// coordination collection.
	Coord *coord.Service

	logger  *slog.Logger
	closers []io.Closer
	serving *serving // set by Start
	// warninglists caches the compiled warninglists (Warninglists).
	warninglists warninglistCache
	// lifecycle is the node's Lifecycle, opened by the first that needs
	// it.
	lifecycleMu sync.Mutex
	lifecycle   *Lifecycle
	// patterns are the values of the patterns that ingest checked, for
	// the store's search index.
	patterns patternValues
}

// Open opens the node cfg names: its store (SQLite in DataDir, or
// PostgreSQL), a first administrator, API root and collection when the
// node is new (and cfg.Create allows making one), its keys and registry.
// Close releases what it opened.
func Open(ctx context.Context, cfg Config) (_ *Node, err error) {
	n := &Node{Config: cfg, logger: cfg.Logger}
	if n.logger == nil {
		n.logger = slog.New(slog.DiscardHandler)
	}
	if n.Config.Notices == nil {
		n.Config.Notices = io.Discard
	}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	if err := n.openStore(ctx); err != nil {
		return nil, err
	}
	if cfg.Create {
		if err := n.bootstrap(ctx); err != nil {
			return nil, err
		}
	} else if err := n.exists(ctx); err != nil {
		return nil, err
	}
	if err := n.loadTrust(ctx); err != nil {
		return nil, err
	}
	n.Access = &access.Service{Objects: n.Objects, Collections: n.Collections, Organizations: n.Organizations, Audit: n.Audit, Policy: n.Policy, Logger: n.logger}
	coll, err := n.FindCollection(ctx, DefaultAPIRoot, "")
	if err != nil {
		return nil, fmt.Errorf("coordination collection: %w", err)
	}
	n.Coord = n.coordService(coll.ID)
	// The log hears of every write, so that what the node signs is
	// logged whichever command or process stored it.
	n.Log = newTransparencyLog(n.logService, n.Identity, n.logger)
	n.Objects.Subscribe(n.Log)
	return n, nil
}

// openStore opens the store the configuration names and builds its
// services.
func (n *Node) openStore(ctx context.Context) error {
	dir := n.Config.DataDir
	if dir == "" {
		return errors.New("open node: a data directory is required")
	}
	if url := n.Config.PostgresURL; url != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create data directory: %v", err)
		}
		db := postgres.NewDB(url)
		db.PatternValues = n.patterns.valuesOf
		db.Logger = n.logger
		if err := db.Open(ctx); err != nil {
			return fmt.Errorf("open PostgreSQL store: %v", err)
		}
		n.closers = append(n.closers, db)
		n.Feed = postgres.NewChangeFeed(db)
		leases := postgres.NewLeaseService(db)
		n.closers = append(n.closers, leases)
		n.Leases = leases
		n.Objects = NewObjectService(postgres.NewObjectService(db), n.Feed, n.logger)
		n.Search = postgres.NewObjectService(db)
		s := postgres.NewServices(db)
		n.Collections, n.Accounts, n.Statuses, n.Secrets, n.Peers = s.Collections, s.Accounts, s.Statuses, s.Secrets, s.Peers
		n.Organizations, n.Settings, n.Deliveries, n.Audit = s.Organizations, newSettingsService(s.Settings), s.Deliveries, s.Audit
		n.Archive, n.logService = s.Archive, s.Log
		return nil
	}
	path := filepath.Join(dir, storeFile)
	if !n.Config.Create {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return rampart.Errorf(rampart.ENOTFOUND, "no Rampart node in %q (no %s there): give --data DIR of a node, or start one with \"rampart serve --data %s\"", dir, storeFile, dir)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %v", err)
	}
	db := sqlite.NewDB(path)
	db.PatternValues = n.patterns.valuesOf
	db.Logger = n.logger
	if err := db.Open(ctx); err != nil {
		return fmt.Errorf("open store %q: %v", path, err)
	}
	n.closers = append(n.closers, db)
	n.Feed = sqlite.NewChangeFeed(db)
	n.Leases = sqlite.NewLeaseService()
	n.Objects = NewObjectService(sqlite.NewObjectService(db), n.Feed, n.logger)
	n.Search = sqlite.NewObjectService(db)
	s := sqlite.NewServices(db)
	n.Collections, n.Accounts, n.Statuses, n.Secrets, n.Peers = s.Collections, s.Accounts, s.Statuses, s.Secrets, s.Peers
	n.Organizations, n.Settings, n.Deliveries, n.Audit = s.Organizations, newSettingsService(s.Settings), s.Deliveries, s.Audit
	n.Archive, n.logService = s.Archive, s.Log
	return nil
}

// exists refuses a store that was never set up as a node (an empty
// PostgreSQL database, say).
func (n *Node) exists(ctx context.Context) error {
	roots, err := n.Collections.FindAPIRoots(ctx)
	if err != nil {
		return err
	}
	if len(roots) == 0 {
		where := filepath.Join(n.Config.DataDir, storeFile)
		if n.Config.PostgresURL != "" {
			where = "the PostgreSQL database"
		}
		return rampart.Errorf(rampart.ENOTFOUND, "%s holds no Rampart node yet: start one with \"rampart serve\" first", where)
	}
	return nil
}

// Close stops what Start started and closes the store.
func (n *Node) Close() error {
	var errs []error
	if n.serving != nil {
		errs = append(errs, n.serving.close())
		n.serving = nil
	}
	for i := len(n.closers) - 1; i >= 0; i-- {
		errs = append(errs, n.closers[i].Close())
	}
	n.closers = nil
	return errors.Join(errs...)
}

// Organization returns the node's own organisation: its keys', or the one
// recorded by "rampart org init"; "" when it has none.
func (n *Node) Organization(ctx context.Context) string {
	if n.Identity != nil {
		return n.Identity.Organization()
	}
	orgs, err := n.Organizations.FindOrganizations(ctx)
	if err == nil && len(orgs) > 0 && orgs[0].Relation == rampart.RelationOwn {
		return orgs[0].ID
	}
	return ""
}

// Policy returns the distribution model as this node applies it.
func (n *Node) Policy(ctx context.Context) rampart.Policy {
	return rampart.Policy{Organization: n.Organization(ctx)}
}

// MemberState returns the member state of the node's organisation: the
// registry's country for it, or the one recorded with the organisation.
func (n *Node) MemberState(ctx context.Context) string {
	org := n.Organization(ctx)
	if org == "" {
		return ""
	}
	if n.Verifier != nil {
		if o := n.Verifier.Registry().Organization(org); o != nil && o.Country != "EU" {
			return o.Country
		}
	}
	if o, err := n.Organizations.FindOrganizationByID(ctx, org); err == nil {
		return o.Country
	}
	return ""
}

// CountryOf returns the member state of an organisation: the registry's
// country for a member of the federation, the recorded one for an
// organisation of this node; "" when unknown.
func (n *Node) CountryOf(ctx context.Context, org string) string {
	if n.Verifier != nil {
		if o := n.Verifier.Registry().Organization(org); o != nil {
			return o.Country
		}
	}
	if o, err := n.Organizations.FindOrganizationByID(ctx, org); err == nil {
		return o.Country
	}
	return ""
}

// MemberStateOrgs returns the organisations of a member state in the trust
// registry (its national CSIRTs), sorted; none without a registry.
func (n *Node) MemberStateOrgs(country string) []string {
	if n.Verifier == nil {
		return nil
	}
	var out []string
	for _, o := range n.Verifier.Registry().Organizations() {
		if o.Country == country && o.Role == trust.RoleNationalCSIRT {
			out = append(out, o.ID)
		}
	}
	slices.Sort(out)
	return out
}

// coordService returns the coordination service over collection: it
// writes as the node's organisation, signs with its keys, and addresses
// incidents to the member states they concern.
func (n *Node) coordService(collectionID string) *coord.Service {
	ctx := context.Background()
	svc := &coord.Service{
		Objects: n.Objects, CollectionID: collectionID,
		Organization: n.Organization(ctx), MemberState: n.MemberState(ctx),
		MemberStateOrgs: n.MemberStateOrgs, Now: n.Config.Now,
	}
	if n.Identity != nil {
		svc.Sign = n.Identity.Sign
		if n.Verifier != nil {
			// New versions are built only on versions whose signature
			// checks, so that nothing stored unsigned gets signed here.
			v := n.Verifier
			svc.Verify = func(o *stix.Object) error { _, err := v.Verify(o); return err }
		}
	}
	return svc
}

// Validate is the check every STIX 2.1 object passes before a node stores
// it, whatever its way in: the MUST rules of its type (stix.Validate) and,
// for indicators, a pattern that compiles, so that an indicator whose
// pattern is wrong is refused when it is stored, with the position of the
// error, never later at match time. STIX 2.0 objects, which collections may
// accept for older tools, are only checked by stix.ParseObject.
func Validate(o *stix.Object) error {
	return validate(o, nil)
}

// validate is Validate, giving each pattern it compiled to compiled
// (when set).
func validate(o *stix.Object, compiled func(text string, p *pattern.Pattern)) error {
	if o.SpecVersion != "2.1" {
		return nil
	}
	v := stix.Validator{Pattern: func(text string) error {
		p, err := pattern.Compile(text)
		if err == nil && compiled != nil {
			compiled(text, p)
		}
		return err
	}}
	return v.Validate(o)
}
