//! `portcullis keys`: API keys in a store file, as an operator and CI run the binary, and
//! the store file's writer (`StoreFile::save`) it relies on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use portcullis::authn::store::{
    ApiKeyRecord, SecretHash, SessionRecord, StoreFile, StoreFileError, TokenRecord,
};

const NOW: &str = "2026-06-01T00:00:00Z";

fn portcullis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis")).args(args).output().expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A folder of its own for one test, removed afterwards.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("portcullis-keys-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the scratch folder");
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write a scratch file");
        path
    }

    /// The names of the files in the folder, sorted.
    fn files(&self) -> Vec<String> {
        let entries = std::fs::read_dir(&self.0).expect("list the scratch folder");
        let mut names: Vec<String> =
            entries.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn keys(verb: &str, store: &Path, rest: &[&str]) -> Output {
    let store = store.to_str().expect("UTF-8 path");
    portcullis(&[&["keys", verb, "--store", store][..], rest].concat())
}

/// `keys new`, which must succeed; returns the key it printed.
fn new_key(store: &Path, rest: &[&str]) -> String {
    let out = keys("new", store, rest);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "the key alone on standard output: {stdout}");
    lines[0].to_owned()
}

fn hex(hash: &SecretHash) -> String {
    hash.0.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `portcullis decide` on `GET /data/1` with `key` in `X-API-Key`, against the example policy.
fn decide(scratch: &Scratch, store: &Path, key: &str, now: &str) -> serde_json::Value {
    let request = serde_json::json!({
        "method": "GET",
        "path": "/data/1",
        "headers": [["X-API-Key", key]],
    });
    let request = scratch.write("request.json", &request.to_string());
    let binding = format!("api_keys={}", store.display());
    let out = portcullis(&[
        "decide",
        "--policy",
        "policies/example.policy",
        "--store",
        &binding,
        "--store",
        "sessions=policies/stores/example.yaml",
        "--now",
        now,
        request.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let _ = std::fs::remove_file(&request);
    serde_json::from_slice(&out.stdout).expect("decide prints JSON")
}

/// One `api_keys` entry for the key `key`, with more fields in `extra` (`k: v, ...`).
fn key_entry(key: &str, principal: &str, extra: &str) -> String {
    let prefix: String = key.chars().take(12).collect();
    let hash = hex(&SecretHash::of(key));
    format!(
        "  - {{ prefix: {prefix}, sha256: \"{hash}\", principal: {principal}, \
         scopes: [data:read]{extra} }}\n"
    )
}

fn at(rfc3339: &str) -> SystemTime {
    let parsed =
        time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339);
    SystemTime::from(parsed.expect("an RFC 3339 time"))
}

#[test]
fn new_prints_the_key_once_stores_only_its_hash_and_the_key_authenticates() {
    let scratch = Scratch::new("new");
    let store = scratch.path("keys.yaml");
    assert!(!store.exists());

    let out = keys("new", &store, &["--principal", "acme", "--scopes", "data:read,data:write"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let key = text(&out.stdout).trim_end().to_owned();
    assert_eq!(text(&out.stdout), format!("{key}\n"), "the key alone on standard output");
    assert!(key.starts_with("sk_live_"), "{key}");
    assert_eq!(key.len(), "sk_live_".len() + 43, "32 random bytes in base64url: {key}");
    assert!(!text(&out.stderr).contains(&key), "the key is printed once");
    assert!(text(&out.stderr).contains(&key[..12]), "stderr names the prefix");

    let contents = std::fs::read_to_string(&store).expect("new creates the store");
    assert!(!contents.contains(&key), "the store never holds the key:\n{contents}");
    assert!(contents.contains(&hex(&SecretHash::of(&key))), "{contents}");
    assert!(contents.contains(&format!("\"{}\"", &key[..12])), "{contents}");

    let records = StoreFile::load(&store).expect("the store loads").api_keys.records();
    assert_eq!(records.len(), 1);
    assert_eq!(&*records[0].principal, "acme");
    assert_eq!(names(&records[0].scopes), ["data:read", "data:write"]);
    assert_eq!((records[0].expires_at, records[0].revoked), (None, false));
    assert_eq!(records[0].last_used_at, None);
    let created = records[0].created_at.expect("created_at");
    let age = SystemTime::now().duration_since(created).expect("created in the past");
    assert!(age < Duration::from_secs(600), "created now: {age:?}");

    let decision = decide(&scratch, &store, &key, NOW);
    assert_eq!(decision["decision"], "allow", "{decision}");
    assert_eq!(decision["principal"], "acme");
    assert_eq!(decision["scheme"], "partner_key");

    let second = new_key(&store, &["--principal", "acme", "--scopes", "data:read"]);
    assert_ne!(second[..12], key[..12], "each key gets a prefix of its own");
    assert_eq!(StoreFile::load(&store).expect("loads").api_keys.records().len(), 2);
}

#[test]
fn new_takes_a_prefix_an_expiry_and_the_clock() {
    let scratch = Scratch::new("expires");
    let store = scratch.path("keys.yaml");
    let now = "2026-01-01T12:00:00Z";

    let args = ["--principal", "p", "--scopes", "data:read", "--expires", "90d", "--now", now];
    let key = new_key(&store, &args);
    let args = ["--principal", "q", "--scopes", "a,b,a", "--prefix", "pk_test_", "--now", now];
    let test_key = new_key(&store, &args);
    assert!(test_key.starts_with("pk_test_"), "{test_key}");

    let contents = std::fs::read_to_string(&store).expect("read the store");
    assert!(contents.contains("created_at: 2026-01-01T12:00:00Z\n"), "{contents}");
    assert!(contents.contains("expires_at: 2026-04-01T12:00:00Z\n"), "90 days:\n{contents}");
    let records = StoreFile::load(&store).expect("loads").api_keys.records();
    let test_record = records.iter().find(|r| &*r.principal == "q").expect("the pk_test_ key");
    assert_eq!(names(&test_record.scopes), ["a", "b"], "repeated scopes are stored once");
    assert_eq!(test_record.expires_at, None);

    let before = decide(&scratch, &store, &key, "2026-03-31T12:00:00Z");
    assert_eq!(before["decision"], "allow", "{before}");
    let after = decide(&scratch, &store, &key, "2026-04-01T12:00:00Z");
    assert_eq!(after["decision"], "unauthenticated", "{after}");
}

#[test]
fn list_shows_each_key_and_its_status_but_never_a_secret_or_hash() {
    let scratch = Scratch::new("list");
    let mut yaml = String::from("api_keys:\n");
    let active = "sk_live_AAAAsecret-active";
    let revoked = "sk_live_BBBBsecret-revoked";
    let expired = "sk_live_CCCCsecret-expired";
    yaml += &key_entry(
        active,
        "alice",
        ", created_at: 2026-01-01T00:00:00Z, \
                                         last_used_at: 2026-05-30T08:00:00Z",
    );
    yaml += &key_entry(revoked, "bob", ", revoked: true, expires_at: 2026-01-01T00:00:00Z");
    yaml += &key_entry(expired, "carol", ", expires_at: 2026-05-01T00:00:00Z");
    let store = scratch.write("keys.yaml", &yaml);
    let generated = new_key(&store, &["--principal", "dave", "--scopes", "x,y", "--now", NOW]);

    let out = keys("list", &store, &["--now", NOW]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<Vec<&str>> =
        stdout.lines().map(|line| line.split_whitespace().collect()).collect();
    let header = ["PREFIX", "PRINCIPAL", "SCOPES", "CREATED", "EXPIRES", "LAST", "USED", "STATUS"];
    assert_eq!(lines[0], header, "{stdout}");
    let row = |prefix: &str| {
        lines.iter().find(|cells| cells[0] == prefix).unwrap_or_else(|| panic!("{stdout}"))
    };
    assert_eq!(
        row("sk_live_AAAA")[1..],
        ["alice", "data:read", "2026-01-01T00:00:00Z", "never", "2026-05-30T08:00:00Z", "active"]
    );
    assert_eq!(row("sk_live_BBBB")[6], "revoked", "revoked before expired");
    assert_eq!(row("sk_live_CCCC")[3..], ["-", "2026-05-01T00:00:00Z", "never", "expired"]);
    assert_eq!(row(&generated[..12])[1..], ["dave", "x,y", NOW, "never", "never", "active"]);
    assert_eq!(lines.len(), 5, "{stdout}");

    for secret in [active, revoked, expired, &generated] {
        assert!(!stdout.contains(&secret[12..]), "a secret in the list:\n{stdout}");
        assert!(!stdout.contains(&hex(&SecretHash::of(secret))[..16]), "a hash:\n{stdout}");
    }

    let empty = scratch.write("empty.yaml", "tokens: []\n");
    let out = keys("list", &empty, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("no API keys in "), "{}", text(&out.stdout));
}

#[test]
fn revoke_marks_the_key_revoked_and_decide_then_refuses_it() {
    let scratch = Scratch::new("revoke");
    let store = scratch.path("keys.yaml");
    let key = new_key(&store, &["--principal", "acme", "--scopes", "data:read"]);
    let other = new_key(&store, &["--principal", "acme", "--scopes", "data:read"]);
    assert_eq!(decide(&scratch, &store, &key, NOW)["decision"], "allow");

    let out = keys("revoke", &store, &[&key[..12]]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&key[..12]), "{}", text(&out.stdout));

    let refused = decide(&scratch, &store, &key, NOW);
    assert_eq!(refused["decision"], "unauthenticated", "{refused}");
    assert_eq!(refused["body"]["error_description"], "the credential has been revoked");
    assert_eq!(decide(&scratch, &store, &other, NOW)["decision"], "allow", "only that prefix");

    let list = text(&keys("list", &store, &[]).stdout);
    let line = list.lines().find(|l| l.starts_with(&key[..12])).expect("the key is listed");
    assert!(line.ends_with("revoked"), "{list}");

    let again = keys("revoke", &store, &[&key[..12]]);
    assert_eq!(again.status.code(), Some(0), "revoking twice is no error");
    assert!(text(&again.stdout).contains("already revoked"), "{}", text(&again.stdout));
}

#[test]
fn revoke_of_an_unknown_prefix_exits_1_and_changes_nothing() {
    let scratch = Scratch::new("revoke-unknown");
    let store = scratch.path("keys.yaml");
    new_key(&store, &["--principal", "acme", "--scopes", "data:read"]);
    let before = std::fs::read(&store).expect("read the store");

    let out = keys("revoke", &store, &["sk_live_ZZZZ"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("no API key in") && stderr.contains("`sk_live_ZZZZ`"), "{stderr}");
    assert!(stderr.contains(&store.display().to_string()), "names the file: {stderr}");
    assert_eq!(std::fs::read(&store).expect("read the store"), before);
}

#[test]
fn revoke_given_the_whole_key_refuses_without_echoing_it() {
    let scratch = Scratch::new("revoke-key");
    let store = scratch.path("keys.yaml");
    let key = new_key(&store, &["--principal", "acme", "--scopes", "data:read"]);

    let out = keys("revoke", &store, &[&key]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out.stderr).contains(&key[12..]), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not the key"), "{}", text(&out.stderr));
    assert_eq!(decide(&scratch, &store, &key, NOW)["decision"], "allow", "nothing revoked");

    let short = keys("revoke", &store, &["sk_live_"]);
    assert_eq!(short.status.code(), Some(2));
    assert!(text(&short.stderr).contains("first 12 characters"), "{}", text(&short.stderr));
}

#[test]
fn audit_lists_active_keys_unused_for_too_long_and_exits_1() {
    let scratch = Scratch::new("audit");
    let mut yaml = String::from("api_keys:\n");
    let entries = [
        (
            "sk_live_UOLDsecret",
            "created_at: 2025-01-01T00:00:00Z, last_used_at: 2026-02-01T00:00:00Z",
        ),
        (
            "sk_live_UNEWsecret",
            "created_at: 2025-01-01T00:00:00Z, last_used_at: 2026-05-01T00:00:00Z",
        ),
        ("sk_live_NOLDsecret", "created_at: 2026-01-01T00:00:00Z"),
        ("sk_live_NNEWsecret", "created_at: 2026-05-20T00:00:00Z"),
        ("sk_live_NODAsecret", "revoked: false"),
        ("sk_live_REVKsecret", "created_at: 2025-01-01T00:00:00Z, revoked: true"),
        (
            "sk_live_EXPDsecret",
            "created_at: 2025-01-01T00:00:00Z, expires_at: 2026-01-01T00:00:00Z",
        ),
    ];
    for (key, fields) in entries {
        yaml += &key_entry(key, "svc", &format!(", {fields}"));
    }
    let store = scratch.write("keys.yaml", &yaml);

    let out = keys("audit", &store, &["--now", NOW]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("3 active keys unused for 90 days or more"), "{stdout}");
    assert_eq!(listed(&stdout), ["sk_live_NODA", "sk_live_NOLD", "sk_live_UOLD"], "{stdout}");
    let cells = |prefix: &str| {
        let line = stdout.lines().find(|l| l.starts_with(prefix)).expect("listed");
        line.split_whitespace().skip(4).collect::<Vec<_>>().join(" ")
    };
    assert_eq!(cells("sk_live_NOLD"), "never 151 days", "idle since creation");
    assert_eq!(cells("sk_live_UOLD"), "2026-02-01T00:00:00Z 120 days");
    assert_eq!(cells("sk_live_NODA"), "never unknown", "neither date");

    let out = keys("audit", &store, &["--now", NOW, "--unused-days", "140"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(listed(&text(&out.stdout)), ["sk_live_NODA", "sk_live_NOLD"]);
}

/// The prefixes in a table `keys` printed.
fn listed(table: &str) -> Vec<&str> {
    let first_words = table.lines().filter_map(|line| line.split_whitespace().next());
    first_words.filter(|word| word.starts_with("sk_live_")).collect()
}

#[test]
fn audit_exits_0_when_every_active_key_is_in_use() {
    let scratch = Scratch::new("audit-fresh");
    let store = scratch.path("keys.yaml");
    new_key(&store, &["--principal", "a", "--scopes", "x", "--now", "2026-03-04T00:00:00Z"]);

    let fresh = keys("audit", &store, &["--now", NOW]);
    assert_eq!(fresh.status.code(), Some(0), "89 days: {}", text(&fresh.stdout));
    assert!(text(&fresh.stdout).contains("no active key has gone unused for 90 days"));

    let out = keys("audit", &store, &["--now", NOW, "--unused-days", "30"]);
    assert_eq!(out.status.code(), Some(1), "never used, created 89 days ago");

    let later = keys("audit", &store, &["--now", "2026-06-02T00:00:00Z"]);
    assert_eq!(later.status.code(), Some(1), "90 days to the second: {}", text(&later.stdout));
}

#[test]
fn writes_are_atomic_and_keep_tokens_and_sessions() {
    let scratch = Scratch::new("atomic");
    let example = std::fs::read_to_string("policies/stores/example.yaml").expect("example");
    let (one, two) = (hex(&SecretHash::of("token-one")), hex(&SecretHash::of("token-two")));
    let token = format!(
        "tokens:\n  - sha256: \"{one}\"\n    principal: \"ci \\\"bot\\\"\"\n    scopes: []\n    \
         revoked: true\n  - {{ sha256: \"{two}\", principal: svc, \
         expires_at: 2027-01-01T00:00:00Z }}\n"
    );
    let store = scratch.write("store.yaml", &format!("{example}{token}"));
    let original = StoreFile::load(&store).expect("the example store loads");
    #[cfg(unix)]
    set_mode(&store, 0o600);

    let key = new_key(&store, &["--principal", "acme", "--scopes", "data:read"]);
    assert_eq!(scratch.files(), ["store.yaml"], "no temporary file left behind");
    let out = keys("revoke", &store, &["sk_live_F2HQ"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(scratch.files(), ["store.yaml"], "no temporary file left behind");

    let rewritten = StoreFile::load(&store).expect("the rewritten store loads");
    assert_eq!(rewritten.tokens.records(), original.tokens.records());
    assert_eq!(rewritten.sessions.records(), original.sessions.records());
    assert_eq!(rewritten.tokens.records().len(), 2);
    let keys = rewritten.api_keys.records();
    assert_eq!(keys.len(), 2);
    let mut example_key = original.api_keys.records().remove(0);
    example_key.revoked = true;
    assert!(keys.contains(&example_key), "{keys:?}");
    assert!(keys.iter().any(|k| k.sha256 == SecretHash::of(&key)));
    #[cfg(unix)]
    assert_eq!(mode(&store), 0o600, "the store keeps its permissions");

    let decision = decide(&scratch, &store, &key, NOW);
    assert_eq!(decision["decision"], "allow", "{decision}");
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

#[test]
fn usage_errors_exit_2_and_write_nothing() {
    let scratch = Scratch::new("usage");
    let store = scratch.path("keys.yaml");
    let cases: [&[&str]; 9] = [
        &["--principal", "a"],
        &["--scopes", "a"],
        &["--principal", "a", "--scopes", "has space"],
        &["--principal", "a", "--scopes", "a,,b"],
        &["--principal", "", "--scopes", "a"],
        &["--principal", "a", "--scopes", "a", "--prefix", "sk_live_long_"],
        &["--principal", "a", "--scopes", "a", "--expires", "1w"],
        &["--principal", "a", "--scopes", "a", "--expires", "0s"],
        &["--principal", "a", "--scopes", "a", "--now", "yesterday"],
    ];
    for args in cases {
        let out = keys("new", &store, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(!text(&out.stderr).is_empty(), "{args:?}: a message");
        assert!(text(&out.stdout).is_empty(), "{args:?}: no key");
    }
    assert!(scratch.files().is_empty(), "nothing written: {:?}", scratch.files());

    let stray = scratch.write("x.yaml", "");
    for args in [
        &["keys"][..],
        &["keys", "list"],
        &["keys", "rotate", "--store", stray.to_str().expect("UTF-8")],
        &["keys", "revoke", "--store", stray.to_str().expect("UTF-8")],
        &["keys", "audit", "--store", stray.to_str().expect("UTF-8"), "--unused-days", "-1"],
    ] {
        assert_eq!(portcullis(args).status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn an_invalid_or_missing_store_exits_2_naming_the_file() {
    let scratch = Scratch::new("invalid");
    let invalid = "api_keys:\n  - { prefix: sk_live_AAAA, sha256: \"abc\", principal: p }\n";
    let unknown = "api_keys: []\npasswords: []\n";
    for (name, contents) in [("short-hash.yaml", invalid), ("unknown.yaml", unknown)] {
        let store = scratch.write(name, contents);
        let runs = [
            keys("new", &store, &["--principal", "a", "--scopes", "a"]),
            keys("list", &store, &[]),
            keys("revoke", &store, &["sk_live_AAAA"]),
            keys("audit", &store, &[]),
        ];
        for out in runs {
            assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out.stderr));
            assert!(text(&out.stderr).contains(&*store.to_string_lossy()), "{name}");
            assert!(text(&out.stdout).is_empty(), "{name}: {}", text(&out.stdout));
        }
        assert_eq!(std::fs::read_to_string(&store).expect("read"), contents, "{name} untouched");
    }

    let missing = scratch.path("missing.yaml");
    for verb in ["list", "audit"] {
        let out = keys(verb, &missing, &[]);
        assert_eq!(out.status.code(), Some(2), "{verb}");
        assert!(text(&out.stderr).contains("cannot read"), "{}", text(&out.stderr));
    }
    assert_eq!(keys("revoke", &missing, &["sk_live_AAAA"]).status.code(), Some(2));
    assert!(!missing.exists(), "only `new` creates a store");
}

/// A store with every kind of record and awkward text, for the writer.
fn awkward_store() -> StoreFile {
    let store = StoreFile::default();
    let nanos = at("2026-02-03T04:05:06.000000789Z");
    store.api_keys.insert(ApiKeyRecord {
        prefix: "sk_live_Q\"\\é".into(),
        sha256: SecretHash::of("one"),
        principal: "line\nbreak\ttab\u{1}bell\u{fffe}\u{ffff}: #not-a-comment".into(),
        scopes: ["a:b", "- dash", "'quote'"].map(Arc::from).into(),
        created_at: Some(nanos),
        expires_at: Some(SystemTime::UNIX_EPOCH - Duration::from_secs(86_400)),
        revoked: true,
        last_used_at: Some(at("2026-05-01T00:00:00.5Z")),
    });
    store.api_keys.insert(ApiKeyRecord {
        prefix: "sk_live_Q\"\\é".into(),
        sha256: SecretHash::of("two"),
        principal: "true".into(),
        scopes: Arc::from([]),
        created_at: None,
        expires_at: None,
        revoked: false,
        last_used_at: None,
    });
    store.tokens.insert(TokenRecord {
        sha256: SecretHash([0x11; 32]),
        principal: "123".into(),
        scopes: ["null"].map(Arc::from).into(),
        expires_at: Some(nanos),
        revoked: false,
    });
    store.sessions.insert(SessionRecord {
        sha256: SecretHash([0; 32]),
        principal: "~".into(),
        scopes: ["*"].map(Arc::from).into(),
        csrf_token: "{[&*!|>'\"%@`]}".into(),
        expires_at: None,
    });
    store
}

#[test]
fn a_store_round_trips_through_save_and_load() {
    let scratch = Scratch::new("round-trip");
    let path = scratch.path("store.yaml");
    let store = awkward_store();

    store.save(&path).expect("save");
    let loaded = StoreFile::load(&path).expect("what save writes, load reads");
    assert_eq!(loaded.api_keys.records(), store.api_keys.records());
    assert_eq!(loaded.tokens.records(), store.tokens.records());
    assert_eq!(loaded.sessions.records(), store.sessions.records());
    assert_eq!(loaded.api_keys.records().len(), 2, "keys sharing a prefix both kept");

    let first = std::fs::read_to_string(&path).expect("read");
    loaded.save(&path).expect("save again");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), first, "saving is deterministic");
    assert_eq!(scratch.files(), ["store.yaml"]);

    StoreFile::default().save(&path).expect("save an empty store");
    let empty = StoreFile::load(&path).expect("an empty store loads");
    assert!(empty.api_keys.records().is_empty() && empty.sessions.records().is_empty());
}

#[test]
fn readers_see_the_old_store_or_the_new_one_never_part_of_one() {
    let scratch = Scratch::new("readers");
    let path = scratch.path("store.yaml");
    let (full, empty) = (StoreFile::default(), StoreFile::default());
    for i in 0..2000 {
        full.tokens.insert(TokenRecord {
            sha256: SecretHash::of(&i.to_string()),
            principal: format!("principal number {i}").into(),
            scopes: ["data:read", "data:write"].map(Arc::from).into(),
            expires_at: Some(at("2027-01-01T00:00:00Z")),
            revoked: false,
        });
    }
    empty.save(&path).expect("save");

    let writer = std::thread::spawn({
        let path = path.clone();
        move || {
            for _ in 0..20 {
                full.save(&path).expect("save the full store");
                empty.save(&path).expect("save the empty store");
            }
        }
    });
    let mut reads = 0;
    while !writer.is_finished() {
        let loaded = StoreFile::load(&path).expect("a whole store file, every time");
        let tokens = loaded.tokens.records().len();
        assert!(tokens == 0 || tokens == 2000, "part of a store: {tokens} tokens");
        reads += 1;
    }
    writer.join().expect("the writer finishes");
    assert!(reads > 0);
    assert_eq!(scratch.files(), ["store.yaml"]);
}

#[test]
fn save_refuses_what_rfc3339_cannot_write_and_keeps_the_old_file() {
    let scratch = Scratch::new("unwritable");
    let path = scratch.write("store.yaml", "tokens: []\n");
    let store = StoreFile::default();
    let far_future = SystemTime::UNIX_EPOCH + Duration::from_secs(9000 * 366 * 86_400);
    store.tokens.insert(TokenRecord {
        sha256: SecretHash::of("t"),
        principal: "p".into(),
        scopes: Arc::from([]),
        expires_at: Some(far_future),
        revoked: false,
    });

    let error = store.save(&path).expect_err("year 10000 and later cannot be written");
    assert!(matches!(error, StoreFileError::Write { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("store.yaml") && message.contains("tokens[0]"), "{message}");
    assert!(message.contains("`expires_at`"), "{message}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "tokens: []\n");
    assert_eq!(scratch.files(), ["store.yaml"]);

    let folder = scratch.path("no-such-folder").join("store.yaml");
    let error = StoreFile::default().save(&folder).expect_err("no folder to write in");
    assert!(error.to_string().starts_with("cannot write `"), "{error}");
}

/// Scopes as plain strings, for comparing with a list.
fn names(scopes: &[Arc<str>]) -> Vec<&str> {
    scopes.iter().map(|scope| &**scope).collect()
}
