// Package snowflake is the Snowflake connector: it reads an account's
// hierarchy, account > database > schema > object, with each object's
// columns, and the tags set on objects and columns. It implements
// connectors.Connector and connectors.TagReader on the gosnowflake
// driver, which only this package imports (it brings AWS, Azure and
// Arrow SDKs along).
//
// # Opening
//
// A host either registers [Technology] in a connectors.Registry, whose
// Open signs in with a Config and Credentials, or calls [Open] itself to
// pass [Options], or builds its own *sql.DB and calls [New] (tests pass a
// go-sqlmock or fake driver here). Opening does not connect; [Connector.Check]
// does, and says whether the credentials and warehouse work.
//
// Importing this package runs gosnowflake's initialisation: it registers
// the "snowflake" database/sql driver and, in the background, unpacks the
// driver's native "minicore" library into a temporary directory (build
// with the tag minicore_disabled to turn that off).
//
// # Config keys
//
//	account                     required: the account identifier, such as myorg-myaccount
//	user                        login name; required for password and key-pair sign-in
//	authenticator               snowflake (password), snowflake_jwt (key pair), oauth (access
//	                            token), programmatic_access_token, oauth_client_credentials;
//	                            empty: inferred from the credentials given (private_key: key
//	                            pair; token: oauth; oauth_client_secret: client credentials;
//	                            otherwise password)
//	warehouse                   warehouse for the INFORMATION_SCHEMA and ACCOUNT_USAGE queries
//	role                        role to use; it decides what the connector can see
//	host, port, protocol        endpoint override (private link, proxies, tests)
//	oauth_client_id             client id for oauth_client_credentials
//	oauth_token_request_url     token endpoint for oauth_client_credentials
//	oauth_scope                 scope for oauth_client_credentials (default: from the role)
//	query_tag                   session QUERY_TAG, to find the connector's queries in history
//	page_size                   SHOW page size, 1 to 10000 (default 10000)
//	include_imported_databases  true to list imported (shared) and application databases
//
// Unknown config keys are refused, so that a typo does not go unnoticed.
//
// # Credentials keys
//
//	password                    password (authenticator snowflake)
//	private_key                 RSA key for key-pair sign-in: PEM PKCS#8 ("PRIVATE KEY"), PEM
//	                            encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY", PBES2 with PBKDF2 and
//	                            AES-CBC or 3DES, as `openssl pkcs8 -topk8 -v2 aes256` writes),
//	                            PEM PKCS#1 ("RSA PRIVATE KEY"), or base64 PKCS#8 DER
//	private_key_passphrase      passphrase of an encrypted private_key
//	token                       OAuth access token, or programmatic access token
//	oauth_client_secret         client secret for oauth_client_credentials
//
// Credential values never appear in errors or logs: Open removes every one
// of them from the text of the errors it returns, including the driver's
// own messages.
//
// # SQL, level by level
//
// Every SHOW command is paged, because Snowflake refuses SHOW output of
// more than 10,000 rows (error 090153): the command is sent with LIMIT n,
// then with LIMIT n FROM '<last name seen>', until a page comes back
// shorter than n. The cursor is case-sensitive and matched by name, so each
// command is scoped to one container; a first row equal to the cursor is
// dropped; quotes and backslashes in the cursor are escaped. SHOW commands
// run in the cloud services layer and need no warehouse.
//
//	account    SELECT CURRENT_ORGANIZATION_NAME() AS ORGANIZATION_NAME, CURRENT_ACCOUNT_NAME() AS ACCOUNT_NAME,
//	           CURRENT_VERSION() AS VERSION, CURRENT_ROLE() AS ROLE, CURRENT_WAREHOUSE() AS WAREHOUSE
//	check      the account query (the session must have a warehouse), then SHOW DATABASES LIMIT 1
//	databases  SHOW DATABASES LIMIT 10000 [FROM '<last>']
//	schemas    SHOW SCHEMAS IN DATABASE "<db>" LIMIT 10000 [FROM '<last>']
//	objects    SHOW TABLES IN SCHEMA "<db>"."<schema>" LIMIT 10000 [FROM '<last>']
//	           SHOW VIEWS IN SCHEMA "<db>"."<schema>" LIMIT 10000 [FROM '<last>']
//	columns    SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, ... FROM "<db>".INFORMATION_SCHEMA.COLUMNS
//	           WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION
//	tags       SELECT TAG_DATABASE, TAG_SCHEMA, TAG_NAME, TAG_VALUE, DOMAIN, OBJECT_NAME, COLUMN_NAME
//	           FROM SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES WHERE OBJECT_DELETED IS NULL
//	           AND OBJECT_DATABASE = ? AND OBJECT_SCHEMA = ? AND DOMAIN IN ('TABLE', 'COLUMN') ORDER BY ...
//	           and, only when that finds no tag:
//	           SHOW SCHEMAS IN DATABASE "<db>" STARTS WITH '<schema>' LIMIT 1
//
// Identifiers are quoted exactly as SHOW output spells them (a double
// quote doubled), so names keep their case and may hold any character.
// The number of queries grows with the number of schemas, not of tables:
// a schema costs one page of SHOW TABLES, one of SHOW VIEWS (more past
// 10,000 objects) and one columns query. The one exception: when
// Snowflake answers the columns query with error 090030 ("Information
// schema query returned too much data"), the connector logs a warning and
// reads that schema's columns one table at a time (the same query with
// AND TABLE_NAME = ?).
//
// The columns query needs a warehouse; Check reports a session without
// one. Column types are written as in DDL: NUMBER(38,0), TEXT(16777216),
// TIMESTAMP_NTZ(9), BOOLEAN.
//
// # What is listed
//
// Databases of kind IMPORTED DATABASE (shares, among them SNOWFLAKE and
// SNOWFLAKE_SAMPLE_DATA) and APPLICATION (native apps) are skipped unless
// Options.IncludeImported or the include_imported_databases key is set:
// their metadata belongs to another account or to an application. A
// listed database's Type is hierarchy.TypeDatabase, or its kind when it
// is not STANDARD. The INFORMATION_SCHEMA schema is skipped. Like SHOW
// itself, the connector sees only what the role may see.
//
// Object types (B2) come from the SHOW TABLES flags, first match wins:
// is_dynamic hierarchy.TypeDynamic, is_iceberg TypeIceberg, is_hybrid
// TypeHybrid, is_event TypeEvent, is_external TypeExternal; otherwise the
// kind column, TRANSIENT [TypeTransient] and TEMPORARY [TypeTemporary],
// else TypeTable. SHOW VIEWS rows are TypeView, or TypeMaterializedView
// when is_materialized is true; secure views are views.
//
// # Tags
//
// [Connector.Tags] reads SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES: tags set
// directly on the schema's tables, views and other objects (domain
// TABLE) and on their columns (domain COLUMN); dropped objects are
// filtered out. A tag's name is qualified with the database and schema
// the tag lives in, TAG_DATABASE.TAG_SCHEMA.TAG_NAME, in the hierarchy
// path text form (a "." or "\" inside a part escaped with "\"), because
// tags of one name in different schemas are different tags. The view
// lags up to two hours and holds no inherited tags. Reading it needs
// IMPORTED PRIVILEGES on the SNOWFLAKE database (or its
// GOVERNANCE_VIEWER database role) and a warehouse. When a schema has no
// tag, one SHOW SCHEMAS ... STARTS WITH query tells an untagged schema
// (no tags) from one that does not exist or that the role cannot see
// (an error matching connections.ErrNotFound). Tags may be read
// with other credentials than the hierarchy (B20): open a second
// Connector with them.
//
// # Errors
//
// Errors are *connections.Error values naming the step ("snowflake: list
// tables") and the object path, wrapping a connections sentinel where one
// fits; errors.As still finds the *gosnowflake.SnowflakeError.
//
//   - 002003 and 002043 (does not exist or not authorized):
//     connections.ErrNotFound. Snowflake does not tell a missing object
//     from one the role may not see, and SHOW lists neither, so for the
//     connector both are absent. In Tags, where the query filters by value
//     and cannot miss an object, 002003 means the role may not read
//     ACCOUNT_USAGE: connections.ErrPermissionDenied.
//   - 003001 (insufficient privileges), SQL state 42501, sign-in and
//     session errors 390100 to 390499 (wrong password, invalid JWT,
//     invalid or expired OAuth token, locked user, network policy, role
//     or warehouse not granted) and HTTP 401/403 at sign-in:
//     connections.ErrPermissionDenied.
//   - 000606 (no active warehouse) and configuration errors the driver
//     finds: connections.ErrInvalidInput.
//   - A cancelled or expired context: the error matches ctx.Err().
//
// Failures that pass are retried with jittered exponential backoff that
// honours the context (Options.MaxAttempts, Options.RetryDelay): HTTP
// 408, 429 and 5xx the driver gives up on (errors 261000 and 261004 with
// that status), service unavailable at sign-in (260007), result chunks
// that fail to download (262000), a session that is gone (390111), SQL
// states 08001 and 08006, and network errors (connection reset or
// refused, timeouts, unexpected EOF, driver.ErrBadConn).
//
// # Logging
//
// The connector logs only to the *slog.Logger in Options (nil: silent).
// gosnowflake has its own process-wide logger, at level "error" by
// default, that masks secrets; a host that wants it quiet calls
// gosnowflake.GetLogger().SetLogLevel("OFF") itself: this package does
// not change global state.
package snowflake
