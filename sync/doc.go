// Package sync keeps a connection's hierarchy in the store in step with
// its data platform: object sync (B10–B18). Importers alias it, as it
// shares its name with the standard library's sync:
//
//	import objsync "github.com/govkit/connections/sync"
//
// An [Engine] syncs a whole connection or any object in it (a database,
// schema or table): only that subtree is crawled and compared. A
// [Scheduler] runs the periodic sync of every connection, by default
// every 24 hours at 01:00 UTC.
//
// # Pipeline
//
// Crawl, diff and apply run per container, streaming: the host's listing
// of databases, each database's listing of schemas, and each schema's
// listing of tables (with their columns and platform tags) is compared
// with the store's snapshot of that container's children, and the
// differences are applied as one store.ChangeSet, atomically. Memory is
// bounded by the few schemas in flight, not by the account. Schemas of
// every database flow through one pool of workers, and at most
// Options.Concurrency connector calls are in flight per sync.
//
// Each change set records the fingerprint of its listing (xxhash over a
// canonical encoding, platform tags included) on the container. A schema
// whose listing has the fingerprint recorded by the previous sync is
// neither read from the store, compared nor written: a sync with no change
// costs little more than reading the platform. Each table records the
// fingerprint of its own listing entry too, so that a schema that changed
// is compared from a light listing of its stored tables (names, states,
// fingerprints: store.ChildLister when the store offers it, store.Children
// otherwise) and only the tables whose fingerprint differs are read in
// full; with a store that records no table fingerprints, the schema is
// read in full (store.Snapshot). A sync of one
// table, and a container whose children had duplicate names, leave a
// fingerprint that matches no listing, so that the next sync compares the
// container in full.
//
// # Rules
//
//   - New tables become objects with the connection tag (B19); they are
//     data sources as the nearest explicit NewChildren setting above them
//     says, and follow their parent when every one inherits (B8, B11).
//   - Tables the platform no longer lists are marked deleted remotely,
//     which disables them; they stay until someone deletes them. A table
//     listed again is reactivated with its settings, grants and tags
//     (B12).
//   - Column additions, deletions, type changes and reorders are written to
//     the data dictionary and reported (B13). New columns of known data
//     sources (stored before the sync, also when deleted remotely and
//     listed again now, and enabled) get the New tag (B14);
//     while an active policy targets New, each added or deleted column of
//     a known data source also raises a validation request (B22).
//   - The internal database (Settings.InternalDatabase, matched without
//     regard to case; DefaultInternalDatabase when empty) is never
//     ingested and never marked deleted (B15).
//   - A name listed more than once in one container is a Conflict naming
//     it; the stored object of that name is left alone and the rest of
//     the container is synced (B16). The container's fingerprint is not
//     recorded, so the conflict is reported again by every sync until it
//     is resolved.
//
// # Safety
//
// A connector that lists a whole database at once
// (connectors.DatabaseLister) and reads no tags is asked once per database
// instead of once per schema; the schemas still flow to the workers one
// at a time as the listing streams them.
//
// A listing that fails (an error, a timeout, refused credentials,
// cancellation) never deletes or disables anything under it: the subtree
// is left as it was and named in Report.Failed, and the rest of the sync
// goes on (B17). The same holds for platform tags: when a schema's tags
// cannot be read, its tables' platform tags stay as they are. With
// Settings.MaxDeleteShare above zero, a container whose listing would
// mark more than that share of its active children deleted is not written
// at all (an error matching connections.ErrLimitExceeded in
// Report.Failed); a change set marking a single child deleted passes this
// check, so that dropping the only table of a schema is not refused. The
// same share bounds the whole run: the objects it marks deleted, counted
// with everything under them, may not exceed that share of the objects
// under the synced root; containers that would go past it are refused
// the same way, so many small deletions cannot add up to a mass one.
//
// A change set the store rejects because the store changed meanwhile
// (connections.ErrConflict or ErrAlreadyExists, such as an object deleted
// by hand during the sync) is compared again on a fresh snapshot once,
// then reported as failed.
//
// # Concurrency
//
// One sync per connection runs at a time: a second caller gets an error
// matching connections.ErrSyncInProgress, or waits with RunOptions.Wait.
// When the store implements store.Locker, its lease keeps processes that
// share the store apart too.
//
// # Reports and events
//
// Every sync returns a [Report]: what was added, marked deleted and
// reactivated, column changes, conflicts, failed subtrees, requests
// raised, counts and timings. Handlers registered with
// [Engine.Subscribe] receive an [Event] for each change after it is
// written. A dry run (RunOptions.DryRun) computes the report, writes
// nothing and emits no events. RunOptions.Progress reports what has been
// crawled so far during long syncs.
package sync
