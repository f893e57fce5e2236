// Command syncbench measures object sync against its read-side floor on a
// synthetic platform (connectors/memory): 10 databases of schemas of 1,000
// tables, every listing built afresh, as a real connector decoding a
// response would.
//
//	go run ./internal/cmd/syncbench -tables 1000000 -columns 10 -store memory
//
// It prints one line per phase and, as the last line, one JSON object:
//
//   - floor_s: the platform enumerated through the Connector interface
//     (every call a sync makes: databases, schemas, tables, tags), with
//     every table hashed once, nothing else.
//   - initial_s: the first sync into an empty store.
//   - noop_s: a second sync with nothing changed.
//   - churn_s: a sync after about 1% of tables changed (dropped, added,
//     columns added, dropped or retyped).
//   - latency_s: an initial sync of latency_tables tables (-tables unless
//     -latency-tables says otherwise) into a fresh store, where every
//     connector call sleeps latency_sleep_ms; latency_floor_s is calls ×
//     sleep / concurrency.
//   - floor_resident_s: informational, the floor measured again right
//     after the no-op sync, with the store's objects resident in the same
//     heap (as noop_s and churn_s run), which changes what garbage
//     collection costs; the ratios use floor_s.
//   - store_floor_s, for stores that define one (see storeFloor in
//     stores.go): the rows the initial sync writes, written by a plain
//     batched insert (or COPY) into tables of the same columns with no
//     keys or indexes, in the same round; initial_store_x is initial_s
//     over it. store_floor_extra_s holds a store's informational variants
//     (such as "same_schema": the rows into the store's own tables).
//   - cpu_s: the CPU time (user and system) of each phase, less sensitive
//     than wall time to other load on the machine.
//   - peak_rss_mb: the process's peak resident set (VmHWM).
//
// After one untimed enumeration (warm-up), each of -rounds rounds (a
// fresh store each) measures: the floor, best of two; an initial sync; a
// no-op sync, best of two; the resident floor, best of two; and a churn
// sync, best of two (synthetic versions 1 and 2, each about 1% of tables
// changed from the one before). Every try starts after a forced garbage
// collection. Taking the better of two tries for every repeatable phase
// compares like with like: a first try pays for touching fresh heap pages
// that the second reuses. The initial sync cannot be repeated on the same
// store and runs once per round. The figures are the medians over the
// rounds, the ratios medians over the median floor, and the *_runs_s
// arrays hold every round. The machine this runs on is usually shared, so
// single figures vary; cpu_s helps tell contention from work.
//
// Stores are plugged by name (see stores.go).
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/memory"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/fingerprint"
	"github.com/govkit/connections/store"
	objsync "github.com/govkit/connections/sync"
)

const (
	databases      = 10
	tablesPerSchem = 1000
	key            = "bench"
)

type config struct {
	tables, columns, concurrency int
	storeName, dsn               string
	latency                      time.Duration
	latencyTables                int
	seed                         uint64
	cpuProfile, profilePhase     string
	rounds                       int
}

// result is the JSON line.
type result struct {
	Tables         int                `json:"tables"`
	Columns        int                `json:"columns"`
	Store          string             `json:"store"`
	Databases      int                `json:"databases"`
	Schemas        int                `json:"schemas"`
	Concurrency    int                `json:"concurrency"`
	FloorS         float64            `json:"floor_s"`
	FloorResidentS float64            `json:"floor_resident_s"`
	InitialS       float64            `json:"initial_s"`
	NoopS          float64            `json:"noop_s"`
	ChurnS         float64            `json:"churn_s"`
	InitialX       float64            `json:"initial_x"`
	NoopX          float64            `json:"noop_x"`
	ChurnX         float64            `json:"churn_x"`
	ChurnAdded     int64              `json:"churn_added"`
	ChurnDeleted   int64              `json:"churn_deleted"`
	ChurnUpdated   int64              `json:"churn_updated"`
	LatencyS       float64            `json:"latency_s"`
	LatencyFloorS  float64            `json:"latency_floor_s"`
	LatencyX       float64            `json:"latency_x"`
	LatencyTables  int                `json:"latency_tables"`
	LatencySleepMS float64            `json:"latency_sleep_ms"`
	LatencyCalls   int                `json:"latency_calls"`
	Rounds         int                `json:"rounds"`
	FloorRunsS     []float64          `json:"floor_runs_s"`
	InitialRunsS   []float64          `json:"initial_runs_s"`
	NoopRunsS      []float64          `json:"noop_runs_s"`
	ChurnRunsS     []float64          `json:"churn_runs_s"`
	CPUS           map[string]float64 `json:"cpu_s"`
	PeakRSSMB      float64            `json:"peak_rss_mb"`
	GoVersion      string             `json:"go_version"`
	GOMAXPROCS     int                `json:"gomaxprocs"`

	// The store floor, for stores that define one.
	StoreFloorS      float64            `json:"store_floor_s,omitempty"`
	StoreFloorRunsS  []float64          `json:"store_floor_runs_s,omitempty"`
	InitialStoreX    float64            `json:"initial_store_x,omitempty"`
	StoreFloorExtraS map[string]float64 `json:"store_floor_extra_s,omitempty"`
	StoreFloorExtraX map[string]float64 `json:"initial_store_extra_x,omitempty"`
}

func main() {
	var c config
	flag.IntVar(&c.tables, "tables", 100000, "number of tables (10 databases, schemas of 1,000 tables)")
	flag.IntVar(&c.columns, "columns", 10, "columns per table")
	flag.StringVar(&c.storeName, "store", "memory", "store: "+strings.Join(storeNames(), ", "))
	flag.StringVar(&c.dsn, "store-dsn", "", "store data source (file or URL), for stores that need one")
	flag.IntVar(&c.concurrency, "concurrency", objsync.DefaultConcurrency, "connector calls in flight")
	flag.DurationVar(&c.latency, "latency", 20*time.Millisecond, "sleep per connector call in the latency run; 0 skips it")
	flag.IntVar(&c.latencyTables, "latency-tables", 0, "tables of the latency run's platform; 0 means -tables")
	seed := flag.Uint64("seed", 1, "churn seed")
	flag.IntVar(&c.rounds, "rounds", 3, "rounds of floor, initial, noop and churn; the medians are reported")
	flag.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of one phase (-profile-phase) to this file")
	flag.StringVar(&c.profilePhase, "profile-phase", "initial", "phase to profile: floor, initial, noop, churn or latency")
	flag.Parse()
	c.seed = *seed
	log.SetFlags(0)
	res, err := run(context.Background(), c, os.Stdout)
	if err != nil {
		log.Fatalf("syncbench: %v", err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		log.Fatalf("syncbench: %v", err)
	}
	fmt.Println(string(b))
}

// spec returns a synthetic platform of about n tables.
func spec(n, columns int, seed uint64, prefix string) memory.Spec {
	perSchema := min(tablesPerSchem, max(1, (n+databases-1)/databases))
	schemas := max(1, (n+databases*perSchema-1)/(databases*perSchema))
	return memory.Spec{Prefix: prefix, Databases: databases, Schemas: schemas, Tables: perSchema, Columns: columns, Seed: seed}
}

func run(ctx context.Context, c config, w io.Writer) (*result, error) {
	if c.tables <= 0 || c.columns < 0 || c.concurrency <= 0 || c.rounds <= 0 {
		return nil, errors.New("-tables, -concurrency and -rounds must be positive, -columns not negative")
	}
	sp := spec(c.tables, c.columns, c.seed, "SYN")
	res := &result{
		Tables: sp.Databases * sp.Schemas * sp.Tables, Columns: c.columns, Store: c.storeName,
		Databases: sp.Databases, Schemas: sp.Databases * sp.Schemas, Concurrency: c.concurrency,
		GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0),
	}
	p := memory.NewPlatform("bench")
	syn, err := p.AddSynthetic(sp)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "platform: %d databases, %d schemas, %d tables of %d columns\n", res.Databases, res.Schemas, res.Tables, c.columns)

	// An untimed pass first, so that the first round's floor is not the
	// only one paid with a cold process (fresh heap pages, first listing).
	if _, err := enumerate(ctx, p.Connector(nil), c.concurrency); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	var rounds []roundResult
	for i := range c.rounds {
		fmt.Fprintf(w, "round %d\n", i+1)
		r, err := c.round(ctx, p, syn, res, w)
		if err != nil {
			return nil, err
		}
		rounds = append(rounds, r)
	}
	res.Rounds = c.rounds
	res.CPUS = map[string]float64{}
	col := func(f func(roundResult) timing) (wall, cpu []float64) {
		for _, r := range rounds {
			t := f(r)
			wall, cpu = append(wall, t.wall), append(cpu, t.cpu)
		}
		return wall, cpu
	}
	for _, ph := range []struct {
		name string
		runs *[]float64
		med  *float64
		f    func(roundResult) timing
	}{
		{"floor", &res.FloorRunsS, &res.FloorS, func(r roundResult) timing { return r.floor }},
		{"floor_resident", new([]float64), &res.FloorResidentS, func(r roundResult) timing { return r.resident }},
		{"initial", &res.InitialRunsS, &res.InitialS, func(r roundResult) timing { return r.initial }},
		{"noop", &res.NoopRunsS, &res.NoopS, func(r roundResult) timing { return r.noop }},
		{"churn", &res.ChurnRunsS, &res.ChurnS, func(r roundResult) timing { return r.churn }},
	} {
		wall, cpu := col(ph.f)
		*ph.runs, *ph.med, res.CPUS[ph.name] = wall, median(wall), median(cpu)
	}
	res.InitialX, res.NoopX, res.ChurnX = res.InitialS/res.FloorS, res.NoopS/res.FloorS, res.ChurnS/res.FloorS
	if _, ok := storeFloors[c.storeName]; ok {
		for _, r := range rounds {
			res.StoreFloorRunsS = append(res.StoreFloorRunsS, r.storeFloor)
		}
		res.StoreFloorS = median(res.StoreFloorRunsS)
		res.InitialStoreX = res.InitialS / res.StoreFloorS
		fmt.Fprintf(w, "median store floor %.3fs: initial x%.2f of it\n", res.StoreFloorS, res.InitialStoreX)
		for name := range rounds[0].storeExtra {
			var runs []float64
			for _, r := range rounds {
				runs = append(runs, r.storeExtra[name])
			}
			if res.StoreFloorExtraS == nil {
				res.StoreFloorExtraS, res.StoreFloorExtraX = map[string]float64{}, map[string]float64{}
			}
			res.StoreFloorExtraS[name] = median(runs)
			res.StoreFloorExtraX[name] = res.InitialS / median(runs)
			fmt.Fprintf(w, "median store floor (%s) %.3fs: initial x%.2f of it\n", name, median(runs), res.InitialS/median(runs))
		}
	}
	fmt.Fprintf(w, "median of %d rounds: floor %.3fs, initial %.3fs (x%.2f), noop %.3fs (x%.2f), churn %.3fs (x%.2f)\n",
		c.rounds, res.FloorS, res.InitialS, res.InitialX, res.NoopS, res.NoopX, res.ChurnS, res.ChurnX)

	if c.latency > 0 {
		if err := latencyRun(ctx, c, res, w); err != nil {
			return nil, err
		}
	}
	res.PeakRSSMB = peakRSS()
	return res, nil
}

// latencyRun syncs a smaller platform whose every call sleeps.
func latencyRun(ctx context.Context, c config, res *result, w io.Writer) error {
	n := c.latencyTables
	if n <= 0 {
		n = c.tables
	}
	sp := spec(n, c.columns, c.seed, "LAT")
	p := memory.NewPlatform("latency")
	if _, err := p.AddSynthetic(sp); err != nil {
		return err
	}
	st, closeStore, err := openStore(ctx, c.storeName, c.dsn)
	if err != nil {
		return err
	}
	defer closeStore()
	e, err := newEngine(ctx, st, p, c.concurrency)
	if err != nil {
		return err
	}
	p.SetLatency(c.latency)
	p.ResetCalls()
	t, err := c.timed("latency", func() error {
		rep, err := e.Sync(ctx, key, nil, nil)
		if err == nil {
			err = rep.Err()
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("latency sync: %w", err)
	}
	d := time.Duration(t.wall * float64(time.Second))
	calls := 0
	for _, m := range []memory.Method{memory.MethodHost, memory.MethodCheck, memory.MethodDatabases, memory.MethodSchemas, memory.MethodTables, memory.MethodTags, memory.MethodDatabaseTables} {
		calls += p.Calls(m)
	}
	res.LatencyTables = sp.Databases * sp.Schemas * sp.Tables
	res.LatencySleepMS = float64(c.latency) / float64(time.Millisecond)
	res.LatencyCalls = calls
	res.LatencyS = d.Seconds()
	res.LatencyFloorS = (time.Duration(calls) * c.latency / time.Duration(c.concurrency)).Seconds()
	res.LatencyX = res.LatencyS / res.LatencyFloorS
	fmt.Fprintf(w, "latency: %8.3fs  x%.2f  (%d tables, %d calls × %v / %d = %.3fs)\n",
		res.LatencyS, res.LatencyX, res.LatencyTables, calls, c.latency, c.concurrency, res.LatencyFloorS)
	return nil
}

// timing is how long a phase took, in wall and CPU seconds.
type timing struct{ wall, cpu float64 }

// timed runs f after a garbage collection, so that every phase starts
// from the same state of the heap, and returns how long it took. The CPU
// profile covers it when it is the phase asked for.
func (c config) timed(phase string, f func() error) (timing, error) {
	runtime.GC()
	stop, err := c.profile(phase)
	if err != nil {
		return timing{}, err
	}
	defer stop()
	cpu0 := cpuTime()
	start := time.Now()
	err = f()
	return timing{wall: time.Since(start).Seconds(), cpu: cpuTime() - cpu0}, err
}

// best runs f twice (timed) and returns the faster run: the second run
// of the same work does not pay again for heap pages touched the first
// time, so the better of two compares like with like.
func (c config) best(phase string, f func(try int) error) (timing, error) {
	var out timing
	for try := range 2 {
		t, err := c.timed(phase, func() error { return f(try) })
		if err != nil {
			return timing{}, err
		}
		if try == 0 || t.wall < out.wall {
			out = t
		}
	}
	return out, nil
}

// roundResult is one round: a fresh store synced from empty, again with
// no change, and after churn.
type roundResult struct {
	floor, resident, initial, noop, churn timing
	storeFloor                            float64            // seconds; 0 without one
	storeExtra                            map[string]float64 // seconds
}

// round measures the floor (best of two), an initial sync, a no-op sync
// (best of two), the floor again with the store resident (informational,
// best of two) and a churn sync (best of two: versions 1 and 2 of the
// synthetic platform, each about 1% of tables changed from the one
// before).
func (c config) round(ctx context.Context, p *memory.Platform, syn *memory.Synthetic, res *result, w io.Writer) (roundResult, error) {
	var r roundResult
	syn.SetVersion(0)
	enum := func(int) error {
		n, err := enumerate(ctx, p.Connector(nil), c.concurrency)
		if err == nil && n != res.Tables {
			err = fmt.Errorf("enumerated %d tables, want %d", n, res.Tables)
		}
		return err
	}
	var err error
	if r.floor, err = c.best("floor", enum); err != nil {
		return r, fmt.Errorf("floor: %w", err)
	}
	fmt.Fprintf(w, "floor:   %8.3fs         cpu=%.2fs\n", r.floor.wall, r.floor.cpu)
	if f := storeFloors[c.storeName]; f != nil {
		runtime.GC()
		d, err := f(ctx, c.dsn, p)
		if err != nil {
			return r, fmt.Errorf("store floor: %w", err)
		}
		r.storeFloor = d.Seconds()
		fmt.Fprintf(w, "store floor: %.3fs (the same rows, plain batched insert)\n", r.storeFloor)
		r.storeExtra = map[string]float64{}
		for name, f := range storeFloorExtras[c.storeName] {
			runtime.GC()
			d, err := f(ctx, c.dsn, p)
			if err != nil {
				return r, fmt.Errorf("store floor (%s): %w", name, err)
			}
			r.storeExtra[name] = d.Seconds()
			fmt.Fprintf(w, "store floor (%s): %.3fs\n", name, d.Seconds())
		}
	}
	st, closeStore, err := openStore(ctx, c.storeName, c.dsn)
	if err != nil {
		return r, err
	}
	defer closeStore()
	e, err := newEngine(ctx, st, p, c.concurrency)
	if err != nil {
		return r, err
	}
	var rep *objsync.Report
	syncOnce := func(int) error {
		var err error
		rep, err = e.Sync(ctx, key, nil, nil)
		if err == nil {
			err = rep.Err()
		}
		return err
	}
	show := func(name string, t timing) {
		k := rep.Counts
		fmt.Fprintf(w, "%-8s %8.3fs  x%.2f  cpu=%.2fs  tables=%d unchanged=%d applied=%d added=%d deleted=%d updated=%d\n",
			name+":", t.wall, t.wall/r.floor.wall, t.cpu, k.Tables, k.Unchanged, k.Applied, k.Added, k.Deleted, k.Updated)
	}
	if r.initial, err = c.timed("initial", func() error { return syncOnce(0) }); err != nil {
		return r, fmt.Errorf("initial sync: %w", err)
	}
	show("initial", r.initial)
	if r.noop, err = c.best("noop", syncOnce); err != nil {
		return r, fmt.Errorf("no-op sync: %w", err)
	}
	show("noop", r.noop)
	if r.resident, err = c.best("floor_resident", enum); err != nil {
		return r, fmt.Errorf("floor: %w", err)
	}
	fmt.Fprintf(w, "floor with the store resident: %.3fs  cpu=%.2fs\n", r.resident.wall, r.resident.cpu)
	if r.churn, err = c.best("churn", func(try int) error {
		syn.SetVersion(1 + try)
		err := syncOnce(try)
		if try == 0 && err == nil {
			res.ChurnAdded, res.ChurnDeleted, res.ChurnUpdated = rep.Counts.Added, rep.Counts.Deleted, rep.Counts.Updated
		}
		return err
	}); err != nil {
		return r, fmt.Errorf("churn sync: %w", err)
	}
	show("churn", r.churn)
	return r, nil
}

// cpuTime returns the CPU time (user and system) the process has used,
// in seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// profile starts the CPU profile if phase is the one asked for, and
// returns the func that stops it.
func (c config) profile(phase string) (func(), error) {
	if c.cpuProfile == "" || phase != c.profilePhase {
		return func() {}, nil
	}
	f, err := os.Create(c.cpuProfile)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// newEngine registers the platform as connection key in st.
func newEngine(ctx context.Context, st store.Store, p *memory.Platform, concurrency int) (*objsync.Engine, error) {
	reg, err := connectors.NewRegistry(p.Technology())
	if err != nil {
		return nil, err
	}
	conn := store.Connection{Key: key, DisplayName: "Bench", Technology: "memory", HostID: hierarchy.NewID(), Status: store.StatusActive}
	host := hierarchy.Object{ID: conn.HostID, Path: hierarchy.Path{key}, Type: memory.HostType, State: hierarchy.Active}
	if err := st.CreateConnection(ctx, conn, host); err != nil {
		return nil, err
	}
	return objsync.New(st, reg, nil, &objsync.Options{Concurrency: concurrency})
}

// enumerate reads the whole platform through the Connector interface, with
// the calls a sync makes and the same number in flight, and hashes every
// table and tag once with the encoding sync fingerprints listings with
// (package internal/fingerprint):
// the read-side floor. It returns the number of tables read.
func enumerate(ctx context.Context, cn connectors.Connector, concurrency int) (int, error) {
	tr, _ := cn.(connectors.TagReader)
	dbs, err := cn.Databases(ctx)
	if err != nil {
		return 0, err
	}
	type pair struct{ db, schema string }
	schemas := make([][]pair, len(dbs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for i, d := range dbs {
		g.Go(func() error {
			ss, err := cn.Schemas(gctx, d.Name)
			for _, s := range ss {
				schemas[i] = append(schemas[i], pair{d.Name, s.Name})
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	counts := make(chan int, concurrency)
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	total := make(chan int)
	go func() {
		n := 0
		for c := range counts {
			n += c
		}
		total <- n
	}()
	for _, ps := range schemas {
		for _, s := range ps {
			g.Go(func() error {
				tables, err := cn.Tables(gctx, s.db, s.schema)
				if err != nil {
					return err
				}
				var tags []connectors.TagAssignment
				if tr != nil {
					if tags, err = tr.Tags(gctx, s.db, s.schema); err != nil {
						return err
					}
				}
				var (
					h   fingerprint.Hasher
					sum uint64
				)
				for i := range tables {
					sum += h.Table(&tables[i])
				}
				for i := range tags {
					sum += h.Tag(&tags[i])
				}
				_ = sum
				counts <- len(tables)
				return nil
			})
		}
	}
	err = g.Wait()
	close(counts)
	return <-total, err
}

// appendString appends s to b prefixed with its length (a uvarint), as the
// stores encode strings (see the store floors).
func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// peakRSS returns VmHWM in MiB, or 0 where /proc is missing.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
