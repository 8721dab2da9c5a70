//! Stores: where opaque tokens, API keys and sessions are looked up.
//!
//! The host application implements the traits over its own database; the crate ships
//! in-memory stores (for tests and small deployments) and loads them from the YAML store
//! files described in `docs/authentication.md`. A store never holds a secret: tokens, keys
//! and session ids are kept as their SHA-256, and an API key also by its visible prefix.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use foldhash::HashMap;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

/// The SHA-256 of a secret.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretHash(pub [u8; 32]);

impl SecretHash {
    /// The hash of `secret`.
    pub fn of(secret: &str) -> SecretHash {
        SecretHash(Sha256::digest(secret.as_bytes()).into())
    }

    /// Parses 64 lower-case hex digits.
    pub fn from_hex(text: &str) -> Option<SecretHash> {
        let bytes = text.as_bytes();
        if bytes.len() != 64 || !bytes.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let mut out = [0u8; 32];
        for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            let text = std::str::from_utf8(pair).ok()?;
            *slot = u8::from_str_radix(text, 16).ok()?;
        }
        Some(SecretHash(out))
    }

    /// Compares two hashes in constant time, so that how long a comparison takes says
    /// nothing about how many leading bytes matched. The hashes are compared as four
    /// 64-bit words, each in constant time: the same guarantee as byte by byte, for an
    /// eighth of the optimization barriers.
    pub fn matches(&self, other: &SecretHash) -> bool {
        use subtle::ConstantTimeEq as _;
        self.words().ct_eq(&other.words()).into()
    }

    fn words(&self) -> [u64; 4] {
        let mut words = [0u64; 4];
        for (word, bytes) in words.iter_mut().zip(self.0.chunks_exact(8)) {
            // invariant: `chunks_exact(8)` yields eight bytes; a word of zeros is unreachable.
            *word = <[u8; 8]>::try_from(bytes).map_or(0, u64::from_ne_bytes);
        }
        words
    }
}

impl fmt::Debug for SecretHash {
    /// The first four bytes only: enough to tell records apart in a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{:02x}{:02x}{:02x}{:02x}…", self.0[0], self.0[1], self.0[2], self.0[3])
    }
}

/// A stored API key: its visible prefix and the hash of the whole key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// The key's first 12 characters, shown to people to identify it.
    pub prefix: Arc<str>,
    /// The SHA-256 of the whole key.
    pub sha256: SecretHash,
    /// Who the key belongs to.
    pub principal: Arc<str>,
    /// The scopes it grants.
    pub scopes: Arc<[Arc<str>]>,
    /// When it was issued.
    pub created_at: Option<SystemTime>,
    /// When it stops working.
    pub expires_at: Option<SystemTime>,
    /// Whether it has been revoked.
    pub revoked: bool,
    /// When it was last used, as the store last recorded.
    pub last_used_at: Option<SystemTime>,
}

/// A stored opaque bearer token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
    /// The SHA-256 of the token.
    pub sha256: SecretHash,
    /// Who the token was issued to.
    pub principal: Arc<str>,
    /// The scopes it grants.
    pub scopes: Arc<[Arc<str>]>,
    /// When it stops working.
    pub expires_at: Option<SystemTime>,
    /// Whether it has been revoked.
    pub revoked: bool,
}

/// A stored server-side session.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The SHA-256 of the session id.
    pub sha256: SecretHash,
    /// The signed-in principal.
    pub principal: Arc<str>,
    /// The scopes the session grants.
    pub scopes: Arc<[Arc<str>]>,
    /// The token the page must echo in the CSRF header on unsafe methods.
    pub csrf_token: Arc<str>,
    /// When the session ends.
    pub expires_at: Option<SystemTime>,
}

impl fmt::Debug for SessionRecord {
    /// Leaves the CSRF token out: it is a secret of the session's.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRecord")
            .field("sha256", &self.sha256)
            .field("principal", &self.principal)
            .field("scopes", &self.scopes)
            .field("csrf_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Where an API key scheme finds keys.
pub trait KeyStore: Send + Sync {
    /// Every key whose visible prefix is `prefix` (a principal may hold several, for
    /// rotation). The caller compares hashes itself, in constant time.
    fn keys_with_prefix(&self, prefix: &str) -> Vec<ApiKeyRecord>;

    /// Shows `visit` every key whose visible prefix is `prefix`: what verification calls.
    /// The default walks [`KeyStore::keys_with_prefix`]; a store holding its records in
    /// memory can lend them instead, and spare each request a list and copies of records
    /// that do not match.
    fn visit_keys_with_prefix(&self, prefix: &str, visit: &mut dyn FnMut(&ApiKeyRecord)) {
        self.keys_with_prefix(prefix).iter().for_each(visit);
    }
}

/// Where an opaque token scheme finds tokens.
pub trait TokenStore: Send + Sync {
    /// The token whose hash is `sha256`, if any.
    fn token(&self, sha256: &SecretHash) -> Option<TokenRecord>;
}

/// Where a session scheme finds sessions.
pub trait SessionStore: Send + Sync {
    /// The session whose id hashes to `sha256`, if any.
    fn session(&self, sha256: &SecretHash) -> Option<SessionRecord>;
}

/// API keys in memory, indexed by prefix. Changes (`insert`, `revoke`) are seen by the next
/// request.
#[derive(Debug, Default)]
pub struct MemoryKeyStore {
    keys: RwLock<HashMap<String, Vec<ApiKeyRecord>>>,
}

impl MemoryKeyStore {
    /// Adds a key.
    pub fn insert(&self, record: ApiKeyRecord) {
        let mut keys = self.keys.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.entry(record.prefix.to_string()).or_default().push(record);
    }

    /// Revokes every key with this prefix; returns how many there were.
    pub fn revoke(&self, prefix: &str) -> usize {
        let mut keys = self.keys.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let records = keys.get_mut(prefix).map_or(&mut [][..], Vec::as_mut_slice);
        records.iter_mut().for_each(|record| record.revoked = true);
        records.len()
    }

    /// Every key, in prefix order; keys sharing a prefix in the order they were inserted.
    pub fn records(&self) -> Vec<ApiKeyRecord> {
        let keys = self.keys.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut by_prefix: Vec<(&String, &Vec<ApiKeyRecord>)> = keys.iter().collect();
        by_prefix.sort_unstable_by_key(|&(prefix, _)| prefix);
        by_prefix.into_iter().flat_map(|(_, records)| records.iter().cloned()).collect()
    }
}

impl KeyStore for MemoryKeyStore {
    fn keys_with_prefix(&self, prefix: &str) -> Vec<ApiKeyRecord> {
        let keys = self.keys.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.get(prefix).cloned().unwrap_or_default()
    }

    fn visit_keys_with_prefix(&self, prefix: &str, visit: &mut dyn FnMut(&ApiKeyRecord)) {
        let keys = self.keys.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.get(prefix).into_iter().flatten().for_each(visit);
    }
}

/// Opaque tokens in memory, indexed by hash.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: RwLock<HashMap<SecretHash, TokenRecord>>,
}

impl MemoryTokenStore {
    /// Adds (or replaces) a token.
    pub fn insert(&self, record: TokenRecord) {
        let mut tokens = self.tokens.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        tokens.insert(record.sha256, record);
    }

    /// Revokes the token whose hash is `sha256`; returns whether there was one.
    pub fn revoke(&self, sha256: &SecretHash) -> bool {
        let mut tokens = self.tokens.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        tokens.get_mut(sha256).map(|record| record.revoked = true).is_some()
    }

    /// Every token, in the order of their hashes.
    pub fn records(&self) -> Vec<TokenRecord> {
        let tokens = self.tokens.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut records: Vec<TokenRecord> = tokens.values().cloned().collect();
        records.sort_by_key(|record| record.sha256.0);
        records
    }
}

impl TokenStore for MemoryTokenStore {
    fn token(&self, sha256: &SecretHash) -> Option<TokenRecord> {
        let tokens = self.tokens.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        tokens.get(sha256).cloned()
    }
}

/// Sessions in memory, indexed by the hash of their id.
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    sessions: RwLock<HashMap<SecretHash, SessionRecord>>,
}

impl MemorySessionStore {
    /// Adds (or replaces) a session.
    pub fn insert(&self, record: SessionRecord) {
        let mut sessions = self.sessions.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        sessions.insert(record.sha256, record);
    }

    /// Ends the session whose id hashes to `sha256`; returns whether there was one.
    pub fn remove(&self, sha256: &SecretHash) -> bool {
        let mut sessions = self.sessions.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        sessions.remove(sha256).is_some()
    }

    /// Every session, in the order of their ids' hashes.
    pub fn records(&self) -> Vec<SessionRecord> {
        let sessions = self.sessions.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut records: Vec<SessionRecord> = sessions.values().cloned().collect();
        records.sort_by_key(|record| record.sha256.0);
        records
    }
}

impl SessionStore for MemorySessionStore {
    fn session(&self, sha256: &SecretHash) -> Option<SessionRecord> {
        let sessions = self.sessions.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        sessions.get(sha256).cloned()
    }
}

/// Why a store file could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreFileError {
    /// The file could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The file is not a valid store file.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        /// The file.
        path: std::path::PathBuf,
        /// Where (1-based; 1:1 when the reader gave no position).
        line: u64,
        /// Where.
        column: u64,
        /// What is wrong.
        message: String,
    },
    /// The file could not be written ([`StoreFile::save`]); the old file, if any, is intact.
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// The operating system's reason, or the record that cannot be written.
        source: std::io::Error,
    },
}

/// The contents of a store file: any of the three sections, each optional.
#[derive(Debug, Default)]
pub struct StoreFile {
    /// Keys under `api_keys`.
    pub api_keys: MemoryKeyStore,
    /// Tokens under `tokens`.
    pub tokens: MemoryTokenStore,
    /// Sessions under `sessions`.
    pub sessions: MemorySessionStore,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    api_keys: Vec<KeyEntry>,
    #[serde(default)]
    tokens: Vec<TokenEntry>,
    #[serde(default)]
    sessions: Vec<SessionEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    prefix: String,
    sha256: String,
    principal: String,
    #[serde(default)]
    scopes: Vec<String>,
    created_at: Option<String>,
    expires_at: Option<String>,
    #[serde(default)]
    revoked: bool,
    last_used_at: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenEntry {
    sha256: String,
    principal: String,
    #[serde(default)]
    scopes: Vec<String>,
    expires_at: Option<String>,
    #[serde(default)]
    revoked: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionEntry {
    sha256: String,
    principal: String,
    #[serde(default)]
    scopes: Vec<String>,
    csrf_token: String,
    expires_at: Option<String>,
}

impl StoreFile {
    /// Reads a YAML store file.
    ///
    /// # Errors
    /// [`StoreFileError`] naming the file, and the line for a malformed entry.
    pub fn load(path: impl AsRef<Path>) -> Result<StoreFile, StoreFileError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|source| StoreFileError::Io { path: path.to_path_buf(), source })?;
        StoreFile::parse(&text).map_err(|(line, column, message)| StoreFileError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message,
        })
    }

    /// Reads a store file's text.
    ///
    /// # Errors
    /// The line, column and message of the first problem.
    pub fn parse(text: &str) -> Result<StoreFile, (u64, u64, String)> {
        let options = serde_saphyr::options! { with_snippet: false };
        let shape: FileShape = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
            let (line, column) = e.location().map_or((1, 1), |at| (at.line(), at.column()));
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
            (line, column, message)
        })?;

        let file = StoreFile::default();
        let bad = |what: &str, i: usize, message: String| (1, 1, format!("{what}[{i}]: {message}"));
        for (i, entry) in shape.api_keys.into_iter().enumerate() {
            let record = key_record(entry).map_err(|m| bad("api_keys", i, m))?;
            file.api_keys.insert(record);
        }
        for (i, entry) in shape.tokens.into_iter().enumerate() {
            file.tokens.insert(token_record(entry).map_err(|m| bad("tokens", i, m))?);
        }
        for (i, entry) in shape.sessions.into_iter().enumerate() {
            file.sessions.insert(session_record(entry).map_err(|m| bad("sessions", i, m))?);
        }
        Ok(file)
    }
}

fn hash(text: &str) -> Result<SecretHash, String> {
    SecretHash::from_hex(text).ok_or_else(|| {
        "`sha256` must be 64 lower-case hex digits (the SHA-256 of the secret)".into()
    })
}

fn timestamp(text: Option<String>, field: &str) -> Result<Option<SystemTime>, String> {
    let Some(text) = text else { return Ok(None) };
    let parsed = time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| format!("`{field}` must be an RFC 3339 time, like 2027-01-01T00:00:00Z"))?;
    Ok(Some(SystemTime::from(parsed)))
}

fn key_record(entry: KeyEntry) -> Result<ApiKeyRecord, String> {
    if entry.prefix.chars().count() != super::api_key::PREFIX_CHARS {
        return Err(format!(
            "`prefix` must be the key's first {} characters",
            super::api_key::PREFIX_CHARS
        ));
    }
    Ok(ApiKeyRecord {
        prefix: entry.prefix.into(),
        sha256: hash(&entry.sha256)?,
        principal: entry.principal.into(),
        scopes: shared(entry.scopes),
        created_at: timestamp(entry.created_at, "created_at")?,
        expires_at: timestamp(entry.expires_at, "expires_at")?,
        revoked: entry.revoked,
        last_used_at: timestamp(entry.last_used_at, "last_used_at")?,
    })
}

fn token_record(entry: TokenEntry) -> Result<TokenRecord, String> {
    Ok(TokenRecord {
        sha256: hash(&entry.sha256)?,
        principal: entry.principal.into(),
        scopes: shared(entry.scopes),
        expires_at: timestamp(entry.expires_at, "expires_at")?,
        revoked: entry.revoked,
    })
}

fn session_record(entry: SessionEntry) -> Result<SessionRecord, String> {
    Ok(SessionRecord {
        sha256: hash(&entry.sha256)?,
        principal: entry.principal.into(),
        scopes: shared(entry.scopes),
        csrf_token: entry.csrf_token.into(),
        expires_at: timestamp(entry.expires_at, "expires_at")?,
    })
}

/// What a store file Portcullis writes begins with.
const WRITTEN_HEADER: &str = "\
# A Portcullis store file: secrets are kept only as their SHA-256. Comments are not kept
# when Portcullis rewrites this file.
";

impl StoreFile {
    /// Writes the store to `path` in the format [`StoreFile::load`] reads: keys in prefix
    /// order, tokens and sessions in the order of their hashes. Comments in a file this
    /// replaces are not kept.
    ///
    /// The write is atomic: the text goes to a temporary file in the same folder, which then
    /// replaces `path` in one rename, so that readers and a crash see the old file or the new
    /// one, never part of one. A file already at `path` keeps its permissions; through a
    /// symbolic link, the file the link names is the one replaced.
    ///
    /// # Errors
    /// [`StoreFileError::Write`] naming the file: the folder cannot be written, or a time is
    /// outside the years 0 to 9999, which RFC 3339 cannot write.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), StoreFileError> {
        let path = path.as_ref();
        let failed = |source| StoreFileError::Write { path: path.to_path_buf(), source };

        let text = self.to_yaml().map_err(|message| {
            failed(std::io::Error::new(std::io::ErrorKind::InvalidInput, message))
        })?;
        write_atomically(path, text.as_bytes()).map_err(failed)
    }

    /// The text [`StoreFile::save`] writes.
    fn to_yaml(&self) -> Result<String, String> {
        let mut out = String::from(WRITTEN_HEADER);
        write_section(&mut out, "api_keys", &self.api_keys.records(), key_fields)?;
        write_section(&mut out, "tokens", &self.tokens.records(), token_fields)?;
        write_section(&mut out, "sessions", &self.sessions.records(), session_fields)?;
        Ok(out)
    }
}

/// One record as a YAML mapping: its fields' names and their values, already quoted.
type Fields = Vec<(&'static str, String)>;

/// `name:` and its records as a block sequence of mappings, or `name: []`.
fn write_section<T>(
    out: &mut String,
    name: &str,
    records: &[T],
    fields: fn(&T) -> Result<Fields, String>,
) -> Result<(), String> {
    use std::fmt::Write as _;

    if records.is_empty() {
        let _ = writeln!(out, "{name}: []");
        return Ok(());
    }
    let _ = writeln!(out, "{name}:");
    for (i, record) in records.iter().enumerate() {
        let fields = fields(record).map_err(|message| format!("{name}[{i}]: {message}"))?;
        for (n, (field, value)) in fields.iter().enumerate() {
            let indent = if n == 0 { "  - " } else { "    " };
            let _ = writeln!(out, "{indent}{field}: {value}");
        }
    }
    Ok(())
}

fn key_fields(record: &ApiKeyRecord) -> Result<Fields, String> {
    let mut fields = vec![
        ("prefix", yaml_string(&record.prefix)),
        ("sha256", quoted_hex(&record.sha256)),
        ("principal", yaml_string(&record.principal)),
        ("scopes", scope_list(&record.scopes)),
    ];
    push_time(&mut fields, "created_at", record.created_at)?;
    push_time(&mut fields, "expires_at", record.expires_at)?;
    if record.revoked {
        fields.push(("revoked", "true".to_owned()));
    }
    push_time(&mut fields, "last_used_at", record.last_used_at)?;
    Ok(fields)
}

fn token_fields(record: &TokenRecord) -> Result<Fields, String> {
    let mut fields = vec![
        ("sha256", quoted_hex(&record.sha256)),
        ("principal", yaml_string(&record.principal)),
        ("scopes", scope_list(&record.scopes)),
    ];
    push_time(&mut fields, "expires_at", record.expires_at)?;
    if record.revoked {
        fields.push(("revoked", "true".to_owned()));
    }
    Ok(fields)
}

fn session_fields(record: &SessionRecord) -> Result<Fields, String> {
    let mut fields = vec![
        ("sha256", quoted_hex(&record.sha256)),
        ("principal", yaml_string(&record.principal)),
        ("scopes", scope_list(&record.scopes)),
        ("csrf_token", yaml_string(&record.csrf_token)),
    ];
    push_time(&mut fields, "expires_at", record.expires_at)?;
    Ok(fields)
}

/// The hash as the 64 hex digits [`SecretHash::from_hex`] reads, quoted so that no YAML
/// reader takes an all-digit hash for a number.
fn quoted_hex(hash: &SecretHash) -> String {
    let digits: String = hash.0.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("\"{digits}\"")
}

/// Scopes as records hold them: shared, so that a credential built from a record copies none.
fn shared(scopes: Vec<String>) -> Arc<[Arc<str>]> {
    scopes.into_iter().map(Arc::from).collect()
}

fn scope_list(scopes: &[Arc<str>]) -> String {
    let quoted: Vec<String> = scopes.iter().map(|scope| yaml_string(scope)).collect();
    format!("[{}]", quoted.join(", "))
}

/// `text` as a YAML double-quoted scalar: [`crate::quote::json`], with escapes for U+FFFE
/// and U+FFFF too, which YAML does not allow unescaped.
fn yaml_string(text: &str) -> String {
    crate::quote::json(text).replace('\u{fffe}', "\\ufffe").replace('\u{ffff}', "\\uffff")
}

fn push_time(
    fields: &mut Fields,
    name: &'static str,
    at: Option<SystemTime>,
) -> Result<(), String> {
    let Some(at) = at else { return Ok(()) };
    let text = rfc3339(at).ok_or_else(|| {
        format!("`{name}` is outside the years 0 to 9999, which RFC 3339 cannot write")
    })?;
    fields.push((name, text));
    Ok(())
}

/// `at` in RFC 3339, in UTC, with as many digits of a second as it needs.
fn rfc3339(at: SystemTime) -> Option<String> {
    let nanos = match at.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).ok()?,
        Err(before) => -i128::try_from(before.duration().as_nanos()).ok()?,
    };
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?;
    at.format(&time::format_description::well_known::Rfc3339).ok()
}

/// Writes `bytes` to a new temporary file beside `path`, then renames it over `path`; on
/// failure the temporary file is removed and `path` is untouched.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // Through a symbolic link, replace the file it names rather than the link.
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let Some(name) = path.file_name() else {
        let message = "the path names a folder, not a file";
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, message));
    };
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let temporary = folder.join(temporary_name(name));

    let written =
        write_new(&temporary, &path, bytes).and_then(|()| std::fs::rename(&temporary, &path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written?;

    // Make the rename itself durable; not every platform can open a folder for this.
    if let Ok(folder) = std::fs::File::open(folder) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// `.NAME.PID-N.tmp`: hidden, and never the name another save is using at the same time.
fn temporary_name(name: &std::ffi::OsStr) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SAVES: AtomicU64 = AtomicU64::new(0);

    let n = SAVES.fetch_add(1, Ordering::Relaxed);
    format!(".{}.{}-{n}.tmp", name.to_string_lossy(), std::process::id())
}

/// Creates `temporary` with `target`'s permissions (if it exists) and writes `bytes` to disk.
fn write_new(temporary: &Path, target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;

    let create = || std::fs::OpenOptions::new().write(true).create_new(true).open(temporary);
    let mut file = match create() {
        // Left by a process that crashed: no live process uses this name.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(temporary)?;
            create()?
        }
        opened => opened?,
    };
    if let Ok(metadata) = std::fs::metadata(target) {
        file.set_permissions(metadata.permissions())?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::SecretHash;

    #[test]
    fn hashes_match_only_when_every_byte_does() {
        let hash = SecretHash::of("sk_test_secret");
        assert!(hash.matches(&SecretHash::of("sk_test_secret")));
        assert!(!hash.matches(&SecretHash::of("sk_test_secreT")));
        // One bit off in each of the four words, at its first and last byte.
        for byte in [0, 7, 8, 15, 16, 23, 24, 31] {
            let mut other = hash;
            if let Some(b) = other.0.get_mut(byte) {
                *b ^= 1;
            }
            assert!(!hash.matches(&other), "byte {byte}");
        }
    }
}
