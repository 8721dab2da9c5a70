//! The linter: every rule firing and staying quiet on its fixtures (`tests/fixtures/lint/`),
//! suppression comments, level overrides, the `portcullis lint` verb, and its output
//! formats read back.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use portcullis::Syntax;
use portcullis::lint::report::{self, FileFindings};
use portcullis::lint::{self, Finding, Level, LintOptions, Override, RULES};
use portcullis::model::{Duration, Span};
use serde_json::Value;

const E: Level = Level::Error;
const W: Level = Level::Warning;
const N: Level = Level::Note;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint")
}

/// The fixture `<rule>.<kind>.policy` or `<rule>.<kind>.yaml`, whichever exists.
fn fixture(rule: &str, kind: &str) -> Option<PathBuf> {
    ["policy", "yaml"]
        .iter()
        .map(|ext| fixture_dir().join(format!("{rule}.{kind}.{ext}")))
        .find(|p| p.is_file())
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn lint_file(path: &Path, options: &LintOptions) -> Vec<Finding> {
    let syntax = Syntax::from_path(path).expect("a policy file name");
    lint::lint(&read(path), syntax, options)
}

fn lint_dsl(source: &str) -> Vec<Finding> {
    lint::lint(source, Syntax::Dsl, &LintOptions::default())
}

fn lint_yaml(source: &str) -> Vec<Finding> {
    lint::lint(source, Syntax::Yaml, &LintOptions::default())
}

fn with(overrides: Vec<Override>) -> LintOptions {
    LintOptions { overrides, ..LintOptions::default() }
}

/// `(rule, line, column, suppressed)` of each finding, in the order reported.
fn brief(findings: &[Finding]) -> Vec<(&'static str, u32, u32, bool)> {
    findings.iter().map(|f| (f.rule, f.start.line, f.start.column, f.suppressed)).collect()
}

fn of_rule<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

/// `line: message` of each finding of `rule`, for assertions that show what went wrong.
fn messages(findings: &[Finding], rule: &str) -> Vec<String> {
    of_rule(findings, rule).iter().map(|f| format!("{}: {}", f.start.line, f.message)).collect()
}

/// Runs the binary from the crate root, so that fixture paths can be given relative.
fn portcullis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 on stdout")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("UTF-8 on stderr")
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

fn json_out(out: &Output) -> Value {
    serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", stdout(out)))
}

/// A folder of its own under the temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("portcullis-lint-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the scratch folder");
        Scratch(dir)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
        std::fs::write(&path, contents).expect("write a scratch file");
        path
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temporary path")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn s(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

// ---------------------------------------------------------------------------------------
// 1. Every rule fires on its `.fires` fixture and stays quiet on its `.quiet` fixture
// ---------------------------------------------------------------------------------------

/// What the `.fires` fixture of a rule reports for that rule: level, line, column, message.
struct Fires {
    rule: &'static str,
    ext: &'static str,
    findings: &'static [(Level, u32, u32, &'static str)],
}

#[rustfmt::skip]
const FIRES: &[Fires] = &[
    Fires { rule: "unused-scheme", ext: "policy", findings: &[
        (W, 10, 8, "scheme `legacy_key` is not accepted by any route"),
    ] },
    Fires { rule: "unused-scope", ext: "yaml", findings: &[
        (W, 7, 3, "scope `reports:read` is never required"),
    ] },
    Fires { rule: "overlapping-routes", ext: "policy", findings: &[
        (W, 28, 1, "route `GET /users/me` overlaps route `GET|HEAD /users/{id}` and requires \
                    otherwise"),
        (W, 30, 1, "route `PUT /users/me/avatar` overlaps route `* /users/{id}/avatar` and \
                    requires otherwise"),
    ] },
    Fires { rule: "weaker-than-enclosing-route", ext: "policy", findings: &[
        (W, 26, 1, "route `GET /admin/health` requires less than `* /admin/**` around it: it is \
                    public"),
        (W, 27, 1, "route `POST /admin/users` requires less than `* /admin/**` around it: it \
                    accepts a scheme the enclosing route does not"),
        (W, 28, 1, "route `GET /admin/audit` requires less than `* /admin/**` around it: it \
                    lets through scopes the enclosing route would refuse"),
        (W, 29, 1, "route `DELETE /internal/{id}` requires less than `* /internal/**` around \
                    it: it allows what the enclosing route denies"),
    ] },
    Fires { rule: "unknown-lint-rule", ext: "policy", findings: &[
        (E, 10, 1, "`unused-schema` names no lint rule"),
        (E, 19, 1, "`public-without-reasons` names no lint rule"),
    ] },
    Fires { rule: "default-not-deny", ext: "yaml", findings: &[
        (E, 7, 10, "the default is public: requests no route matches are let through"),
    ] },
    Fires { rule: "unauthenticated-write-route", ext: "policy", findings: &[
        (W, 7, 1, "route `POST /webhooks/stripe` lets anyone change state"),
        (W, 8, 1, "route `GET|PATCH /profile` lets anyone change state"),
        (W, 9, 1, "route `* /sandbox/**` lets anyone change state"),
    ] },
    Fires { rule: "jwt-missing-issuer-or-audience", ext: "policy", findings: &[
        (E, 4, 8, "JWT scheme `bare_jwt` does not check `issuer` and `audience`"),
        (E, 10, 8, "JWT scheme `issuer_jwt` does not check `audience`"),
        (E, 17, 8, "JWT scheme `audience_jwt` does not check `issuer`"),
    ] },
    Fires { rule: "jwt-mixed-algorithm-families", ext: "policy", findings: &[
        (E, 4, 8, "JWT scheme `user_jwt` accepts both HMAC and public-key algorithms"),
        (E, 12, 8, "JWT scheme `edge_jwt` accepts both HMAC and public-key algorithms"),
    ] },
    Fires { rule: "jwt-long-lived-tokens", ext: "policy", findings: &[
        (W, 4, 8, "JWT scheme `forever_jwt` sets no `max_lifetime`"),
        (W, 11, 8, "JWT scheme `month_jwt` accepts tokens living 30d"),
        (W, 19, 8, "JWT scheme `just_over_jwt` accepts tokens living 3601s"),
    ] },
    Fires { rule: "session-cookie-flags", ext: "yaml", findings: &[
        (E, 5, 3, "session cookie of `scripted` lacks `HttpOnly`"),
        (E, 11, 3, "session cookie of `plain_http` lacks `Secure`"),
        (E, 12, 3, "session cookie of `neither` lacks `HttpOnly` and `Secure`"),
    ] },
    Fires { rule: "session-samesite-none", ext: "policy", findings: &[
        (E, 4, 8, "session cookie of `embed` is sent cross-site"),
    ] },
    Fires { rule: "session-samesite-strict", ext: "policy", findings: &[
        (N, 4, 8, "session cookie of `browser` is withheld on arrivals from other sites"),
    ] },
    Fires { rule: "cookie-auth-without-csrf", ext: "policy", findings: &[
        (E, 20, 1, "the default accepts session `browser`, which has no `csrf_header`, on a \
                    write method"),
        (E, 23, 1, "route `POST /data` accepts session `browser`, which has no `csrf_header`, \
                    on a write method"),
        (E, 24, 1, "route `* /files/**` accepts session `browser`, which has no \
                    `csrf_header`, on a write method"),
    ] },
    Fires { rule: "api-key-without-prefix", ext: "yaml", findings: &[
        (W, 5, 3, "API key scheme `partner_key` declares no key prefix"),
    ] },
    Fires { rule: "admin-route-shares-auth", ext: "policy", findings: &[
        (W, 21, 1, "admin route `* /admin/**` requires exactly what `GET /data` requires"),
        (W, 22, 1, "admin route `POST /v1/superadmin/jobs` requires exactly what `GET /data` \
                    requires"),
    ] },
    Fires { rule: "scheme-client-mismatch", ext: "policy", findings: &[
        (W, 4, 8, "scheme `spa_key` (api_key) serves `spa` clients, which should use a \
                   short-lived JWT"),
        (W, 11, 8, "scheme `spa_jwt` (jwt) serves `spa` clients, which should use a short-lived \
                    JWT"),
        (W, 20, 8, "scheme `browser` (session) serves `mobile` clients, which should use a \
                    bearer token"),
    ] },
    Fires { rule: "public-without-reason", ext: "yaml", findings: &[
        (W, 4, 10, "the default is public without a reason"),
        (W, 7, 5, "route `GET /health` is public without a reason"),
        (W, 9, 5, "route `GET /docs/**` is public without a reason"),
    ] },
    Fires { rule: "unused-suppression", ext: "yaml", findings: &[
        (W, 10, 3, "the suppression of `public-without-reason` suppresses nothing"),
        (W, 13, 3, "the suppression of `unauthenticated-write-route` suppresses nothing"),
        (W, 16, 3, "the suppression of `unused-scheme` suppresses nothing"),
    ] },
    Fires { rule: "suppression-without-reason", ext: "policy", findings: &[
        (E, 6, 1, "the suppression of `unauthenticated-write-route` gives no reason"),
        (E, 8, 1, "the suppression of `unauthenticated-write-route` gives no reason"),
        (E, 10, 1, "the suppression of `unauthenticated-write-route` gives no reason"),
    ] },
    Fires { rule: "non-canonical-format", ext: "policy", findings: &[
        (N, 7, 1, "the file is not in canonical layout"),
    ] },
];

#[test]
fn the_table_of_firing_fixtures_covers_every_rule_once() {
    let table: Vec<&str> = FIRES.iter().map(|f| f.rule).collect();
    let rules: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(table, rules, "FIRES must list every rule of RULES, in RULES' order");
}

#[test]
fn every_rule_has_a_fires_and_a_quiet_fixture() {
    let mut missing = Vec::new();
    for rule in RULES {
        for kind in ["fires", "quiet"] {
            let both = ["policy", "yaml"]
                .iter()
                .filter(|ext| fixture_dir().join(format!("{}.{kind}.{ext}", rule.id)).is_file())
                .count();
            if both != 1 {
                missing.push(format!("{}.{kind}.(policy|yaml): {both} found", rule.id));
            }
        }
    }
    assert!(missing.is_empty(), "each rule needs exactly one of each fixture:\n{missing:#?}");
}

#[test]
fn every_lint_fixture_is_named_after_a_rule() {
    let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    let mut strays = Vec::new();
    for entry in std::fs::read_dir(fixture_dir()).expect("the fixture folder") {
        let name = entry.expect("an entry").file_name().into_string().expect("UTF-8 name");
        let known = ["fires.policy", "fires.yaml", "quiet.policy", "quiet.yaml"]
            .iter()
            .filter_map(|suffix| name.strip_suffix(&format!(".{suffix}")))
            .any(|id| ids.contains(id));
        if !known {
            strays.push(name);
        }
    }
    assert!(strays.is_empty(), "fixtures that name no rule: {strays:?}");
}

#[test]
fn at_least_five_rules_are_exercised_in_yaml() {
    let yaml: Vec<&str> = FIRES
        .iter()
        .filter(|f| f.ext == "yaml")
        .filter(|f| {
            fixture(f.rule, "quiet").is_some_and(|p| p.ends_with(format!("{}.quiet.yaml", f.rule)))
        })
        .map(|f| f.rule)
        .collect();
    assert!(yaml.len() >= 5, "{yaml:?}");
    assert!(yaml.contains(&"public-without-reason"));
}

#[test]
fn each_rule_fires_on_its_fixture_with_exact_level_message_and_position() {
    let mut failures = Vec::new();
    for case in FIRES {
        let Some(path) = fixture(case.rule, "fires") else {
            failures.push(format!("{}: no fires fixture", case.rule));
            continue;
        };
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if ext != case.ext {
            failures.push(format!("{}: fixture is .{ext}, table says .{}", case.rule, case.ext));
        }
        let findings = lint_file(&path, &LintOptions::default());
        let got: Vec<(Level, u32, u32, String, bool)> = of_rule(&findings, case.rule)
            .into_iter()
            .map(|f| (f.level, f.start.line, f.start.column, f.message.clone(), f.suppressed))
            .collect();
        let want: Vec<(Level, u32, u32, String, bool)> = case
            .findings
            .iter()
            .map(|&(level, line, column, message)| (level, line, column, message.into(), false))
            .collect();
        if got != want {
            failures.push(format!("{}:\n  want {want:#?}\n  got  {got:#?}", case.rule));
        }
        let rule = lint::rule(case.rule).expect("a rule");
        if case.findings.iter().any(|f| f.0 != rule.level) {
            failures.push(format!("{}: the table's level is not the rule's", case.rule));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn each_rule_is_quiet_on_its_fixture_which_lints_clean() {
    let mut failures = Vec::new();
    for rule in RULES {
        let Some(path) = fixture(rule.id, "quiet") else {
            failures.push(format!("{}: no quiet fixture", rule.id));
            continue;
        };
        let findings = lint_file(&path, &LintOptions::default());
        let own = of_rule(&findings, rule.id);
        if !own.is_empty() {
            failures.push(format!("{}: fires on its quiet fixture: {own:#?}", rule.id));
        }
        let loud: Vec<&Finding> = findings.iter().filter(|f| !f.suppressed).collect();
        if !loud.is_empty() {
            failures.push(format!("{}: quiet fixture is not clean: {loud:#?}", rule.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn findings_carry_help_and_end_at_the_last_character_of_their_line() {
    for case in FIRES {
        let path = fixture(case.rule, "fires").expect("a fixture");
        let source = read(&path);
        let lines: Vec<&str> = source.lines().collect();
        for f in of_rule(&lint_file(&path, &LintOptions::default()), case.rule) {
            let text = lines[f.start.line as usize - 1].trim_end();
            let width = (text.chars().count() as u32).max(f.start.column);
            assert_eq!(f.end, Span::new(f.start.line, width), "{}: {f:?}", case.rule);
            assert!(f.help.as_deref().is_some_and(|h| !h.is_empty()), "{}: {f:?}", case.rule);
        }
    }
}

#[test]
fn an_unknown_rule_in_a_suppression_gets_a_did_you_mean() {
    let path = fixture("unknown-lint-rule", "fires").expect("a fixture");
    let findings = lint_file(&path, &LintOptions::default());
    let helps: Vec<Option<&str>> =
        of_rule(&findings, "unknown-lint-rule").iter().map(|f| f.help.as_deref()).collect();
    assert_eq!(
        helps,
        [Some("did you mean `unused-scheme`?"), Some("did you mean `public-without-reason`?")]
    );
    // The misspelt suppression suppressed nothing.
    assert_eq!(
        brief(&of_rule(&findings, "unused-scheme").into_iter().cloned().collect::<Vec<_>>()),
        [("unused-scheme", 11, 8, false)]
    );
}

#[test]
fn the_token_lifetime_threshold_is_an_option() {
    let path = fixture("jwt-long-lived-tokens", "quiet").expect("a fixture");
    let options =
        LintOptions { max_token_lifetime: Duration::from_secs(1800), ..Default::default() };
    let findings = lint_file(&path, &options);
    let got: Vec<(u32, &str, Option<&str>)> = of_rule(&findings, "jwt-long-lived-tokens")
        .iter()
        .map(|f| (f.start.line, f.message.as_str(), f.help.as_deref()))
        .collect();
    assert_eq!(
        got,
        [(
            4,
            "JWT scheme `hour_jwt` accepts tokens living 1h",
            Some("set `max_lifetime` to 30m or less")
        )]
    );
}

// ---------------------------------------------------------------------------------------
// non-canonical-format
// ---------------------------------------------------------------------------------------

#[test]
fn the_canonical_fixture_is_what_the_printer_writes() {
    let path = fixture("non-canonical-format", "quiet").expect("a fixture");
    let source = read(&path);
    let doc = portcullis::syntax::parse(&source).expect("the fixture parses");
    assert_eq!(portcullis::syntax::print(&doc), source);
}

#[test]
fn non_canonical_format_is_quiet_on_anything_the_printer_writes() {
    for entry in std::fs::read_dir(fixture_dir()).expect("the fixture folder") {
        let path = entry.expect("an entry").path();
        if Syntax::from_path(&path) != Some(Syntax::Dsl) {
            continue;
        }
        let doc = portcullis::syntax::parse(&read(&path)).expect("DSL fixtures parse");
        let printed = portcullis::syntax::print(&doc);
        let findings = lint_dsl(&printed);
        assert!(
            of_rule(&findings, "non-canonical-format").is_empty(),
            "{}: printed as\n{printed}",
            path.display()
        );
    }
}

/// The first line (1-based) where two texts differ; a missing line differs from any.
fn first_difference(a: &str, b: &str) -> Option<u32> {
    let (mut ours, mut theirs) = (a.lines(), b.lines());
    let mut line = 1;
    loop {
        match (ours.next(), theirs.next()) {
            (None, None) => return None,
            (x, y) if x != y => return Some(line),
            _ => line += 1,
        }
    }
}

/// The rule notes "a DSL policy that `portcullis fmt` would rewrite", at the first line it
/// would change. `fmt` keeps comments (a header comment and its blank line, a comment after
/// code, a blank line between a comment and its statement), so those are canonical.
#[test]
fn non_canonical_format_fires_exactly_where_fmt_would_rewrite() {
    let canonical = read(&fixture("non-canonical-format", "quiet").expect("a fixture"));
    let with = |from: &str, to: &str| {
        assert!(canonical.contains(from), "{from:?}");
        canonical.replacen(from, to, 1)
    };
    let cases: Vec<(&str, String, Option<u32>)> = vec![
        ("as printed", canonical.clone(), None),
        ("a header comment", format!("# The data API.\n{canonical}"), None),
        ("a header comment and a blank line", format!("# The data API.\n\n{canonical}"), None),
        ("an end-of-line comment", with("default deny\n", "default deny  # closed\n"), None),
        ("a comment above", with("default deny\n", "# Fail closed.\ndefault deny\n"), None),
        ("a comment, a blank line", with("default deny\n", "# Closed.\n\ndefault deny\n"), None),
        ("an indented comment", with("default deny\n", "    # Closed.\ndefault deny\n"), Some(17)),
        ("trailing spaces", with("default deny\n", "default deny   \n"), Some(17)),
        ("a wrong indent", with("    algorithms RS256\n", "  algorithms RS256\n"), Some(12)),
        ("hand alignment", with("data:write implies", "data:write   implies"), Some(6)),
        (
            "a header, then hand alignment",
            format!("# The data API.\n\n{canonical}").replacen(
                "data:write implies",
                "data:write   implies",
                1,
            ),
            Some(8),
        ),
        ("unaligned routes", with("POST     /data    allow", "POST /data allow"), Some(21)),
        ("blank lines at the end", format!("{canonical}\n\n"), Some(22)),
        ("no blank line between blocks", with("}\n\ndefault", "}\ndefault"), Some(16)),
    ];
    for (what, source, line) in cases {
        let formatted = portcullis::syntax::format(&source).expect("the case parses");
        assert_eq!(first_difference(&source, &formatted), line, "{what}: fmt gives\n{formatted}");
        let findings = lint_dsl(&source);
        let found: Vec<(Level, u32, u32, &str)> = of_rule(&findings, "non-canonical-format")
            .iter()
            .map(|f| (f.level, f.start.line, f.start.column, f.message.as_str()))
            .collect();
        let expected: Vec<(Level, u32, u32, &str)> =
            line.iter().map(|&n| (N, n, 1, "the file is not in canonical layout")).collect();
        assert_eq!(found, expected, "{what}:\n{source}");
    }
}

#[test]
fn non_canonical_format_never_fires_for_yaml() {
    let messy = "version:   1\nrealm:     \"api.example.com\"\n\n\n\
                 schemes:\n    app_key:   {type: api_key,   prefixes: [ak_],store: app_keys}\n\
                 routes:\n    -   route:   GET /data\n        allow:    app_key\n\
                 default:     deny\n";
    let findings = lint_yaml(messy);
    assert!(findings.iter().all(|f| f.rule != lint::COMPILE_ERROR), "{findings:#?}");
    assert!(of_rule(&findings, "non-canonical-format").is_empty(), "{findings:#?}");
    assert!(findings.is_empty(), "{findings:#?}");
}

// ---------------------------------------------------------------------------------------
// 2. Suppression comments
// ---------------------------------------------------------------------------------------

const HEAD: &str = "version 1\nrealm \"api.example.com\"\n\ndefault deny\n\n";

#[test]
fn a_reasoned_suppression_above_a_route_suppresses_that_rule_there_only() {
    let source = format!(
        "{HEAD}# portcullis: allow(unauthenticated-write-route, reason = \"signed by Stripe\")\n\
         POST /webhooks/stripe  public \"signed by Stripe\"\n\
         POST /webhooks/github  public \"signed by GitHub\"\n"
    );
    let findings = lint_dsl(&source);
    assert_eq!(
        brief(&findings),
        [("unauthenticated-write-route", 7, 1, true), ("unauthenticated-write-route", 8, 1, false)]
    );
    // Suppression changes nothing else about the finding.
    assert_eq!(findings[0].level, Level::Warning);
    assert_eq!(findings[0].message, "route `POST /webhooks/stripe` lets anyone change state");
}

#[test]
fn a_suppression_works_anywhere_in_the_comment_block_above() {
    let source = format!(
        "{HEAD}# portcullis: allow(unauthenticated-write-route, reason = \"signed by Stripe\")\n\
         # The handler checks the Stripe-Signature header.\n\
         \x20   # portcullis: allow(public-without-reason, reason = \"the route says it\")\n\
         POST /webhooks/stripe  public\n"
    );
    let mut findings = lint_dsl(&source);
    // `portcullis fmt` would move the indented comment; that is not the point here.
    findings.retain(|f| f.rule != "non-canonical-format");
    assert_eq!(
        brief(&findings),
        [("public-without-reason", 9, 1, true), ("unauthenticated-write-route", 9, 1, true)]
    );
}

#[test]
fn a_suppression_does_not_reach_through_a_blank_line() {
    let source = format!(
        "{HEAD}# portcullis: allow(unauthenticated-write-route, reason = \"signed by Stripe\")\n\
         \n\
         POST /webhooks/stripe  public \"signed by Stripe\"\n"
    );
    let findings = lint_dsl(&source);
    assert_eq!(
        brief(&findings),
        [("unused-suppression", 6, 1, false), ("unauthenticated-write-route", 8, 1, false)]
    );
}

#[test]
fn a_suppression_does_not_reach_past_the_route_below_it() {
    let source = format!(
        "{HEAD}# portcullis: allow(unauthenticated-write-route, reason = \"signed\")\n\
         POST /webhooks/stripe  public \"signed by Stripe\"\n\
         # Another webhook.\n\
         POST /webhooks/github  public \"signed by GitHub\"\n"
    );
    let findings = lint_dsl(&source);
    assert_eq!(
        brief(&findings),
        [("unauthenticated-write-route", 7, 1, true), ("unauthenticated-write-route", 9, 1, false)]
    );
}

#[test]
fn a_suppression_covers_only_the_rule_it_names() {
    let source = format!(
        "{HEAD}# portcullis: allow(public-without-reason, reason = \"signed by Stripe\")\n\
         POST /webhooks/stripe  public \"signed by Stripe\"\n"
    );
    let findings = lint_dsl(&source);
    assert_eq!(
        brief(&findings),
        [("unused-suppression", 6, 1, false), ("unauthenticated-write-route", 7, 1, false)]
    );
    assert_eq!(
        findings[0].message,
        "the suppression of `public-without-reason` suppresses nothing"
    );
}

#[test]
fn suppressions_work_above_schemes_and_the_default_in_the_dsl() {
    let source = "version 1\nrealm \"api.example.com\"\n\n\
                  # portcullis: allow(unused-scheme, reason = \"kept for the v2 API\")\n\
                  scheme legacy_key: api_key {\n    header \"X-API-Key\"\n    \
                  prefixes \"lk_\"\n    store \"keys\"\n}\n\n\
                  # portcullis: allow(default-not-deny, reason = \"an internal service\")\n\
                  default public \"internal network only\"\n";
    let findings = lint_dsl(source);
    assert_eq!(
        brief(&findings),
        [("unused-scheme", 5, 8, true), ("default-not-deny", 12, 1, true)]
    );
}

#[test]
fn suppressions_work_in_yaml_above_route_items_and_scheme_keys() {
    let source = "\
version: 1
realm: api.example.com

schemes:
  app_key: { type: api_key, prefixes: [ak_], store: app_keys }
  # portcullis: allow(unused-scheme, reason = \"kept for the v2 API\")
  legacy_key: { type: api_key, prefixes: [lk_], store: legacy_keys }
  # portcullis: allow(api-key-without-prefix, reason = \"keys predate prefixes\")
  old_key:
    type: api_key
    store: old_keys

default: deny

routes:
  - { route: GET /data, allow: [app_key, old_key] }
  # portcullis: allow(unauthenticated-write-route, reason = \"signed by Stripe\")
  - { route: POST /webhooks/stripe, public: \"signed by Stripe\" }
  # portcullis: allow(unauthenticated-write-route, reason = \"signed by GitHub\")
  - route: POST /webhooks/github
    public: \"signed by GitHub\"
  - { route: POST /webhooks/slack, public: \"signed by Slack\" }
";
    let findings = lint_yaml(source);
    assert_eq!(
        brief(&findings),
        [
            ("unused-scheme", 7, 3, true),
            ("api-key-without-prefix", 9, 3, true),
            ("unauthenticated-write-route", 18, 5, true),
            ("unauthenticated-write-route", 20, 5, true),
            ("unauthenticated-write-route", 22, 5, false),
        ]
    );
}

#[test]
fn a_yaml_suppression_does_not_reach_through_a_blank_line_or_to_another_rule() {
    let source = "\
version: 1
realm: api.example.com

routes:
  # portcullis: allow(unauthenticated-write-route, reason = \"signed by Stripe\")

  - { route: POST /webhooks/stripe, public: \"signed by Stripe\" }
  # portcullis: allow(public-without-reason, reason = \"signed by GitHub\")
  - { route: POST /webhooks/github, public: \"signed by GitHub\" }
";
    let findings = lint_yaml(source);
    assert_eq!(
        brief(&findings),
        [
            ("unused-suppression", 5, 3, false),
            ("unauthenticated-write-route", 7, 5, false),
            ("unused-suppression", 8, 3, false),
            ("unauthenticated-write-route", 9, 5, false),
        ]
    );
}

#[test]
fn a_suppression_without_a_reason_suppresses_nothing() {
    let path = fixture("suppression-without-reason", "fires").expect("a fixture");
    let findings = lint_file(&path, &LintOptions::default());
    let writes = of_rule(&findings, "unauthenticated-write-route");
    assert_eq!(writes.len(), 3);
    assert!(writes.iter().all(|f| !f.suppressed), "{writes:#?}");
    let help = of_rule(&findings, "suppression-without-reason")[0].help.clone();
    assert_eq!(
        help.as_deref(),
        Some("write `# portcullis: allow(RULE, reason = \"why this is fine here\")`")
    );
}

#[test]
fn findings_about_suppressions_cannot_themselves_be_suppressed() {
    let source = format!(
        "{HEAD}# portcullis: allow(suppression-without-reason, reason = \"later\")\n\
         # portcullis: allow(unauthenticated-write-route)\n\
         POST /webhooks/stripe  public \"signed by Stripe\"\n"
    );
    let findings = lint_dsl(&source);
    assert_eq!(
        brief(&findings),
        [
            ("unused-suppression", 6, 1, false),
            ("suppression-without-reason", 7, 1, false),
            ("unauthenticated-write-route", 8, 1, false),
        ]
    );
}

#[test]
fn the_shipped_examples_lint_clean_but_for_suppressed_findings() {
    for name in ["policies/example.policy", "policies/example.yaml"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
        let findings = lint_file(&path, &LintOptions::default());
        let loud: Vec<&Finding> =
            findings.iter().filter(|f| !f.suppressed && f.rule != "non-canonical-format").collect();
        assert!(loud.is_empty(), "{name}: {loud:#?}");
        let suppressed: Vec<&str> =
            findings.iter().filter(|f| f.suppressed).map(|f| f.rule).collect();
        assert_eq!(suppressed, ["overlapping-routes"], "{name}");
    }
}

#[test]
fn a_suppressed_error_does_not_fail_the_cli_run() {
    let dir = Scratch::new("suppressed-error");
    let body = "version 1\nrealm \"r\"\n\n\
                scheme browser: session {\n    cookie \"sid\"\n    same_site lax\n    \
                secure true\n    http_only true\n    store \"sessions\"\n}\n\n\
                default deny\n\n";
    let loud = dir.write("loud.policy", &format!("{body}POST /form  allow browser\n"));
    let quiet = dir.write(
        "quiet.policy",
        &format!(
            "{body}# portcullis: allow(cookie-auth-without-csrf, reason = \"SameSite=Lax \
             and an Origin check in the app\")\nPOST /form  allow browser\n"
        ),
    );
    let out = portcullis(&["lint", s(&loud)]);
    assert_eq!(code(&out), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("error[cookie-auth-without-csrf]"));

    let out = portcullis(&["lint", s(&quiet)]);
    assert_eq!(code(&out), Some(0), "{}", stdout(&out));
    assert!(!stdout(&out).contains("cookie-auth-without-csrf"), "{}", stdout(&out));
    assert!(stdout(&out).ends_with("0 error(s), 0 warning(s), 0 note(s), 1 suppressed\n"));

    let json = json_out(&portcullis(&["lint", "--format", "json", s(&quiet)]));
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["rule"], "cookie-auth-without-csrf");
    assert_eq!(findings[0]["suppressed"], true);
}

// ---------------------------------------------------------------------------------------
// 3. Level overrides, through the library and the command line
// ---------------------------------------------------------------------------------------

#[test]
fn override_allow_drops_a_rule_s_findings() {
    let path = fixture("unauthenticated-write-route", "fires").expect("a fixture");
    let all = lint_file(&path, &LintOptions::default());
    assert_eq!(of_rule(&all, "unauthenticated-write-route").len(), 3);
    let allowed =
        lint_file(&path, &with(vec![Override::Allow("unauthenticated-write-route".into())]));
    assert!(of_rule(&allowed, "unauthenticated-write-route").is_empty(), "{allowed:#?}");
    assert_eq!(allowed.len(), all.len() - 3);
}

#[test]
fn override_warn_lowers_an_error_and_deny_raises_a_warning_or_a_note() {
    let levels = |rule: &str, overrides: Vec<Override>| -> Vec<Level> {
        let path = fixture(rule, "fires").expect("a fixture");
        of_rule(&lint_file(&path, &with(overrides)), rule).iter().map(|f| f.level).collect()
    };
    let id = "session-samesite-none".to_owned();
    assert_eq!(levels(&id, vec![]), [E]);
    assert_eq!(levels(&id, vec![Override::Warn(id.clone())]), [W]);

    let id = "unused-scheme".to_owned();
    assert_eq!(levels(&id, vec![Override::Deny(id.clone())]), [E]);

    let id = "session-samesite-strict".to_owned();
    assert_eq!(levels(&id, vec![Override::Warn(id.clone())]), [W]);
    assert_eq!(levels(&id, vec![Override::Deny(id.clone())]), [E]);
}

#[test]
fn overrides_apply_in_order_and_only_to_the_rule_they_name() {
    let path = fixture("unused-scheme", "fires").expect("a fixture");
    let id = || "unused-scheme".to_owned();
    let levels = |overrides: Vec<Override>| -> Vec<Level> {
        lint_file(&path, &with(overrides)).iter().map(|f| f.level).collect()
    };
    assert_eq!(levels(vec![Override::Deny(id()), Override::Allow(id())]), Vec::<Level>::new());
    assert_eq!(levels(vec![Override::Allow(id()), Override::Deny(id())]), [E]);
    assert_eq!(levels(vec![Override::Deny(id()), Override::Warn(id())]), [W]);
    assert_eq!(levels(vec![Override::Allow(id()), Override::Warn(id())]), [W]);
    assert_eq!(levels(vec![Override::Deny("unused-scope".into())]), [W]);
    assert_eq!(levels(vec![Override::Allow("unused-scope".into())]), [W]);
}

#[test]
fn overrides_apply_to_the_suppression_rules_too() {
    let path = fixture("unused-suppression", "fires").expect("a fixture");
    let denied = lint_file(&path, &with(vec![Override::Deny("unused-suppression".into())]));
    let levels: Vec<Level> =
        of_rule(&denied, "unused-suppression").iter().map(|f| f.level).collect();
    assert_eq!(levels, [E, E, E]);

    let path = fixture("unknown-lint-rule", "fires").expect("a fixture");
    let allowed = lint_file(&path, &with(vec![Override::Allow("unknown-lint-rule".into())]));
    assert!(of_rule(&allowed, "unknown-lint-rule").is_empty(), "{allowed:#?}");
}

#[test]
fn an_override_keeps_a_suppressed_finding_suppressed() {
    let source = format!(
        "{HEAD}# portcullis: allow(unauthenticated-write-route, reason = \"signed by Stripe\")\n\
         POST /webhooks/stripe  public \"signed by Stripe\"\n"
    );
    let options = with(vec![Override::Deny("unauthenticated-write-route".into())]);
    let findings = lint::lint(&source, Syntax::Dsl, &options);
    assert_eq!(brief(&findings), [("unauthenticated-write-route", 7, 1, true)]);
    assert_eq!(findings[0].level, Level::Error);
    let files = [FileFindings { path: "p.policy", source: &source, findings: &findings }];
    assert!(!report::fails(&files, true));

    // Allowing the rule still counts the suppression as used.
    let options = with(vec![Override::Allow("unauthenticated-write-route".into())]);
    assert_eq!(lint::lint(&source, Syntax::Dsl, &options), []);
}

#[test]
fn unknown_rules_lists_the_overrides_that_name_no_rule() {
    let options = with(vec![
        Override::Allow("unused-scheme".into()),
        Override::Warn("unused-shceme".into()),
        Override::Deny("warnings".into()),
        Override::Deny("compile-error".into()),
    ]);
    assert_eq!(lint::unknown_rules(&options), ["unused-shceme", "compile-error"]);
    assert_eq!(lint::unknown_rules(&LintOptions::default()), Vec::<String>::new());
}

#[test]
fn cli_allow_warn_and_deny_change_levels_and_exit_status() {
    let csrf = "tests/fixtures/lint/cookie-auth-without-csrf.fires.policy";
    let out = portcullis(&["lint", csrf]);
    assert_eq!(code(&out), Some(1));
    assert_eq!(stdout(&out).matches("error[cookie-auth-without-csrf]").count(), 3);

    let out = portcullis(&["lint", "--allow", "cookie-auth-without-csrf", csrf]);
    assert_eq!(code(&out), Some(0), "{}", stdout(&out));
    assert!(!stdout(&out).contains("cookie-auth-without-csrf"));
    assert!(stdout(&out).ends_with("0 error(s), 0 warning(s), 0 note(s), 0 suppressed\n"));

    let out = portcullis(&["lint", "--warn", "cookie-auth-without-csrf", csrf]);
    assert_eq!(code(&out), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out).matches("warning[cookie-auth-without-csrf]").count(), 3);

    let unused = "tests/fixtures/lint/unused-scheme.fires.policy";
    let out = portcullis(&["lint", unused]);
    assert_eq!(code(&out), Some(0), "{}", stdout(&out));
    let out = portcullis(&["lint", "--deny", "unused-scheme", unused]);
    assert_eq!(code(&out), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("error[unused-scheme]: "), "{}", stdout(&out));
    // Another rule denied leaves this one a warning.
    let out = portcullis(&["lint", "--deny", "unused-scope", unused]);
    assert_eq!(code(&out), Some(0), "{}", stdout(&out));
}

#[test]
fn cli_deny_warnings_fails_on_warnings_but_not_on_notes_or_suppressed_findings() {
    let warning = "tests/fixtures/lint/unused-scheme.fires.policy";
    assert_eq!(code(&portcullis(&["lint", warning])), Some(0));
    let out = portcullis(&["lint", "--deny", "warnings", warning]);
    assert_eq!(code(&out), Some(1), "{}", stdout(&out));
    // The warning is still printed as a warning.
    assert!(stdout(&out).starts_with("warning[unused-scheme]: "), "{}", stdout(&out));

    for note_only in [
        "tests/fixtures/lint/session-samesite-strict.fires.policy",
        "tests/fixtures/lint/non-canonical-format.fires.policy",
    ] {
        let out = portcullis(&["lint", "--deny", "warnings", note_only]);
        assert_eq!(code(&out), Some(0), "{note_only}: {}", stdout(&out));
    }
    let suppressed = "tests/fixtures/lint/unused-suppression.quiet.yaml";
    assert_eq!(code(&portcullis(&["lint", "--deny", "warnings", suppressed])), Some(0));
    assert_eq!(code(&portcullis(&["lint", "--deny", "warnings", "policies"])), Some(0));
}

#[test]
fn cli_flags_naming_no_rule_are_unknown_lint_rule_errors() {
    let clean = "tests/fixtures/lint/unused-scheme.quiet.policy";
    for flag in ["--allow", "--warn", "--deny"] {
        let out = portcullis(&["lint", flag, "unused-shceme", clean]);
        assert_eq!(code(&out), Some(1), "{flag}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            "error[unknown-lint-rule]: a command-line flag names `unused-shceme`, which is no \
             rule\n",
            "{flag}"
        );
        // The files are still linted.
        assert!(stdout(&out).contains("1 file(s) linted"), "{flag}: {}", stdout(&out));
    }
}

#[test]
fn cli_warnings_is_only_special_after_deny() {
    let warning = "tests/fixtures/lint/unused-scheme.fires.policy";
    for flag in ["--allow", "--warn"] {
        let out = portcullis(&["lint", flag, "warnings", warning]);
        let applied = flag == "--allow" && !stdout(&out).contains("warning[unused-scheme]");
        let reported = stderr(&out).contains("error[unknown-lint-rule]") && code(&out) == Some(1);
        assert!(applied || reported, "{flag} warnings: {}{}", stdout(&out), stderr(&out));
    }
}

#[test]
fn cli_max_token_lifetime_sets_the_threshold() {
    let hour = "tests/fixtures/lint/jwt-long-lived-tokens.quiet.policy";
    let out = portcullis(&["lint", hour]);
    assert!(!stdout(&out).contains("jwt-long-lived-tokens"), "{}", stdout(&out));
    let out = portcullis(&["lint", "--max-token-lifetime", "30m", hour]);
    assert_eq!(code(&out), Some(0));
    assert!(
        stdout(&out).contains(
            "warning[jwt-long-lived-tokens]: JWT scheme `hour_jwt` accepts tokens living 1h"
        ),
        "{}",
        stdout(&out)
    );
    let out = portcullis(&["lint", "--max-token-lifetime", "1.5h", hour]);
    assert_eq!(code(&out), Some(2));
    assert!(stderr(&out).contains("--max-token-lifetime `1.5h` is not a duration"));
}

// ---------------------------------------------------------------------------------------
// 4. The `portcullis lint` verb
// ---------------------------------------------------------------------------------------

#[test]
fn cli_the_shipped_policies_folder_lints_clean() {
    let out = portcullis(&["lint", "policies"]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("2 file(s) linted: 0 error(s), 0 warning(s)"),
        "{}",
        stdout(&out)
    );

    let json = json_out(&portcullis(&["lint", "--format", "json", "policies"]));
    let files: BTreeSet<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["file"].as_str().expect("a file"))
        .collect();
    assert!(files.iter().all(|f| ["policies/example.policy", "policies/example.yaml"].contains(f)));
}

#[test]
fn cli_exits_1_on_an_error_and_0_on_warnings_and_notes() {
    let cases = [
        ("session-samesite-none.fires.policy", 1),
        ("default-not-deny.fires.yaml", 1),
        ("unknown-lint-rule.fires.policy", 1),
        ("unused-scope.fires.yaml", 0),
        ("session-samesite-strict.fires.policy", 0),
        ("non-canonical-format.fires.policy", 0),
        ("unused-scheme.quiet.policy", 0),
    ];
    for (name, status) in cases {
        let path = format!("tests/fixtures/lint/{name}");
        let out = portcullis(&["lint", &path]);
        assert_eq!(code(&out), Some(status), "{name}: {}{}", stdout(&out), stderr(&out));
    }
    // One failing file fails the run of several.
    let out = portcullis(&[
        "lint",
        "tests/fixtures/lint/unused-scheme.quiet.policy",
        "tests/fixtures/lint/session-samesite-none.fires.policy",
    ]);
    assert_eq!(code(&out), Some(1));
    assert!(stdout(&out).contains("2 file(s) linted: 1 error(s)"), "{}", stdout(&out));
}

#[test]
fn cli_exits_2_for_paths_it_cannot_lint() {
    let dir = Scratch::new("exit-2");
    dir.write("empty/notes.txt", "not a policy\n");
    dir.write("empty/cases.test.yaml", "version: 1\nrealm: r\n");
    dir.write("empty/nested/inner.policy", "version 1\nrealm \"r\"\n");
    let text = dir.write("policy.txt", "version 1\nrealm \"r\"\n");
    let good = "tests/fixtures/lint/unused-scheme.quiet.policy";

    let empty = format!("{}/empty", dir.path());
    let missing = format!("{}/missing.policy", dir.path());
    let cases: [(&[&str], &str); 5] = [
        (&[empty.as_str()], "holds no policy"),
        (&[missing.as_str()], "cannot read"),
        (&[s(&text), good], "is not a policy"),
        (&[good, missing.as_str()], "cannot read"),
        (&[], "name at least one policy file or folder"),
    ];
    for (paths, message) in cases {
        let mut args = vec!["lint"];
        args.extend_from_slice(paths);
        let out = portcullis(&args);
        assert_eq!(code(&out), Some(2), "{paths:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{paths:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{paths:?}: {}", stdout(&out));
    }
}

#[test]
fn cli_a_folder_means_the_policies_directly_in_it() {
    let dir = Scratch::new("folder");
    let head = "version 1\nrealm \"r\"\n\ndefault deny\n\n";
    dir.write("b.policy", &format!("{head}POST /b  public \"b\"\n"));
    dir.write("a.yaml", "version: 1\nrealm: r\nroutes:\n  - { route: GET /a, public: \"a\" }\n");
    dir.write("c.yml", "version: 1\nrealm: r\n");
    // None of these is linted; each would fail the run if it were.
    dir.write("cases.test.yaml", "this: [is not a policy\n");
    dir.write("nested/inner.policy", &format!("{head}GET /x  allow nobody\n"));
    dir.write("notes.txt", "default public\n");
    dir.write("folder.policy/inner.policy", "not a policy\n");

    let out = portcullis(&["lint", "--format", "json", dir.path()]);
    assert_eq!(code(&out), Some(0), "{}{}", stdout(&out), stderr(&out));
    let json = json_out(&out);
    let files: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["file"].as_str().expect("a file"))
        .collect();
    assert_eq!(files, [format!("{}/b.policy", dir.path())], "{json:#}");

    let out = portcullis(&["lint", dir.path()]);
    assert!(
        stdout(&out)
            .ends_with("3 file(s) linted: 0 error(s), 1 warning(s), 0 note(s), 0 suppressed\n")
    );
    assert_eq!(code(&portcullis(&["lint", "--deny", "warnings", dir.path()])), Some(1));

    // A test file named directly is linted like any other YAML file.
    let test_file = format!("{}/cases.test.yaml", dir.path());
    assert_eq!(code(&portcullis(&["lint", &test_file])), Some(1));
}

#[test]
fn cli_explain_prints_each_rule_s_documentation() {
    for rule in RULES {
        let out = portcullis(&["lint", "--explain", rule.id]);
        assert_eq!(code(&out), Some(0), "{}", rule.id);
        let text = stdout(&out);
        let head = format!(
            "{} ({}, {} by default)\n\n{}\n\n",
            rule.id,
            rule.category.as_str(),
            rule.level,
            rule.summary
        );
        assert!(text.starts_with(&head), "{}:\n{text}", rule.id);
        let mut at = 0;
        for section in [
            "\nWhat it does\n    ",
            "\nWhy it matters\n    ",
            "\nExample\n    ",
            "\nUse instead\n    ",
        ] {
            let found = text[at..].find(section);
            assert!(found.is_some(), "{}: no {section:?} after byte {at}:\n{text}", rule.id);
            at += found.unwrap_or_default() + section.len();
        }
        assert!(text.contains(rule.what.lines().next().unwrap_or_default()), "{}", rule.id);
        assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "{}", rule.id);
    }
    let out = portcullis(&["lint", "--explain", "unused-suppression"]);
    assert!(!stdout(&out).contains("References"));
    let out = portcullis(&["lint", "--explain", "default-not-deny"]);
    assert!(stdout(&out).contains("\nReferences\n    OWASP ASVS V4.1.5"));
}

#[test]
fn cli_explain_of_an_unknown_rule_exits_2() {
    let out = portcullis(&["lint", "--explain", "unused-shceme"]);
    assert_eq!(code(&out), Some(2));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "error[unknown-lint-rule]: `unused-shceme` names no lint rule\n");
}

#[test]
fn cli_docs_prints_docs_lints_md() {
    let out = portcullis(&["lint", "--docs"]);
    assert_eq!(code(&out), Some(0));
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lints.md");
    let docs = read(&file);
    assert!(stdout(&out) == docs, "docs/lints.md is stale: run `portcullis lint --docs`");
    assert_eq!(report::markdown().trim_end(), docs.trim_end());
    for rule in RULES {
        assert!(docs.contains(&format!("\n## `{}`\n", rule.id)), "{}", rule.id);
    }
}

// ---------------------------------------------------------------------------------------
// 5. Output formats, read back
// ---------------------------------------------------------------------------------------

#[test]
fn human_output_is_rustc_style() {
    let out = portcullis(&["lint", "tests/fixtures/lint/session-samesite-none.fires.policy"]);
    assert_eq!(code(&out), Some(1));
    let expected = "\
error[session-samesite-none]: session cookie of `embed` is sent cross-site
 --> tests/fixtures/lint/session-samesite-none.fires.policy:4:8
  |
4 | scheme embed: session {
  |        ^^^^^^^^^^^^^^^^
  = help: use `same_site lax` unless another site must embed signed-in requests

1 file(s) linted: 1 error(s), 0 warning(s), 0 note(s), 0 suppressed
";
    assert_eq!(stdout(&out), expected);
    assert_eq!(stderr(&out), "");
}

#[test]
fn human_output_widens_the_gutter_and_leaves_suppressed_findings_to_the_count() {
    let out = portcullis(&[
        "lint",
        "tests/fixtures/lint/unused-scheme.fires.policy",
        "tests/fixtures/lint/unused-suppression.quiet.yaml",
    ]);
    let expected = "\
warning[unused-scheme]: scheme `legacy_key` is not accepted by any route
  --> tests/fixtures/lint/unused-scheme.fires.policy:10:8
   |
10 | scheme legacy_key: api_key {
   |        ^^^^^^^^^^^^^^^^^^^^^
   = help: list it under a route's `allow`, or delete it

2 file(s) linted: 0 error(s), 1 warning(s), 0 note(s), 2 suppressed
";
    assert_eq!(stdout(&out), expected);
    assert!(!stdout(&out).contains('\u{1b}'), "no colour when stdout is not a terminal");
}

#[test]
fn human_output_is_coloured_only_when_asked() {
    let path = fixture("unknown-lint-rule", "fires").expect("a fixture");
    let source = read(&path);
    let findings = lint_file(&path, &LintOptions::default());
    let files = [FileFindings { path: "x.policy", source: &source, findings: &findings }];
    let plain = report::human(&files, false);
    assert!(!plain.contains('\u{1b}'));
    assert!(plain.contains("error[unknown-lint-rule]: `unused-schema` names no lint rule\n"));
    assert!(plain.contains("  --> x.policy:19:1\n"));
    let line = "# portcullis: allow(public-without-reasons, reason = \"typo\")";
    assert!(plain.contains(&format!("\n19 | {line}\n   | {}\n", "^".repeat(line.len()))));
    assert!(plain.contains("   = help: did you mean `public-without-reason`?\n"));
    assert!(
        plain.ends_with("1 file(s) linted: 2 error(s), 1 warning(s), 0 note(s), 0 suppressed\n")
    );

    let coloured = report::human(&files, true);
    assert!(coloured.contains("\u{1b}[1;31merror[unknown-lint-rule]\u{1b}[0m: "));
    assert!(coloured.contains("\u{1b}[1;33mwarning[unused-scheme]\u{1b}[0m: "));
    let stripped =
        coloured.replace("\u{1b}[1;31m", "").replace("\u{1b}[1;33m", "").replace("\u{1b}[0m", "");
    assert_eq!(stripped, plain);
}

#[test]
fn json_output_lists_every_finding_with_positions_and_counts() {
    let out = portcullis(&[
        "lint",
        "--format",
        "json",
        "tests/fixtures/lint/unused-scheme.fires.policy",
        "tests/fixtures/lint/unknown-lint-rule.quiet.policy",
        "tests/fixtures/lint/session-samesite-strict.fires.policy",
    ]);
    assert_eq!(code(&out), Some(0));
    let json = json_out(&out);
    assert_eq!(json["version"], 1);
    let expected = serde_json::json!([
        {
            "rule": "unused-scheme",
            "level": "warning",
            "message": "scheme `legacy_key` is not accepted by any route",
            "help": "list it under a route's `allow`, or delete it",
            "file": "tests/fixtures/lint/unused-scheme.fires.policy",
            "start": { "line": 10, "column": 8 },
            "end": { "line": 10, "column": 28 },
            "suppressed": false,
        },
        {
            "rule": "unused-scheme",
            "level": "warning",
            "message": "scheme `legacy_key` is not accepted by any route",
            "help": "list it under a route's `allow`, or delete it",
            "file": "tests/fixtures/lint/unknown-lint-rule.quiet.policy",
            "start": { "line": 11, "column": 8 },
            "end": { "line": 11, "column": 28 },
            "suppressed": true,
        },
        {
            "rule": "session-samesite-strict",
            "level": "note",
            "message": "session cookie of `browser` is withheld on arrivals from other sites",
            "help": "use `same_site lax` if sign-in redirects must keep the session",
            "file": "tests/fixtures/lint/session-samesite-strict.fires.policy",
            "start": { "line": 4, "column": 8 },
            "end": { "line": 4, "column": 25 },
            "suppressed": false,
        },
    ]);
    assert_eq!(json["findings"], expected);
    assert_eq!(
        json["counts"],
        serde_json::json!({ "errors": 0, "warnings": 1, "notes": 1, "suppressed": 1 })
    );
}

#[test]
fn json_output_of_a_clean_run_has_an_empty_findings_list() {
    let out =
        portcullis(&["lint", "--format", "json", "tests/fixtures/lint/unused-scheme.quiet.policy"]);
    assert_eq!(code(&out), Some(0));
    let json = json_out(&out);
    assert_eq!(json["findings"], serde_json::json!([]));
    assert_eq!(
        json["counts"],
        serde_json::json!({ "errors": 0, "warnings": 0, "notes": 0, "suppressed": 0 })
    );
}

fn sarif_of(paths: &[&str]) -> Value {
    let mut args = vec!["lint", "--format", "sarif"];
    args.extend_from_slice(paths);
    json_out(&portcullis(&args))
}

#[test]
fn sarif_output_is_sarif_2_1_0_with_every_rule_in_the_driver() {
    let sarif = sarif_of(&["tests/fixtures/lint/unused-scheme.quiet.policy"]);
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().is_some_and(|s| s.contains("sarif-2.1.0")), "{sarif:#}");
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "portcullis");
    let rules = driver["rules"].as_array().expect("driver.rules");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().expect("an id")).collect();
    // Every rule, then `compile-error`, which results may name too.
    let mut expected: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    expected.push(portcullis::lint::COMPILE_ERROR);
    assert_eq!(ids, expected);
    for (rule, sarif_rule) in RULES.iter().zip(rules) {
        assert_eq!(sarif_rule["shortDescription"]["text"], rule.summary);
        for field in ["fullDescription", "help"] {
            let text = sarif_rule[field]["text"].as_str().unwrap_or_default();
            assert!(!text.is_empty(), "{}: {field}", rule.id);
        }
        assert!(
            sarif_rule["fullDescription"]["text"].as_str().unwrap_or_default().contains(rule.what)
        );
        assert!(sarif_rule["help"]["text"].as_str().unwrap_or_default().contains("What it does"));
        assert_eq!(sarif_rule["defaultConfiguration"]["level"], rule.level.as_str());
    }
    // A clean run: `results` is there, and empty.
    assert_eq!(runs[0]["results"], serde_json::json!([]));
}

#[test]
fn sarif_results_have_one_repository_relative_location_each() {
    let sarif = sarif_of(&[
        "./tests/fixtures/lint/weaker-than-enclosing-route.fires.policy",
        "tests/fixtures/lint/session-samesite-strict.fires.policy",
        "tests/fixtures/lint/unused-suppression.quiet.yaml",
        "tests/fixtures/lint/session-cookie-flags.fires.yaml",
    ]);
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    let mut levels = BTreeSet::new();
    let mut uris = BTreeSet::new();
    for result in results {
        let rule = result["ruleId"].as_str().expect("ruleId");
        assert!(lint::rule(rule).is_some(), "{rule}");
        let level = result["level"].as_str().expect("level");
        assert!(["error", "warning", "note"].contains(&level), "{level}");
        levels.insert(level);
        assert!(!result["message"]["text"].as_str().unwrap_or_default().is_empty());
        let locations = result["locations"].as_array().expect("locations");
        assert_eq!(locations.len(), 1, "{result:#}");
        let physical = &locations[0]["physicalLocation"];
        let uri = physical["artifactLocation"]["uri"].as_str().expect("a uri");
        assert!(!uri.starts_with("./") && !uri.starts_with('/') && !uri.contains('\\'), "{uri}");
        uris.insert(uri);
        let region = &physical["region"];
        assert!(region["startLine"].as_u64().is_some_and(|l| l >= 1), "{result:#}");
        assert!(region["startColumn"].as_u64().is_some_and(|c| c >= 1), "{result:#}");
    }
    assert_eq!(levels, BTreeSet::from(["error", "note", "warning"]));
    assert_eq!(
        uris,
        BTreeSet::from([
            "tests/fixtures/lint/session-cookie-flags.fires.yaml",
            "tests/fixtures/lint/session-samesite-strict.fires.policy",
            "tests/fixtures/lint/unused-suppression.quiet.yaml",
            "tests/fixtures/lint/weaker-than-enclosing-route.fires.policy",
        ])
    );

    // The first finding, exactly; a suppressed one is marked as such.
    let first = &results[0];
    assert_eq!(first["ruleId"], "weaker-than-enclosing-route");
    assert_eq!(first["level"], "warning");
    let region = &first["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 26);
    assert_eq!(region["startColumn"], 1);
    let suppressed: Vec<&Value> =
        results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(suppressed.len(), 2);
    assert!(
        suppressed.iter().all(|r| r["suppressions"] == serde_json::json!([{ "kind": "inSource" }]))
    );
}

#[test]
fn github_output_is_workflow_commands() {
    let out = portcullis(&[
        "lint",
        "--format",
        "github",
        "tests/fixtures/lint/unused-scheme.fires.policy",
        "tests/fixtures/lint/session-samesite-strict.fires.policy",
        "tests/fixtures/lint/session-samesite-none.fires.policy",
        "tests/fixtures/lint/unused-suppression.quiet.yaml",
    ]);
    assert_eq!(code(&out), Some(1));
    let expected = "\
::warning file=tests/fixtures/lint/unused-scheme.fires.policy,line=10,col=8,endLine=10,\
endColumn=28,title=unused-scheme::scheme `legacy_key` is not accepted by any route%0A\
list it under a route's `allow`, or delete it
::notice file=tests/fixtures/lint/session-samesite-strict.fires.policy,line=4,col=8,\
endLine=4,endColumn=25,title=session-samesite-strict::session cookie of `browser` is \
withheld on arrivals from other sites%0Ause `same_site lax` if sign-in redirects must keep \
the session
::error file=tests/fixtures/lint/session-samesite-none.fires.policy,line=4,col=8,endLine=4,\
endColumn=23,title=session-samesite-none::session cookie of `embed` is sent cross-site%0A\
use `same_site lax` unless another site must embed signed-in requests
";
    assert_eq!(stdout(&out), expected);

    let clean = portcullis(&[
        "lint",
        "--format",
        "github",
        "tests/fixtures/lint/unused-scheme.quiet.policy",
    ]);
    assert_eq!(code(&clean), Some(0));
    assert_eq!(stdout(&clean), "");
}

#[test]
fn github_output_escapes_percent_and_carriage_return_from_a_policy() {
    let dir = Scratch::new("github-escape");
    // A cookie name with a CR and a `%` in it: the compile error quotes it.
    let path = dir.write(
        "cookie.yaml",
        "version: 1\nrealm: r\nschemes:\n  s: { type: session, cookie: \"a\\r%b\", store: x }\n\
         routes:\n  - { route: GET /a, allow: s }\n",
    );
    let out = portcullis(&["lint", "--format", "github", s(&path)]);
    assert_eq!(code(&out), Some(1));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("::error file="), "{text}");
    assert!(text.contains(",line=4,col="), "{text}");
    assert!(text.contains(",title=compile-error::"), "{text}");
    assert!(text.ends_with("::`a%0D%25b` is not a valid cookie name\n"), "{text:?}");
}

#[test]
fn github_escapes_data_and_properties() {
    let finding = Finding {
        rule: "unused-scheme",
        level: Level::Warning,
        message: "100% sure,\r\nreally: yes".into(),
        help: Some("50%".into()),
        start: Span::new(3, 2),
        end: Span::new(3, 9),
        suppressed: false,
    };
    let findings = [finding];
    let files = [FileFindings { path: ".\\dir\\a:b,c.policy", source: "", findings: &findings }];
    assert_eq!(
        report::github(&files),
        "::warning file=dir/a%3Ab%2Cc.policy,line=3,col=2,endLine=3,endColumn=9,\
         title=unused-scheme::100%25 sure,%0D%0Areally: yes%0A50%25\n"
    );
}

#[test]
fn fails_counts_unsuppressed_errors_and_denied_warnings() {
    let make = |rule: &'static str, level: Level, suppressed: bool| Finding {
        rule,
        level,
        message: "m".into(),
        help: None,
        start: Span::new(1, 1),
        end: Span::new(1, 1),
        suppressed,
    };
    let fails = |finding: Finding, deny_warnings: bool| {
        let findings = [finding];
        report::fails(&[FileFindings { path: "p", source: "", findings: &findings }], deny_warnings)
    };
    assert!(fails(make("default-not-deny", E, false), false));
    assert!(!fails(make("default-not-deny", E, true), true));
    assert!(!fails(make("unused-scheme", W, false), false));
    assert!(fails(make("unused-scheme", W, false), true));
    assert!(!fails(make("unused-scheme", W, true), true));
    assert!(!fails(make("non-canonical-format", N, false), true));
    assert!(fails(make(lint::COMPILE_ERROR, W, false), false));
    assert!(!report::fails(&[], true));
}

// ---------------------------------------------------------------------------------------
// 6. YAML positions
// ---------------------------------------------------------------------------------------

#[test]
fn yaml_findings_point_at_the_route_item_and_the_scheme_key() {
    let source = "\
version: 1
realm: api.example.com

# The schemes.
schemes:

  app_key: { type: api_key, prefixes: [ak_], store: app_keys }

  legacy_key:
    type: api_key
    prefixes: [lk_]
    store: legacy_keys

default: deny

routes:
  - { route: GET /data, allow: app_key }

  # Webhooks.
  - { route: POST /webhooks/stripe, public: \"signed by Stripe\" }
  -   route: PUT /webhooks/github
      public: \"signed by GitHub\"
";
    let findings = lint_yaml(source);
    assert_eq!(
        brief(&findings),
        [
            ("unused-scheme", 9, 3, false),
            ("unauthenticated-write-route", 20, 5, false),
            ("unauthenticated-write-route", 21, 7, false),
        ]
    );
    let lines: Vec<&str> = source.lines().collect();
    assert!(lines[8].starts_with("  legacy_key:"));
    assert!(lines[19].contains("POST /webhooks/stripe"));
    assert!(lines[20].contains("PUT /webhooks/github"));
}

// ---------------------------------------------------------------------------------------
// 7. Policies that do not compile
// ---------------------------------------------------------------------------------------

#[test]
fn compile_errors_are_unsuppressible_error_findings() {
    // Neither a comment nor a level override touches a compile error.
    let options =
        with(vec![Override::Allow("compile-error".into()), Override::Warn("compile-error".into())]);
    let brief_of = |source: &str| -> Vec<(&'static str, Level, u32, u32, String, bool)> {
        lint::lint(source, Syntax::Dsl, &options)
            .into_iter()
            .map(|f| (f.rule, f.level, f.start.line, f.start.column, f.message, f.suppressed))
            .collect()
    };
    // A parse error: rules do not run, so the public write route goes unreported.
    let parse = format!(
        "{HEAD}# portcullis: allow(compile-error, reason = \"try it\")\n\
         # portcullis: allow(unauthenticated-write-route, reason = \"try it\")\n\
         POST /a%2F  public\n\
         POST /b     public\n"
    );
    let message = "segment `a%2F` contains `%`, which a route literal cannot hold";
    assert_eq!(brief_of(&parse), [("compile-error", E, 8, 1, message.into(), false)]);

    // A whole-policy error, found after parsing.
    let compile = format!(
        "{HEAD}# portcullis: allow(compile-error, reason = \"try it\")\n\
         GET /b  allow nobody\n"
    );
    let message = "unknown scheme `nobody` in route `GET /b`";
    assert_eq!(brief_of(&compile), [("compile-error", E, 7, 15, message.into(), false)]);
}

#[test]
fn compile_errors_in_yaml_are_findings_too() {
    let source = "version: 1\nrealm: r\nroutes:\n  - { route: GET /a, public: \"x\" }\n  \
                  - { route: GET /b, alow: [user_jwt] }\n";
    let findings = lint_yaml(source);
    assert!(!findings.is_empty());
    for f in &findings {
        assert_eq!((f.rule, f.level, f.suppressed), (lint::COMPILE_ERROR, E, false), "{f:?}");
        assert_eq!(f.start.line, 5, "{f:?}");
    }
    assert!(findings.iter().any(|f| f.message.contains("`alow`")), "{findings:#?}");
}

#[test]
fn cli_a_policy_that_does_not_compile_fails_the_run() {
    let dir = Scratch::new("compile-error");
    let bad = dir.write(
        "bad.policy",
        &format!(
            "{HEAD}# portcullis: allow(compile-error, reason = \"try it\")\n\
             GET /a%2F  public \"x\"\n"
        ),
    );
    let out = portcullis(&["lint", s(&bad), "tests/fixtures/lint/unused-scheme.quiet.policy"]);
    assert_eq!(code(&out), Some(1));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "error[compile-error]: segment `a%2F` contains `%`, which a route literal cannot hold\n"
        ),
        "{text}"
    );
    assert!(text.contains(&format!(" --> {}:7:1\n", bad.display())), "{text}");
    assert!(
        text.ends_with("2 file(s) linted: 1 error(s), 0 warning(s), 0 note(s), 0 suppressed\n")
    );

    let json = json_out(&portcullis(&["lint", "--format", "json", s(&bad)]));
    assert_eq!(json["findings"][0]["rule"], "compile-error");
    assert_eq!(json["findings"][0]["level"], "error");
    assert_eq!(json["findings"][0]["suppressed"], false);
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(1));
    let out = portcullis(&["lint", "--warn", "unused-scheme", s(&bad)]);
    assert_eq!(code(&out), Some(1));
}

// ---------------------------------------------------------------------------------------
// Rules misjudging realistic policies (ignored until fixed)
// ---------------------------------------------------------------------------------------

const KEYS: &str = "version 1\nrealm \"api.example.com\"\n\n\
                    scopes {\n    data:read\n    data:write implies data:read\n    extra\n}\n\n\
                    scheme app_key: api_key {\n    prefixes \"ak_\"\n    store \"app_keys\"\n}\n\n\
                    scheme other_key: api_key {\n    prefixes \"ok_\"\n    \
                    store \"other_keys\"\n}\n\n\
                    default deny\n\n";

#[test]
fn admin_route_shares_auth_does_not_take_badminton_for_admin() {
    let source = format!(
        "{KEYS}GET /courts               allow app_key\n\
         GET /badminton/courts     allow app_key\n\
         GET /other                allow other_key scopes extra, data:read\n"
    );
    let findings = lint_dsl(&source);
    assert_eq!(messages(&findings, "admin-route-shares-auth"), Vec::<String>::new());
}

#[test]
fn overlapping_routes_ignores_differences_that_require_nothing_else() {
    let source = format!(
        "{KEYS}GET /files/{{name}}  public \"static files\"\n\
         GET /files/index   public \"the index page\"\n\
         GET /data/{{id}}     allow app_key, other_key any_scopes data:read, extra\n\
         GET /data/latest   allow other_key, app_key any_scopes extra, data:read\n"
    );
    let findings = lint_dsl(&source);
    assert_eq!(messages(&findings, "overlapping-routes"), Vec::<String>::new());
}

#[test]
fn admin_route_shares_auth_sees_the_same_schemes_in_another_order() {
    let source = format!(
        "{KEYS}GET /data       allow app_key, other_key\n\
         *   /admin/**   allow other_key, app_key\n"
    );
    let findings = lint_dsl(&source);
    assert_eq!(
        messages(&findings, "admin-route-shares-auth"),
        ["23: admin route `* /admin/**` requires exactly what `GET /data` requires"]
    );
}

#[test]
fn weaker_than_enclosing_route_counts_implied_scopes() {
    let source = format!(
        "{KEYS}*    /data/**   allow app_key scopes data:read\n\
         POST /data      allow app_key scopes data:write\n\
         GET  /other     allow other_key scopes extra\n"
    );
    let findings = lint_dsl(&source);
    assert_eq!(messages(&findings, "weaker-than-enclosing-route"), Vec::<String>::new());
}

#[test]
fn weaker_than_enclosing_route_sees_any_scopes_that_skip_the_fence_s_scope() {
    let source = format!(
        "{KEYS}*   /data/**     allow app_key scopes data:read\n\
         PUT /data/{{id}}   allow app_key any_scopes data:read, extra\n\
         GET /other       allow other_key scopes data:write\n"
    );
    let findings = lint_dsl(&source);
    let found = messages(&findings, "weaker-than-enclosing-route");
    assert_eq!(found.len(), 1, "`extra` alone passes PUT /data/7: {found:?}");
}

#[test]
fn public_without_reason_fires_on_an_empty_reason() {
    let dsl = format!("{HEAD}GET /health  public \"\"\n");
    assert_eq!(of_rule(&lint_dsl(&dsl), "public-without-reason").len(), 1);
    let yaml = "version: 1\nrealm: r\nroutes:\n  - { route: GET /a, public: \"\" }\n  \
                - { route: GET /b, public: \"  \" }\n";
    assert_eq!(of_rule(&lint_yaml(yaml), "public-without-reason").len(), 2);
}
