package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
)

// Prefixes of the environment variables (and KEY=VALUE file lines) that
// hold credentials: GOVKIT_CRED_<KEY>__<NAME> for a connection,
// GOVKIT_TAGCRED_<KEY>__<NAME> for reading its tags (B20).
const (
	envCredPrefix    = "GOVKIT_CRED_"
	envTagCredPrefix = "GOVKIT_TAGCRED_"
	envCredSeparator = "__"
)

// credentials are the secrets given to connctl for this run. They are
// handed to the library through connection.Options.Credentials and are
// never stored or printed.
type credentials struct {
	// file and env map a use, then a connection key normalized by envKey,
	// to the credentials the file and the environment give.
	file map[connectors.Use]map[string]connectors.Credentials
	env  map[connectors.Use]map[string]connectors.Credentials
	// warnings are things worth telling the operator, such as a
	// credentials file others can read.
	warnings []string
}

// credentialsFile is the JSON form of a credentials file.
type credentialsFile struct {
	Connections map[string]map[string]string `json:"connections"`
	Tags        map[string]map[string]string `json:"tags"`
}

// envKey is a connection key as it appears in an environment variable:
// upper case, "-" as "_".
func envKey(key string) string {
	return strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
}

// loadCredentials reads the credentials in the environment and, when path
// is not empty, in the file.
func loadCredentials(environ []string, path string) (*credentials, error) {
	c := &credentials{
		file: map[connectors.Use]map[string]connectors.Credentials{},
		env:  map[connectors.Use]map[string]connectors.Credentials{},
	}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		c.addEnv(c.env, k, v)
	}
	if path == "" {
		return c, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErrorf("credentials file: %v", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		c.warnings = append(c.warnings, fmt.Sprintf("credentials file %s can be read by others (mode %v); chmod 600 it", path, fi.Mode().Perm()))
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var f credentialsFile
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			// The decoder's message names fields and offsets, never values.
			return nil, usageErrorf("credentials file %s: %v (want {\"connections\": {KEY: {NAME: VALUE}}, \"tags\": {...}})", path, err)
		}
		for use, m := range map[connectors.Use]map[string]map[string]string{connectors.UseConnection: f.Connections, connectors.UseTags: f.Tags} {
			for key, creds := range m {
				for name, v := range creds {
					c.put(c.file, use, envKey(key), strings.ToLower(name), v)
				}
			}
		}
		return c, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, usageErrorf("credentials file %s, line %d: want NAME=VALUE", path, n)
		}
		k = strings.TrimSpace(k)
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		if !c.addEnv(c.file, k, v) {
			return nil, usageErrorf("credentials file %s, line %d: %s is not %s<KEY>%s<NAME> or %s<KEY>%s<NAME>",
				path, n, k, envCredPrefix, envCredSeparator, envTagCredPrefix, envCredSeparator)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, usageErrorf("credentials file %s: %v", path, err)
	}
	return c, nil
}

// addEnv records the variable k=v if it names a credential, and reports
// whether it did.
func (c *credentials) addEnv(dst map[connectors.Use]map[string]connectors.Credentials, k, v string) bool {
	use := connectors.UseConnection
	rest, ok := strings.CutPrefix(k, envCredPrefix)
	if !ok {
		if rest, ok = strings.CutPrefix(k, envTagCredPrefix); !ok {
			return false
		}
		use = connectors.UseTags
	}
	key, name, ok := strings.Cut(rest, envCredSeparator)
	if !ok || key == "" || name == "" {
		return false
	}
	c.put(dst, use, envKey(key), strings.ToLower(name), v)
	return true
}

func (c *credentials) put(dst map[connectors.Use]map[string]connectors.Credentials, use connectors.Use, key, name, v string) {
	if dst[use] == nil {
		dst[use] = map[string]connectors.Credentials{}
	}
	if dst[use][key] == nil {
		dst[use][key] = connectors.Credentials{}
	}
	dst[use][key][name] = v
}

// lookup is the connectors.CredentialsFunc connctl gives the library:
// the file's credentials for the connection, overridden name by name by
// the environment's. None gives an error matching connections.ErrNotFound,
// which the library reads as "open without credentials" for the
// connection, and as "use the connection's" for tags.
func (c *credentials) lookup(_ context.Context, key string, use connectors.Use) (connectors.Credentials, error) {
	k := envKey(key)
	out := connectors.Credentials{}
	for name, v := range c.file[use][k] {
		out[name] = v
	}
	for name, v := range c.env[use][k] {
		out[name] = v
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no %s credentials for %q: %w", use, key, connections.ErrNotFound)
	}
	return out, nil
}
