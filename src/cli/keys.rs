//! `portcullis keys new|list|revoke|audit --store FILE`: the API keys of a YAML store file
//! (the format `decide --store` reads). This file owns the verb: generating a key, printing
//! it once and storing only its prefix and hash; listing keys without their secrets;
//! revoking them by prefix; and auditing for active keys nobody uses. Reading the store and
//! writing it back atomically, with its `tokens` and `sessions`, is the library's
//! (`StoreFile::load` and `StoreFile::save`).
//!
//! Exit status 0 when all went well; 1 when `revoke` matched no key or `audit` found unused
//! keys; 2 for usage errors and for a store that cannot be read, parsed or written.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration as StdDuration, SystemTime};

use portcullis::authn::api_key::{PREFIX_CHARS, generate_api_key};
use portcullis::authn::store::{ApiKeyRecord, KeyStore as _, StoreFile, StoreFileError};
use portcullis::model::{Duration, is_scope_name};

#[derive(clap::Args)]
pub(super) struct Args {
    #[command(subcommand)]
    verb: Verb,
}

#[derive(clap::Subcommand)]
enum Verb {
    /// Generate a key, print it once and store only its prefix and SHA-256.
    New(NewArgs),
    /// List the keys: prefix, principal, scopes, dates and status; never a secret.
    List(Common),
    /// Revoke every key with a prefix (its first 12 characters, as `list` shows them).
    Revoke(RevokeArgs),
    /// List the active keys unused for a while, and exit 1 if there are any.
    Audit(AuditArgs),
}

#[derive(clap::Args)]
struct Common {
    /// The store file (YAML, as `decide --store` reads it).
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// The time to judge by (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339", hide = true)]
    now: Option<String>,
}

#[derive(clap::Args)]
struct NewArgs {
    #[command(flatten)]
    common: Common,
    /// Who the key belongs to.
    #[arg(long)]
    principal: String,
    /// The scopes the key grants, separated by commas.
    #[arg(long, value_name = "SCOPE,...", value_delimiter = ',', required = true)]
    scopes: Vec<String>,
    /// What the key starts with: at most 8 letters, digits, `_` or `-`.
    #[arg(long, default_value = "sk_live_")]
    prefix: String,
    /// How long the key works, like `90d` or `12h`; default: until revoked.
    #[arg(long, value_name = "DURATION")]
    expires: Option<String>,
}

#[derive(clap::Args)]
struct RevokeArgs {
    #[command(flatten)]
    common: Common,
    /// The prefix of the keys to revoke.
    prefix: String,
}

#[derive(clap::Args)]
struct AuditArgs {
    #[command(flatten)]
    common: Common,
    /// How many days without use make an active key unused; a key's last use is its
    /// `last_used_at`, or else its `created_at`.
    #[arg(long, value_name = "DAYS", default_value_t = 90)]
    unused_days: u32,
}

/// Why the verb stopped: the message for standard error and the exit status.
struct Failure {
    status: u8,
    message: String,
}

impl Failure {
    /// A usage error, or a store that cannot be read or written: status 2.
    fn fatal(message: String) -> Failure {
        Failure { status: 2, message }
    }

    /// `revoke` matched nothing: status 1.
    fn no_match(message: String) -> Failure {
        Failure { status: 1, message }
    }
}

/// Random characters a new key's 12-character prefix holds at least, so that prefixes tell
/// keys apart.
const RANDOM_PREFIX_CHARS: usize = 4;

/// How many keys `new` generates, at most, looking for a prefix no stored key has.
const ATTEMPTS: usize = 16;

const SECONDS_PER_DAY: u64 = 86_400;

/// Whether a key works now.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Active,
    Revoked,
    Expired,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Revoked => "revoked",
            Status::Expired => "expired",
        }
    }
}

pub(super) fn run(args: &Args) -> ExitCode {
    let result = match &args.verb {
        Verb::New(args) => new(args),
        Verb::List(common) => list(common),
        Verb::Revoke(args) => revoke(args),
        Verb::Audit(args) => audit(args),
    };
    result.unwrap_or_else(|failure| {
        eprintln!("error: {}", failure.message);
        ExitCode::from(failure.status)
    })
}

fn new(args: &NewArgs) -> Result<ExitCode, Failure> {
    let now = whole_seconds(now(&args.common)?);
    check_principal(&args.principal)?;
    let scopes = scopes(&args.scopes)?;
    check_key_prefix(&args.prefix)?;
    let expires_at = expiry(args.expires.as_deref(), now)?;
    let path = &args.common.store;
    let store = load_or_create(path)?;

    let (key, mut record) = generate(&store, args, &scopes, now)?;
    record.expires_at = expires_at;
    let prefix = record.prefix.clone();
    store.api_keys.insert(record);
    save(&store, path)?;

    print_once(&key, &prefix, path)?;
    let file = path.display();
    eprintln!(
        "stored key {prefix} for {} in {file}; copy the key now: it is not shown again",
        quoted(&args.principal)
    );
    Ok(ExitCode::SUCCESS)
}

fn list(common: &Common) -> Result<ExitCode, Failure> {
    let now = now(common)?;
    let store = load(&common.store)?;
    let records = store.api_keys.records();

    let mut out = std::io::stdout().lock();
    if records.is_empty() {
        say!(out, "no API keys in {}", common.store.display());
        return Ok(ExitCode::SUCCESS);
    }
    let header = ["PREFIX", "PRINCIPAL", "SCOPES", "CREATED", "EXPIRES", "LAST USED", "STATUS"];
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|record| {
            let mut row = identity(record);
            row.push(time_or(record.expires_at, "never"));
            row.push(time_or(record.last_used_at, "never"));
            row.push(status(record, now).as_str().to_owned());
            row
        })
        .collect();
    print_table(&mut out, &header, &rows);
    Ok(ExitCode::SUCCESS)
}

fn revoke(args: &RevokeArgs) -> Result<ExitCode, Failure> {
    check_revoked_prefix(&args.prefix)?;
    let path = &args.common.store;
    let store = load(path)?;

    let matching = store.api_keys.keys_with_prefix(&args.prefix);
    if matching.is_empty() {
        let file = path.display();
        return Err(Failure::no_match(format!(
            "no API key in {file} has the prefix {}; `portcullis keys list --store {file}` \
             shows the prefixes",
            quoted(&args.prefix)
        )));
    }
    let already = matching.iter().filter(|record| record.revoked).count();
    if already < matching.len() {
        store.api_keys.revoke(&args.prefix);
        save(&store, path)?;
    }

    let mut out = std::io::stdout().lock();
    let (prefix, file) = (&args.prefix, path.display());
    let newly = matching.len() - already;
    match (newly, already) {
        (0, 1) => say!(out, "the key with prefix {prefix} in {file} was already revoked"),
        (0, _) => {
            say!(out, "the {already} keys with prefix {prefix} in {file} were already revoked")
        }
        (1, 0) => say!(out, "revoked the key with prefix {prefix} in {file}"),
        (_, 0) => say!(out, "revoked the {newly} keys with prefix {prefix} in {file}"),
        (_, _) => {
            let total = matching.len();
            say!(out, "revoked {newly} of the {total} keys with prefix {prefix} in {file}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn audit(args: &AuditArgs) -> Result<ExitCode, Failure> {
    let now = now(&args.common)?;
    let store = load(&args.common.store)?;
    let limit = StdDuration::from_secs(u64::from(args.unused_days) * SECONDS_PER_DAY);

    let unused: Vec<ApiKeyRecord> = store
        .api_keys
        .records()
        .into_iter()
        .filter(|record| status(record, now) == Status::Active)
        .filter(|record| idle(record, now).is_none_or(|idle| idle >= limit))
        .collect();

    let mut out = std::io::stdout().lock();
    let (file, days) = (args.common.store.display(), args.unused_days);
    if unused.is_empty() {
        say!(out, "{file}: no active key has gone unused for {days} days");
        return Ok(ExitCode::SUCCESS);
    }
    let keys = if unused.len() == 1 { "key" } else { "keys" };
    say!(out, "{file}: {} active {keys} unused for {days} days or more:", unused.len());
    let header = ["PREFIX", "PRINCIPAL", "SCOPES", "CREATED", "LAST USED", "IDLE"];
    let rows: Vec<Vec<String>> = unused
        .iter()
        .map(|record| {
            let mut row = identity(record);
            row.push(time_or(record.last_used_at, "never"));
            row.push(idle(record, now).map_or("unknown".to_owned(), |idle| {
                format!("{} days", idle.as_secs() / SECONDS_PER_DAY)
            }));
            row
        })
        .collect();
    print_table(&mut out, &header, &rows);
    Ok(ExitCode::from(1))
}

/// `--now`, or the clock.
fn now(common: &Common) -> Result<SystemTime, Failure> {
    let Some(text) = &common.now else { return Ok(SystemTime::now()) };
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(SystemTime::from)
        .map_err(|_| {
            Failure::fatal(format!(
                "--now `{text}` is not an RFC 3339 time, like 2026-12-01T10:00:00Z"
            ))
        })
}

/// `at` without its fraction of a second, for a store people read.
fn whole_seconds(at: SystemTime) -> SystemTime {
    let fraction = at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    at - StdDuration::from_nanos(u64::from(fraction))
}

fn check_principal(principal: &str) -> Result<(), Failure> {
    if principal.trim().is_empty() || principal.chars().any(char::is_control) {
        return Err(Failure::fatal(format!(
            "--principal {} must name who the key belongs to, without control characters",
            quoted(principal)
        )));
    }
    Ok(())
}

/// The scopes, each checked to be one a policy can name, without repeats.
fn scopes(given: &[String]) -> Result<Vec<&str>, Failure> {
    let mut scopes: Vec<&str> = Vec::new();
    for scope in given.iter().map(|scope| scope.trim()) {
        if !is_scope_name(scope) {
            return Err(Failure::fatal(format!(
                "--scopes: {} is not a scope name; write names like `data:read` (a letter or \
                 digit, then letters, digits and `_ . : / -`) separated by commas",
                quoted(scope)
            )));
        }
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    Ok(scopes)
}

fn check_key_prefix(prefix: &str) -> Result<(), Failure> {
    let longest = PREFIX_CHARS - RANDOM_PREFIX_CHARS;
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if prefix.chars().count() > longest || !prefix.chars().all(allowed) {
        return Err(Failure::fatal(format!(
            "--prefix {} must be at most {longest} letters, digits, `_` or `-`, like `sk_live_`, \
             so that the {PREFIX_CHARS} characters shown as a key's prefix include random ones",
            quoted(prefix)
        )));
    }
    Ok(())
}

/// A prefix given to `revoke`, which is never echoed when it is longer than a prefix: it
/// may be the key itself.
fn check_revoked_prefix(prefix: &str) -> Result<(), Failure> {
    let length = prefix.chars().count();
    if length > PREFIX_CHARS {
        return Err(Failure::fatal(format!(
            "PREFIX is longer than {PREFIX_CHARS} characters: give the key's prefix (its first \
             {PREFIX_CHARS} characters, as `portcullis keys list` shows them), not the key"
        )));
    }
    if length < PREFIX_CHARS {
        return Err(Failure::fatal(format!(
            "PREFIX {} is {length} characters long; a key's prefix is its first \
             {PREFIX_CHARS} characters, as `portcullis keys list` shows them",
            quoted(prefix)
        )));
    }
    Ok(())
}

/// When a key made at `now` expires, given `--expires`.
fn expiry(expires: Option<&str>, now: SystemTime) -> Result<Option<SystemTime>, Failure> {
    let Some(text) = expires else { return Ok(None) };
    let bad = || {
        Failure::fatal(format!(
            "--expires {} is not a duration: write a whole number and a unit, like `30s`, \
             `15m`, `12h` or `90d`, longer than 0s and at most ten years",
            quoted(text)
        ))
    };
    let duration = Duration::parse(text).filter(|d| d.as_secs() > 0).ok_or_else(bad)?;
    now.checked_add(StdDuration::from_secs(duration.as_secs())).map(Some).ok_or_else(bad)
}

fn load(path: &Path) -> Result<StoreFile, Failure> {
    StoreFile::load(path).map_err(|error| Failure::fatal(error.to_string()))
}

/// The store at `path`, or an empty one when there is no file yet.
fn load_or_create(path: &Path) -> Result<StoreFile, Failure> {
    match StoreFile::load(path) {
        Err(StoreFileError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            Ok(StoreFile::default())
        }
        loaded => loaded.map_err(|error| Failure::fatal(error.to_string())),
    }
}

fn save(store: &StoreFile, path: &Path) -> Result<(), Failure> {
    store.save(path).map_err(|error| Failure::fatal(error.to_string()))
}

/// A new key whose prefix no stored key has, so that `revoke` can name it alone.
fn generate(
    store: &StoreFile,
    args: &NewArgs,
    scopes: &[&str],
    now: SystemTime,
) -> Result<(String, ApiKeyRecord), Failure> {
    for _ in 0..ATTEMPTS {
        let (key, record) =
            generate_api_key(&args.prefix, &args.principal, scopes, now).map_err(|error| {
                Failure::fatal(format!(
                    "cannot generate a key: the system's random number generator failed: {error}"
                ))
            })?;
        if store.api_keys.keys_with_prefix(&record.prefix).is_empty() {
            return Ok((key, record));
        }
    }
    Err(Failure::fatal(format!(
        "every key generated shared its prefix with a key already in {}; try again",
        args.common.store.display()
    )))
}

/// Prints the new key, alone on standard output; if it cannot be, says how to revoke it.
fn print_once(key: &str, prefix: &str, path: &Path) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{key}").and_then(|()| out.flush()).is_ok() {
        return Ok(());
    }
    let file = path.display();
    Err(Failure::fatal(format!(
        "the new key could not be printed, but it is stored as {prefix} in {file}; revoke it \
         with `portcullis keys revoke --store {file} {prefix}`"
    )))
}

/// Whether a key works, and if not why: revocation first.
fn status(record: &ApiKeyRecord, now: SystemTime) -> Status {
    if record.revoked {
        Status::Revoked
    } else if record.expires_at.is_some_and(|at| at <= now) {
        Status::Expired
    } else {
        Status::Active
    }
}

/// How long since the key was last used, or else since it was created; `None` when the
/// store knows neither.
fn idle(record: &ApiKeyRecord, now: SystemTime) -> Option<StdDuration> {
    let since = record.last_used_at.or(record.created_at)?;
    Some(now.duration_since(since).unwrap_or_default())
}

/// The columns that say which key a row is: prefix, principal, scopes and creation.
fn identity(record: &ApiKeyRecord) -> Vec<String> {
    let scopes = if record.scopes.is_empty() { "-".to_owned() } else { record.scopes.join(",") };
    vec![
        cell(&record.prefix),
        cell(&record.principal),
        cell(&scopes),
        time_or(record.created_at, "-"),
    ]
}

/// `at` to the second in RFC 3339 (UTC), or `missing`.
fn time_or(at: Option<SystemTime>, missing: &str) -> String {
    let Some(at) = at else { return missing.to_owned() };
    let seconds = match at.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    };
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|at| at.format(rfc3339).ok())
        .unwrap_or_else(|| format!("{seconds}s after 1970"))
}

/// Text from the command line or a store, fit for a terminal: control characters escaped.
fn cell(text: &str) -> String {
    if text.chars().any(char::is_control) {
        text.escape_debug().to_string()
    } else {
        text.to_owned()
    }
}

/// `text` in backticks, for a message.
fn quoted(text: &str) -> String {
    format!("`{}`", cell(text))
}

/// Left-aligned columns two spaces apart.
fn print_table(out: &mut std::io::StdoutLock<'_>, header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let cells: Vec<String> =
            row.iter().zip(&widths).map(|(cell, width)| format!("{cell:width$}")).collect();
        say!(out, "{}", cells.join("  ").trim_end());
    }
}
