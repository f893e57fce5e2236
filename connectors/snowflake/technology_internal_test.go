package snowflake

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/snowflakedb/gosnowflake"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
)

// testdata holds one throwaway 1024-bit RSA key, made for these tests and
// registered nowhere, written by OpenSSL 3 in each format the connector
// reads (and some it refuses), encrypted with this passphrase.
const passphrase = "correct horse"

func readKey(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParsePrivateKey(t *testing.T) {
	plain, err := parsePrivateKey(readKey(t, "key.pem"), "")
	if err != nil {
		t.Fatal(err)
	}
	// Keys written by OpenSSL 3 (openssl pkcs8 -topk8 -v2 ...).
	for _, name := range []string{"key_aes256_sha256.pem", "key_aes128_sha1.pem", "key_des3.pem", "key_pkcs1.pem"} {
		k, err := parsePrivateKey(readKey(t, name), passphrase)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !k.Equal(plain) {
			t.Errorf("%s: a different key", name)
		}
	}
	block, _ := pem.Decode([]byte(readKey(t, "key.pem")))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
		k, err := parsePrivateKey(enc.EncodeToString(block.Bytes), "")
		if err != nil || !k.Equal(plain) {
			t.Errorf("base64 DER: %v", err)
		}
	}
	der, _ := x509.MarshalPKCS8PrivateKey(plain)
	if k, err := parsePrivateKey("\n"+string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))+"\n", ""); err != nil || !k.Equal(plain) {
		t.Errorf("padded PEM: %v", err)
	}

	bad := []struct{ name, key, pass, want string }{
		{"wrong passphrase", readKey(t, "key_aes256_sha256.pem"), "wrong horse", "wrong private_key_passphrase"},
		{"wrong passphrase des3", readKey(t, "key_des3.pem"), "wrong horse", "wrong private_key_passphrase"},
		{"no passphrase", readKey(t, "key_aes256_sha256.pem"), "", "private_key_passphrase is required"},
		{"PBES1", readKey(t, "key_pbes1.pem"), passphrase, "only PBES2"},
		{"scrypt", readKey(t, "key_scrypt.pem"), passphrase, "only PBKDF2"},
		{"EC key", readKey(t, "ec.pem"), "", "needs an RSA key"},
		{"garbage", "not a key at all!", "", "neither a PEM block"},
		{"empty PEM body", "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n", "", "invalid PKCS#8"},
		{"truncated encrypted", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIC3TBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQIkcYX\n-----END ENCRYPTED PRIVATE KEY-----\n", passphrase, "invalid encrypted PKCS#8"},
		{"other block", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "", "unsupported PEM block"},
	}
	for _, tc := range bad {
		_, err := parsePrivateKey(tc.key, tc.pass)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if tc.pass != "" && strings.Contains(err.Error(), tc.pass) {
			t.Errorf("%s: passphrase in error", tc.name)
		}
		if strings.Contains(err.Error(), "MII") {
			t.Errorf("%s: key material in error", tc.name)
		}
	}
}

func TestDriverConfig(t *testing.T) {
	key := readKey(t, "key_aes256_sha256.pem")
	cases := []struct {
		name  string
		cfg   connectors.Config
		creds connectors.Credentials
		check func(t *testing.T, c gosnowflake.Config)
	}{
		{"password", connectors.Config{"account": "myorg-acct", "user": "SVC", "warehouse": "WH", "role": "R", "query_tag": "govkit"},
			connectors.Credentials{"password": "pw"}, func(t *testing.T, c gosnowflake.Config) {
				if c.Authenticator != gosnowflake.AuthTypeSnowflake || c.Password != "pw" || c.User != "SVC" || c.Account != "myorg-acct" ||
					c.Warehouse != "WH" || c.Role != "R" || *c.Params["QUERY_TAG"] != "govkit" {
					t.Errorf("%+v", c)
				}
			}},
		{"key pair inferred", connectors.Config{"account": "a", "user": "SVC", "host": "localhost", "port": "8443", "protocol": "http"},
			connectors.Credentials{"private_key": key, "private_key_passphrase": passphrase}, func(t *testing.T, c gosnowflake.Config) {
				if c.Authenticator != gosnowflake.AuthTypeJwt || c.PrivateKey == nil || c.Password != "" || c.Host != "localhost" || c.Port != 8443 || c.Protocol != "http" {
					t.Errorf("%+v", c)
				}
			}},
		{"oauth inferred", connectors.Config{"account": "a"}, connectors.Credentials{"token": "tok"}, func(t *testing.T, c gosnowflake.Config) {
			if c.Authenticator != gosnowflake.AuthTypeOAuth || c.Token != "tok" {
				t.Errorf("%+v", c)
			}
		}},
		{"pat", connectors.Config{"account": "a", "user": "u", "authenticator": "PROGRAMMATIC_ACCESS_TOKEN"}, connectors.Credentials{"token": "tok"}, func(t *testing.T, c gosnowflake.Config) {
			if c.Authenticator != gosnowflake.AuthTypePat || c.Token != "tok" {
				t.Errorf("%+v", c)
			}
		}},
		{"client credentials", connectors.Config{"account": "a", "oauth_client_id": "id", "oauth_token_request_url": "https://idp/token", "oauth_scope": "session:role:R"},
			connectors.Credentials{"oauth_client_secret": "sec"}, func(t *testing.T, c gosnowflake.Config) {
				if c.Authenticator != gosnowflake.AuthTypeOAuthClientCredentials || c.OauthClientID != "id" || c.OauthClientSecret != "sec" ||
					c.OauthTokenRequestURL != "https://idp/token" || c.OauthScope != "session:role:R" {
					t.Errorf("%+v", c)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := driverConfig(tc.cfg, tc.creds)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}

	secret := "Sup3r-S3cret"
	bad := []struct {
		name  string
		cfg   connectors.Config
		creds connectors.Credentials
		want  string
	}{
		{"no account", connectors.Config{"user": "u"}, connectors.Credentials{"password": secret}, "account is required"},
		{"bad account", connectors.Config{"account": "https://x.snowflakecomputing.com"}, nil, "not an account identifier"},
		{"unknown key", connectors.Config{"account": "a", "warehous": "WH"}, nil, `unknown config key "warehous"`},
		{"unknown authenticator", connectors.Config{"account": "a", "authenticator": "externalbrowser"}, nil, "unknown authenticator"},
		{"bad port", connectors.Config{"account": "a", "port": "http"}, nil, "not a port"},
		{"bad protocol", connectors.Config{"account": "a", "protocol": "ftp"}, nil, "http or https"},
		{"bad page size", connectors.Config{"account": "a", "page_size": "20000"}, nil, "from 1 to 10000"},
		{"bad bool", connectors.Config{"account": "a", "include_imported_databases": "maybe"}, nil, "true or false"},
		{"password without user", connectors.Config{"account": "a"}, connectors.Credentials{"password": secret}, "user is required"},
		{"no password", connectors.Config{"account": "a", "user": "u"}, connectors.Credentials{"token": ""}, `credential "password" is required`},
		{"explicit jwt without key", connectors.Config{"account": "a", "user": "u", "authenticator": "snowflake_jwt"}, connectors.Credentials{"password": secret}, `credential "private_key" is required`},
		{"bad key", connectors.Config{"account": "a", "user": "u"}, connectors.Credentials{"private_key": "-----BEGIN PRIVATE KEY-----\n" + secret + "\n-----END PRIVATE KEY-----", "private_key_passphrase": secret}, "private_key"},
		{"wrong passphrase", connectors.Config{"account": "a", "user": "u"}, connectors.Credentials{"private_key": key, "private_key_passphrase": secret}, "wrong private_key_passphrase"},
		{"client credentials without id", connectors.Config{"account": "a", "authenticator": "oauth_client_credentials"}, connectors.Credentials{"oauth_client_secret": secret}, "oauth_client_id is required"},
		{"oauth without token", connectors.Config{"account": "a", "authenticator": "oauth"}, connectors.Credentials{"password": secret}, `credential "token" is required`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := driverConfig(tc.cfg, tc.creds)
			if !errors.Is(err, connections.ErrInvalidInput) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v", err)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "MII") {
				t.Fatalf("secret in error %q", err)
			}
		})
	}
}

func TestClassifyNetworkAndDriverErrors(t *testing.T) {
	for _, n := range []int{gosnowflake.ErrCodeEmptyAccountCode, gosnowflake.ErrCodeEmptyUsernameCode, gosnowflake.ErrCodeEmptyPasswordCode, gosnowflake.ErrCodePrivateKeyParseError} {
		if s, tr := classify(&gosnowflake.SnowflakeError{Number: n}); s != connections.ErrInvalidInput || tr {
			t.Errorf("%d: %v %v", n, s, tr)
		}
	}
	if _, tr := classify(&gosnowflake.SnowflakeError{Number: gosnowflake.ErrFailedToPostQuery, MessageArgs: []any{400, "u"}}); tr {
		t.Error("HTTP 400 retried")
	}
	if s, _ := classify(&gosnowflake.SnowflakeError{Number: gosnowflake.ErrFailedToAuth, MessageArgs: []any{400, "u"}}); s != connections.ErrPermissionDenied {
		t.Error("auth failure")
	}
	if _, tr := classify(&gosnowflake.SnowflakeError{Number: 1234, SQLState: "08006"}); !tr {
		t.Error("connection failure state not retried")
	}
	if s, tr := classify(errors.New("plain")); s != nil || tr {
		t.Error("plain error")
	}
}

func TestRedactor(t *testing.T) {
	key := readKey(t, "key_aes256_sha256.pem")
	r := newRedactor("", "  ", "pw", key)
	line := strings.Split(key, "\n")[3]
	got := r.redact("login failed for pw with key line " + line + " and " + key)
	if strings.Contains(got, "pw") || strings.Contains(got, line) || strings.Contains(got, "MII") {
		t.Fatalf("%q", got)
	}
	if !strings.Contains(got, "-----BEGIN") && !strings.Contains(got, redacted) {
		t.Fatalf("%q", got)
	}
}
