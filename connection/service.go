package connection

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/perms"
	"github.com/govkit/connections/requests"
	"github.com/govkit/connections/store"
	objsync "github.com/govkit/connections/sync"
	"github.com/govkit/connections/tags"
)

// DefaultEnableLimit is the number of objects an object other than a
// schema or table may have below it and still be enabled (B9): fewer than
// this many.
const DefaultEnableLimit = 100_000

// Options configure a Service. A nil *Options means the defaults.
type Options struct {
	// Credentials supplies connectors' credentials at run time (B7); nil
	// means every connection is opened without credentials.
	Credentials connectors.CredentialsFunc
	// Logger receives the service's and the sync engine's logs; nil
	// discards them.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// EnableLimit: enabling an object other than a schema or a table needs
	// fewer than EnableLimit objects below it (B9). Zero means
	// DefaultEnableLimit.
	EnableLimit int64
	// ConnectionTag derives connection tags (B19); nil means
	// tags.DefaultConnectionTag. A host that changes the form should list
	// the first part of its tags in Tags.ReservedPrefixes.
	ConnectionTag tags.ConnectionTagFunc
	// Policies answers whether an active policy targets the New tag (B21);
	// nil means the policies kept in the store.
	Policies requests.PolicyEngine
	// Sync configures the sync engine; its Logger, Now, ConnectionTag and
	// Policies default to the ones above.
	Sync *objsync.Options
	// Perms configures the Data Owner resolver; its Now defaults to the
	// one above.
	Perms *perms.Options
	// Tags configures the tag rules.
	Tags *tags.Options
}

// Service is the facade over a store, a technology registry and the sync
// engine. Create it with New.
type Service struct {
	st          store.Store
	reg         *connectors.Registry
	creds       connectors.CredentialsFunc
	engine      *objsync.Engine
	perms       *perms.Resolver
	tags        *tags.Service
	reqs        *requests.Service
	log         *slog.Logger
	now         func() time.Time
	enableLimit int64
}

// New returns a Service over st that registers the technologies in reg.
// It seeds the "New Column Added" policy, staged, if the store lacks it
// (B21).
func New(ctx context.Context, st store.Store, reg *connectors.Registry, opts *Options) (*Service, error) {
	if st == nil || reg == nil {
		return nil, fmt.Errorf("connection: new service: %w: a store and a registry are required", connections.ErrInvalidInput)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.EnableLimit <= 0 {
		o.EnableLimit = DefaultEnableLimit
	}
	var so objsync.Options
	if o.Sync != nil {
		so = *o.Sync
	}
	if so.Logger == nil {
		so.Logger = o.Logger
	}
	if so.Now == nil {
		so.Now = o.Now
	}
	if so.ConnectionTag == nil {
		so.ConnectionTag = o.ConnectionTag
	}
	if so.Policies == nil {
		so.Policies = o.Policies
	}
	creds := connectionCredentials(o.Credentials)
	engine, err := objsync.New(st, reg, creds, &so)
	if err != nil {
		return nil, fmt.Errorf("connection: new service: %w", err)
	}
	if err := requests.EnsureSeeded(ctx, st); err != nil {
		return nil, fmt.Errorf("connection: new service: %w", err)
	}
	var po perms.Options
	if o.Perms != nil {
		po = *o.Perms
	}
	if po.Now == nil {
		po.Now = o.Now
	}
	res := perms.NewResolver(st, &po)
	return &Service{
		st:          st,
		reg:         reg,
		creds:       creds,
		engine:      engine,
		perms:       res,
		tags:        tags.NewService(st, o.Tags),
		reqs:        requests.NewService(st, res, &requests.Options{Now: o.Now}),
		log:         o.Logger,
		now:         o.Now,
		enableLimit: o.EnableLimit,
	}, nil
}

// Engine returns the sync engine, to subscribe to its events or to run a
// scheduler (objsync.NewScheduler) over it.
func (s *Service) Engine() *objsync.Engine { return s.engine }

// Resolver returns the Data Owner resolver, for hosts that check many
// objects at once.
func (s *Service) Resolver() *perms.Resolver { return s.perms }

// Store returns the store the service writes to.
func (s *Service) Store() store.Store { return s.st }

// Registration is what Register needs to register a connection.
type Registration struct {
	// Key identifies the connection (B4): letters, digits, "-" and "_".
	Key string `json:"key"`
	// DisplayName is free text; periods are allowed.
	DisplayName string `json:"display_name"`
	// Technology names a technology in the registry, such as "snowflake".
	Technology string `json:"technology"`
	// Config is the technology's non-secret configuration.
	Config connectors.Config `json:"config,omitempty"`
	// Settings are the connection's settings; nil means DefaultSettings,
	// and zero fields take their defaults.
	Settings *Settings `json:"settings,omitempty"`
	// AllowPartial keeps the connection when parts of the platform could
	// not be listed (the report names them; a later sync retries them).
	// Without it, any failed part fails the registration, which then
	// leaves nothing behind.
	AllowPartial bool `json:"allow_partial,omitempty"`
	// Progress, when set, is called as the first crawl goes, as
	// objsync.RunOptions.Progress is.
	Progress func(objsync.Progress) `json:"-"`
}

// Register validates r, checks the credentials, crawls the platform once
// and stores the whole hierarchy (B5). Only admins may register. A failed
// registration leaves nothing behind; the report says what the crawl
// found.
func (s *Service) Register(ctx context.Context, actor perms.Principal, r Registration) (Connection, *objsync.Report, error) {
	fail := func(err error) (Connection, *objsync.Report, error) {
		return Connection{}, nil, connections.Wrap("register", r.Key, err)
	}
	if err := s.perms.Check(ctx, actor, perms.ActionRegister, nil); err != nil {
		return Connection{}, nil, err // names the operation already
	}
	if err := ValidateKey(r.Key); err != nil {
		return fail(err)
	}
	if err := ValidateDisplayName(r.DisplayName); err != nil {
		return fail(err)
	}
	tech, err := s.technology(r.Technology)
	if err != nil {
		return fail(err)
	}
	settings := DefaultSettings()
	if r.Settings != nil {
		settings = withDefaults(*r.Settings)
	}
	if err := validateSettings(settings, tech); err != nil {
		return fail(err)
	}
	if tech.Validate != nil {
		if err := tech.Validate(r.Config); err != nil {
			return fail(invalidConfig(err))
		}
	}
	if _, err := s.st.Connection(ctx, r.Key); err == nil {
		return fail(fmt.Errorf("connection %q: %w", r.Key, connections.ErrAlreadyExists))
	} else if !errors.Is(err, connections.ErrNotFound) {
		return fail(err)
	}

	cn, err := s.open(ctx, r.Key, tech, r.Config)
	if err != nil {
		return fail(err)
	}
	defer func() { _ = cn.Close() }()
	if err := cn.Check(ctx); err != nil {
		return fail(fmt.Errorf("check credentials: %w", err))
	}
	host, err := cn.Host(ctx)
	if err != nil {
		return fail(fmt.Errorf("describe host: %w", err))
	}

	now := s.now().UTC()
	c := Connection{
		Key:         r.Key,
		DisplayName: r.DisplayName,
		Technology:  tech.Name,
		Config:      cloneConfig(r.Config),
		Settings:    settings,
		HostID:      hierarchy.NewID(),
		Status:      store.StatusRegistering,
		CreatedBy:   actor.String(),
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	hostObj := hierarchy.Object{
		ID:        c.HostID,
		Path:      hierarchy.Path{r.Key},
		Type:      hostType(host, tech),
		Comment:   host.Name,
		State:     hierarchy.Active,
		Enable:    hierarchy.Disable, // a new connection's objects are disabled (B8)
		CreatedAt: now,
		UpdatedAt: now,
	}
	if err := s.st.CreateConnection(ctx, c, hostObj); err != nil {
		return fail(err)
	}
	report, err := s.engine.Sync(ctx, r.Key, hierarchy.Path{r.Key}, &objsync.RunOptions{Connector: cn, Progress: r.Progress})
	if err == nil && !r.AllowPartial {
		err = report.Err()
	}
	hostID := c.HostID
	if err == nil {
		c, err = store.ModifyConnection(ctx, s.st, r.Key, func(c *store.Connection) error {
			if c.HostID != hostID {
				return fmt.Errorf("%w: connection %q was deregistered and registered again while this registration crawled", connections.ErrConflict, r.Key)
			}
			c.Status = store.StatusActive
			c.UpdatedAt = s.now().UTC()
			return nil
		})
	}
	if err != nil {
		// Leave nothing behind, even if ctx was what failed; but only what
		// this registration made, not a connection of the same key
		// registered meanwhile.
		bg := context.WithoutCancel(ctx)
		if cur, gerr := s.st.Connection(bg, r.Key); gerr == nil && cur.HostID == hostID {
			if derr := s.st.DeleteConnection(bg, r.Key); derr != nil && !errors.Is(derr, connections.ErrNotFound) {
				err = errors.Join(err, fmt.Errorf("clean up: %w", derr))
			}
		} else if gerr != nil && !errors.Is(gerr, connections.ErrNotFound) {
			err = errors.Join(err, fmt.Errorf("clean up: %w", gerr))
		}
		return Connection{}, report, connections.Wrap("register", r.Key, fmt.Errorf("crawl: %w", err))
	}
	s.log.InfoContext(ctx, "connection registered", "connection", r.Key, "technology", tech.Name,
		"tables", report.Counts.Tables, "by", actor.String())
	return c, report, nil
}

func hostType(h connectors.Host, t connectors.Technology) string {
	if h.Type != "" {
		return h.Type
	}
	if t.Levels[0] != "" {
		return t.Levels[0]
	}
	return hierarchy.TypeHost
}

func invalidConfig(err error) error {
	if errors.Is(err, connections.ErrInvalidInput) {
		return fmt.Errorf("config: %w", err)
	}
	return fmt.Errorf("config: %w: %w", connections.ErrInvalidInput, err)
}

func cloneConfig(c connectors.Config) map[string]string {
	if c == nil {
		return nil
	}
	out := make(map[string]string, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

func (s *Service) technology(name string) (connectors.Technology, error) {
	if name == "" {
		return connectors.Technology{}, fmt.Errorf("%w: no technology given (known: %v)", ErrUnknownTechnology, s.reg.Names())
	}
	t, err := s.reg.Lookup(name)
	if err != nil {
		return connectors.Technology{}, fmt.Errorf("%w %q (known: %v)", ErrUnknownTechnology, name, s.reg.Names())
	}
	return t, nil
}

// connectionCredentials adapts the host's credentials func: having none
// for a connection (ErrNotFound) means opening it without credentials, as
// platforms that trust the network allow; having none for tags still says
// ErrNotFound, so that sync reads tags with the connection's credentials.
func connectionCredentials(f connectors.CredentialsFunc) connectors.CredentialsFunc {
	return func(ctx context.Context, key string, use connectors.Use) (connectors.Credentials, error) {
		if f == nil {
			if use == connectors.UseConnection {
				return nil, nil
			}
			return nil, fmt.Errorf("no %s credentials for %q: %w", use, key, connections.ErrNotFound)
		}
		c, err := f(ctx, key, use)
		if err != nil && use == connectors.UseConnection && errors.Is(err, connections.ErrNotFound) {
			return nil, nil
		}
		return c, err
	}
}

// open opens a connector on the platform with the credentials the host
// supplies for the connection.
func (s *Service) open(ctx context.Context, key string, tech connectors.Technology, cfg connectors.Config) (connectors.Connector, error) {
	creds, err := s.creds(ctx, key, connectors.UseConnection)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	cn, err := tech.Open(ctx, cfg, creds)
	if err != nil {
		return nil, fmt.Errorf("open %s connector: %w", tech.Name, err)
	}
	return cn, nil
}

// Get returns the connection with the key. Admins see every connection,
// data owners those where they own anything (B25).
func (s *Service) Get(ctx context.Context, actor perms.Principal, key string) (Connection, error) {
	c, host, err := s.connection(ctx, actor, perms.ActionView, "get", key)
	if err != nil {
		return Connection{}, err
	}
	if err := s.perms.Check(ctx, actor, perms.ActionView, &host); err != nil {
		return Connection{}, err
	}
	return c, nil
}

// List returns the connections the actor may see, ordered by key: every
// connection for admins, those where they own anything for data owners.
func (s *Service) List(ctx context.Context, actor perms.Principal) ([]Connection, error) {
	if !actor.Valid() {
		return nil, connections.Wrap("list", "", fmt.Errorf("%w: no actor", connections.ErrPermissionDenied))
	}
	all, err := s.st.Connections(ctx)
	if err != nil {
		return nil, connections.Wrap("list", "", err)
	}
	admin, err := s.perms.IsAdmin(ctx, actor)
	if err != nil {
		return nil, connections.Wrap("list", "", err)
	}
	if admin {
		return all, nil
	}
	owned, err := s.perms.OwnedConnections(ctx, actor)
	if err != nil {
		return nil, connections.Wrap("list", "", err)
	}
	keep := make(map[string]bool, len(owned))
	for _, k := range owned {
		keep[k] = true
	}
	out := all[:0]
	for _, c := range all {
		if keep[c.Key] {
			out = append(out, c)
		}
	}
	return out, nil
}

// UpdateSettings replaces a connection's settings (B6); zero fields take
// their defaults. Only admins may change settings.
func (s *Service) UpdateSettings(ctx context.Context, actor perms.Principal, key string, settings Settings) (Connection, error) {
	c, host, err := s.connection(ctx, actor, perms.ActionSettings, "update settings", key)
	if err != nil {
		return Connection{}, err
	}
	if err := s.perms.Check(ctx, actor, perms.ActionSettings, &host); err != nil {
		return Connection{}, err
	}
	tech, err := s.technology(c.Technology)
	if err != nil {
		return Connection{}, connections.Wrap("update settings", key, err)
	}
	settings = withDefaults(settings)
	if err := validateSettings(settings, tech); err != nil {
		return Connection{}, connections.Wrap("update settings", key, err)
	}
	c, err = store.ModifyConnection(ctx, s.st, key, func(c *store.Connection) error {
		c.Settings = settings
		c.UpdatedAt = s.now().UTC()
		return nil
	})
	if err != nil {
		return Connection{}, connections.Wrap("update settings", key, err)
	}
	return c, nil
}

// Deregister deletes the connection and everything under it from the
// store: objects, tags, grants and requests (B26). Nothing on the platform
// is touched. Only admins may deregister.
func (s *Service) Deregister(ctx context.Context, actor perms.Principal, key string) error {
	_, host, err := s.connection(ctx, actor, perms.ActionDeregister, "deregister", key)
	if err != nil {
		return err
	}
	if err := s.perms.Check(ctx, actor, perms.ActionDeregister, &host); err != nil {
		return err
	}
	if err := s.st.DeleteConnection(ctx, key); err != nil {
		return connections.Wrap("deregister", key, err)
	}
	s.perms.Invalidate()
	s.log.InfoContext(ctx, "connection deregistered", "connection", key, "by", actor.String())
	return nil
}

// Sync brings the object at path, and everything under it, in step with
// the platform (B10). Admins may sync anything, data owners the objects
// they own (B25). ro may be nil.
func (s *Service) Sync(ctx context.Context, actor perms.Principal, path hierarchy.Path, ro *objsync.RunOptions) (*objsync.Report, error) {
	obj, err := s.lookup(ctx, actor, perms.ActionSync, "sync", path)
	if err != nil {
		return nil, err
	}
	if err := s.perms.Check(ctx, actor, perms.ActionSync, &obj); err != nil {
		return nil, err
	}
	if ro != nil && ro.Connector != nil {
		return nil, connections.Wrap("sync", path.String(), fmt.Errorf("%w: RunOptions.Connector is for registration only", connections.ErrInvalidInput))
	}
	return s.engine.Sync(ctx, path.Key(), path, ro)
}

// connection returns the connection with the key and its host object,
// for actor about to take action a; errors are wrapped with op and the
// key. A missing connection is hidden as lookup says.
func (s *Service) connection(ctx context.Context, actor perms.Principal, a perms.Action, op, key string) (Connection, hierarchy.Object, error) {
	if key == "" {
		return Connection{}, hierarchy.Object{}, connections.Wrap(op, key, ErrEmptyKey)
	}
	c, err := s.st.Connection(ctx, key)
	if err != nil {
		return Connection{}, hierarchy.Object{}, s.hideMissing(ctx, actor, a, op, hierarchy.Path{key}, err)
	}
	host, err := s.st.Object(ctx, c.HostID)
	if err != nil {
		return Connection{}, hierarchy.Object{}, connections.Wrap(op, key, fmt.Errorf("host of connection %q: %w", key, err))
	}
	return c, host, nil
}

// lookup validates path and returns the object there (a host, database,
// schema or table), for actor about to take action a; errors are wrapped
// with op and the path.
//
// Only those who may view a connection learn that something is not in
// it: anyone else gets, for a missing object, the very denial Check gives
// them on one that is there, so that names they may not see cannot be
// probed for either.
func (s *Service) lookup(ctx context.Context, actor perms.Principal, a perms.Action, op string, path hierarchy.Path) (hierarchy.Object, error) {
	if err := path.Validate(); err != nil {
		return hierarchy.Object{}, connections.Wrap(op, path.String(), fmt.Errorf("%w: %w", connections.ErrInvalidInput, err))
	}
	if path.Kind() == hierarchy.KindColumn {
		return hierarchy.Object{}, connections.Wrap(op, path.String(), fmt.Errorf("%w: %s is a column path; name its table", connections.ErrInvalidInput, path))
	}
	obj, err := s.st.Lookup(ctx, path)
	if err != nil {
		return hierarchy.Object{}, s.hideMissing(ctx, actor, a, op, path, err)
	}
	return obj, nil
}

// hideMissing returns err, from looking up path, wrapped with op and the
// path; but if it says the object is not found and actor may not view
// the connection, it returns what Check says of actor taking action a on
// an object at path instead.
func (s *Service) hideMissing(ctx context.Context, actor perms.Principal, a perms.Action, op string, path hierarchy.Path, err error) error {
	wrapped := connections.Wrap(op, path.String(), err)
	if !errors.Is(err, connections.ErrNotFound) {
		return wrapped
	}
	// A stand-in of IDs no grant names: Check lets actor view it if actor
	// may view the connection (an admin, or an owner of something in
	// it), and otherwise denies it just as it denies the objects there.
	standIn := hierarchy.Object{ID: hierarchy.NewID(), Path: path}
	for i := range len(path) - 1 {
		standIn.Ancestors[i] = hierarchy.NewID()
	}
	if verr := s.perms.Check(ctx, actor, perms.ActionView, &standIn); verr != nil {
		if !errors.Is(verr, connections.ErrPermissionDenied) {
			return connections.Wrap(op, path.String(), verr)
		}
		if derr := s.perms.Check(ctx, actor, a, &standIn); derr != nil {
			return derr
		}
	}
	return wrapped
}
