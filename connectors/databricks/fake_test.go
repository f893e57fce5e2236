package databricks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeUC is an httptest Unity Catalog server serving spec-shaped objects
// (see spec_test.go). It pages every listing with opaque tokens, checks
// authentication, issues OAuth M2M tokens, records requests, and lets a
// test inject answers.
type fakeUC struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	data     specFixture
	pageSize int  // page size when max_results is 0 or larger
	empty    bool // put an empty page, still carrying a token, between pages
	pat      string
	// OAuth M2M: the client, the tokens issued and still valid.
	clientID, clientSecret string
	expiresIn              int64
	issued                 int
	valid                  map[string]bool
	// hook, when set, may answer a request itself by returning true.
	hook     func(w http.ResponseWriter, r *http.Request) bool
	requests []fakeRequest
	inflight int
	peak     int
}

// fakeRequest is one request the fake received.
type fakeRequest struct {
	Method  string
	RawPath string // as escaped on the wire
	Path    string // below the API prefix, decoded
	Query   url.Values
	Auth    string
}

func newFakeUC(t testing.TB, data specFixture) *fakeUC {
	t.Helper()
	f := &fakeUC{t: t, data: data, pageSize: 50, expiresIn: 3600, valid: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the workspace URL.
func (f *fakeUC) URL() string { return f.srv.URL }

func (f *fakeUC) set(fn func(f *fakeUC)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// count returns how many requests were made to API paths starting with
// prefix (such as "/tables").
func (f *fakeUC) count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

func (f *fakeUC) recorded() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.requests...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// apiErr writes the API's error JSON.
func apiErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"error_code": code, "message": msg})
}

func (f *fakeUC) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	rec := fakeRequest{Method: r.Method, RawPath: r.URL.EscapedPath(), Query: r.URL.Query(), Auth: r.Header.Get("Authorization")}
	rec.Path = strings.TrimPrefix(r.URL.Path, apiPrefix)
	f.requests = append(f.requests, rec)
	f.inflight++
	f.peak = max(f.peak, f.inflight)
	hook := f.hook
	f.mu.Unlock()
	defer f.set(func(f *fakeUC) { f.inflight-- })

	if hook != nil && hook(w, r) {
		return
	}
	if r.URL.Path == "/oidc/v1/token" {
		f.token(w, r)
		return
	}
	if !strings.HasPrefix(r.URL.Path, apiPrefix+"/") {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		apiErr(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "only GET is served")
		return
	}
	if !f.authorized(r.Header.Get("Authorization")) {
		apiErr(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Invalid access token.")
		return
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	path := strings.TrimPrefix(r.URL.EscapedPath(), apiPrefix)
	switch {
	case path == "/metastore_summary":
		writeJSON(w, http.StatusOK, f.data.MetastoreSummary)
	case path == "/catalogs":
		items, next, ok := paginate(f, w, q, f.data.Catalogs, 1000)
		if ok {
			writeJSON(w, http.StatusOK, specListCatalogsResponse{Catalogs: items, NextPageToken: next})
		}
	case path == "/schemas":
		cat := q.Get("catalog_name")
		if !f.hasCatalog(w, cat) {
			return
		}
		var in []specSchemaInfo
		for _, s := range f.data.Schemas {
			if s.CatalogName == cat {
				in = append(in, s)
			}
		}
		items, next, ok := paginate(f, w, q, in, 1000)
		if ok {
			writeJSON(w, http.StatusOK, specListSchemasResponse{Schemas: items, NextPageToken: next})
		}
	case path == "/tables":
		cat, sch := q.Get("catalog_name"), q.Get("schema_name")
		if !f.hasCatalog(w, cat) || !f.hasSchema(w, cat, sch) {
			return
		}
		var in []specTableInfo
		for _, t := range f.data.Tables {
			if t.CatalogName == cat && t.SchemaName == sch {
				in = append(in, t)
			}
		}
		items, next, ok := paginate(f, w, q, in, 50)
		if ok {
			writeJSON(w, http.StatusOK, specListTablesResponse{Tables: items, NextPageToken: next})
		}
	case strings.HasPrefix(path, "/entity-tag-assignments/"):
		// /entity-tag-assignments/{entity_type}/{entity_name}/tags,
		// each segment path-escaped.
		seg := strings.Split(strings.TrimPrefix(path, "/entity-tag-assignments/"), "/")
		if len(seg) != 3 || seg[2] != "tags" {
			apiErr(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for that path")
			return
		}
		typ, err1 := url.PathUnescape(seg[0])
		name, err2 := url.PathUnescape(seg[1])
		if err1 != nil || err2 != nil {
			apiErr(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "bad path escaping")
			return
		}
		var in []specTagAssignment
		for _, a := range f.data.TagAssignments {
			if a.EntityType == typ && a.EntityName == name {
				in = append(in, a)
			}
		}
		items, next, ok := paginate(f, w, q, in, 1000)
		if ok {
			writeJSON(w, http.StatusOK, specListTagAssignmentsResponse{TagAssignments: items, NextPageToken: next})
		}
	default:
		apiErr(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for 'GET "+path+"'")
	}
}

func (f *fakeUC) hasCatalog(w http.ResponseWriter, name string) bool {
	if name == "" {
		apiErr(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "catalog_name is required")
		return false
	}
	for _, c := range f.data.Catalogs {
		if c.Name == name {
			return true
		}
	}
	apiErr(w, http.StatusNotFound, "CATALOG_DOES_NOT_EXIST", fmt.Sprintf("Catalog '%s' does not exist.", name))
	return false
}

func (f *fakeUC) hasSchema(w http.ResponseWriter, cat, name string) bool {
	if name == "" {
		apiErr(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "schema_name is required")
		return false
	}
	for _, s := range f.data.Schemas {
		if s.CatalogName == cat && s.Name == name {
			return true
		}
	}
	apiErr(w, http.StatusNotFound, "SCHEMA_DOES_NOT_EXIST", fmt.Sprintf("Schema '%s.%s' does not exist.", cat, name))
	return false
}

// paginate serves one page of items. Tokens are "o<offset>" for a page
// of items and "e<offset>" for an empty page (when f.empty) that points
// on to "o<offset>". It writes a 400 and reports false for a bad
// max_results or token.
func paginate[T any](f *fakeUC, w http.ResponseWriter, q url.Values, items []T, specMax int) ([]T, string, bool) {
	if !q.Has("max_results") {
		// The hosted API then returns everything (deprecated); the
		// connector must always send it.
		f.t.Errorf("listing without max_results: %v", q)
	}
	maxResults, err := strconv.Atoi(q.Get("max_results"))
	if err != nil || maxResults < 0 || maxResults > specMax {
		apiErr(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "invalid max_results")
		return nil, "", false
	}
	size := f.pageSize
	if maxResults > 0 {
		size = min(size, maxResults)
	}
	tok := q.Get("page_token")
	off := 0
	switch {
	case tok == "":
		if f.empty {
			return []T{}, "o0", true
		}
	case tok[0] == 'o' || tok[0] == 'e':
		n, err := strconv.Atoi(tok[1:])
		if err != nil || n < 0 || n > len(items) {
			apiErr(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "invalid page_token")
			return nil, "", false
		}
		if tok[0] == 'e' {
			if n == len(items) {
				return []T{}, "", true // a last, empty page without a token
			}
			return []T{}, "o" + strconv.Itoa(n), true
		}
		off = n
	default:
		apiErr(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "invalid page_token")
		return nil, "", false
	}
	end := min(off+size, len(items))
	page := append([]T{}, items[off:end]...)
	switch {
	case f.empty:
		return page, "e" + strconv.Itoa(end), true
	case end < len(items):
		return page, "o" + strconv.Itoa(end), true
	}
	return page, "", true
}

// authorized checks the Authorization header: the PAT, or a valid
// issued token. With neither configured, anything goes.
func (f *fakeUC) authorized(h string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	tok, ok := strings.CutPrefix(h, "Bearer ")
	switch {
	case f.pat != "":
		return ok && tok == f.pat
	case f.clientID != "":
		return ok && f.valid[tok]
	}
	return true
}

// token serves POST /oidc/v1/token for client credentials.
func (f *fakeUC) token(w http.ResponseWriter, r *http.Request) {
	oauthErr := func(status int, code string) {
		writeJSON(w, status, map[string]string{"error": code, "error_description": "refused: " + code})
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		oauthErr(http.StatusBadRequest, "invalid_request")
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("scope") != "all-apis" {
		oauthErr(http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, ok := r.BasicAuth()
	f.mu.Lock()
	defer f.mu.Unlock()
	if !ok || id != f.clientID || secret != f.clientSecret {
		oauthErr(http.StatusUnauthorized, "invalid_client")
		return
	}
	f.issued++
	tok := fmt.Sprintf("access-token-%d", f.issued)
	f.valid[tok] = true
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": f.expiresIn, "scope": "all-apis"})
}

// revokeAll invalidates every issued token.
func (f *fakeUC) revokeAll() { f.set(func(f *fakeUC) { clear(f.valid) }) }

// fakeClock is a settable clock for the connector's token cache and
// Retry-After dates.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sleeps records the waits the connector's retry policy asks for, without
// waiting.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// testConnector returns a connector on the fake with a fake clock and a
// retry policy that does not wait.
func testConnector(t testing.TB, f *fakeUC, opts *Options) (*Connector, *fakeClock, *sleeps) {
	t.Helper()
	c, err := New(f.URL(), f.srv.Client(), opts)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := &sleeps{}
	c.now = clock.Now
	c.retry.Sleep = s.sleep
	t.Cleanup(func() { _ = c.Close() })
	return c, clock, s
}
