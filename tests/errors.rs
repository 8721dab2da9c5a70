//! Every error a policy can produce, with its message, its help and its position, in both
//! syntaxes wherever the mistake can be written in both.
//!
//! Most cases live in one table (`CASES`): a policy that must be refused with exactly one
//! diagnostic. Policies that must produce several diagnostics, or none, have tests of their
//! own, as do the errors that need a file (`Engine::load`).

use std::path::PathBuf;

use portcullis::model::{RouteDecl, RoutePattern, Rule, Span, Spanned};
use portcullis::yaml::YamlError;
use portcullis::{
    CompileError, CompileOptions, Diagnostic, Engine, FieldError, LoadError, MAX_POLICY_BYTES,
    MAX_ROUTES, PatternError, PolicyError, Syntax, parse,
};

// ---------------------------------------------------------------------------------------
// Preludes: the lines a case's own lines follow. Expected line numbers in the table are
// absolute, so a case after a seven-line prelude starts at line 8.
// ---------------------------------------------------------------------------------------

/// Which lines come before a case's own.
#[derive(Clone, Copy, Debug)]
enum Prelude {
    /// Nothing: the case is the whole file.
    Bare,
    /// `version` and `realm` (2 lines).
    Head,
    /// `version`, `realm` and a `user_jwt` scheme (7 lines).
    Jwt,
}

const DSL_HEAD: &[&str] = &["version 1", "realm \"api\""];
const YAML_HEAD: &[&str] = &["version: 1", "realm: api"];

/// Lines 3-7: `scheme user_jwt` with its name at 3:8.
const DSL_JWT: &[&str] = &[
    "scheme user_jwt: jwt {",
    "    issuer \"https://auth.example.com/\"",
    "    algorithms RS256",
    "    keys.jwks_file \"keys/jwks.json\"",
    "}",
];

/// Lines 3-7: `schemes:` then `user_jwt` with its name at 4:3; a YAML case may go on
/// declaring schemes at two spaces of indentation.
const YAML_JWT: &[&str] = &[
    "schemes:",
    "  user_jwt:",
    "    type: jwt",
    "    algorithms: [RS256]",
    "    keys: { jwks_file: keys/jwks.json }",
];

fn source(syntax: Syntax, prelude: Prelude, lines: &[&str]) -> String {
    let (head, jwt) = match syntax {
        Syntax::Dsl => (DSL_HEAD, DSL_JWT),
        Syntax::Yaml => (YAML_HEAD, YAML_JWT),
    };
    let before: Vec<&str> = match prelude {
        Prelude::Bare => Vec::new(),
        Prelude::Head => head.to_vec(),
        Prelude::Jwt => [head, jwt].concat(),
    };
    let mut text = [before.as_slice(), lines].concat().join("\n");
    text.push('\n');
    text
}

/// The diagnostics of a policy that must be refused.
fn diagnostics(syntax: Syntax, text: &str) -> Vec<Diagnostic> {
    match Engine::from_text(text, syntax) {
        Ok(_) => panic!("{syntax:?} policy was accepted:\n{text}"),
        Err(LoadError::Invalid { file, diagnostics }) => {
            assert_eq!(file, None, "from_text names no file");
            assert!(!diagnostics.is_empty(), "Invalid with no diagnostics:\n{text}");
            diagnostics
        }
        Err(other) => panic!("expected LoadError::Invalid, got {other:?}"),
    }
}

fn positions(diagnostics: &[Diagnostic]) -> Vec<(u32, u32)> {
    diagnostics.iter().map(|d| (d.span.line, d.span.column)).collect()
}

fn messages(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics.iter().map(|d| d.error.to_string()).collect()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portcullis-errors-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

// ---------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------

/// What the message (Display of `diagnostic.error`) must be.
#[derive(Clone, Copy, Debug)]
enum Msg {
    /// Exactly this.
    Is(&'static str),
    /// Begins with this.
    Starts(&'static str),
    /// Contains this.
    Has(&'static str),
}

/// What `diagnostic.help()` must be.
#[derive(Clone, Copy, Debug)]
enum Help {
    /// No help.
    No,
    /// Help containing this.
    Has(&'static str),
}

struct Case {
    name: &'static str,
    syntax: Syntax,
    prelude: Prelude,
    lines: &'static [&'static str],
    line: u32,
    column: u32,
    message: Msg,
    help: Help,
}

use Prelude::{Bare, Head, Jwt};
use Syntax::{Dsl, Yaml};

const DID_YOU_MEAN_USER_JWT: Help = Help::Has("did you mean `user_jwt`?");
const SCHEME_NAME_HELP: Help = Help::Has("scheme names are a lower-case letter");
const SCOPE_NAME_HELP: Help = Help::Has("scope names are an ASCII letter or digit");
const DURATION_HELP: Help = Help::Has("write a whole number and a unit: `30s`, `15m`");
const SECRET_HELP: Help = Help::Has("put the secret in an environment variable");
const QUERY_HELP: Help = Help::Has("URLs end up in access logs");
const NONE_HELP: Help = Help::Has("list the algorithms your issuer signs with");
const DUPLICATE_ROUTE_HELP: Help = Help::Has("merge the two routes");
const CYCLE_HELP: Help = Help::Has("implication must flow one way");

#[rustfmt::skip]
const CASES: &[Case] = &[
    // --- unknown scheme in a route ------------------------------------------------------
    Case { name: "unknown scheme, close to a declared one", syntax: Dsl, prelude: Jwt,
        lines: &["GET /a allow usr_jwt"], line: 8, column: 14,
        message: Msg::Is("unknown scheme `usr_jwt` in route `GET /a`"),
        help: DID_YOU_MEAN_USER_JWT },
    Case { name: "unknown scheme, close to a declared one", syntax: Yaml, prelude: Jwt,
        lines: &["routes:", "  - { route: GET /a, allow: [usr_jwt] }"], line: 9, column: 30,
        message: Msg::Is("unknown scheme `usr_jwt` in route `GET /a`"),
        help: DID_YOU_MEAN_USER_JWT },
    Case { name: "unknown scheme, far from every declared one", syntax: Dsl, prelude: Jwt,
        lines: &["GET /b allow zzzzzz"], line: 8, column: 14,
        message: Msg::Is("unknown scheme `zzzzzz` in route `GET /b`"), help: Help::No },
    Case { name: "unknown scheme, far from every declared one", syntax: Yaml, prelude: Jwt,
        lines: &["routes:", "  - route: GET /b", "    allow: zzzzzz"], line: 10, column: 12,
        message: Msg::Is("unknown scheme `zzzzzz` in route `GET /b`"), help: Help::No },
    Case { name: "unknown scheme in the second member of an all-of set", syntax: Dsl,
        prelude: Jwt, lines: &["GET /a allow user_jwt+user_jw"], line: 8, column: 23,
        message: Msg::Is("unknown scheme `user_jw` in route `GET /a`"),
        help: DID_YOU_MEAN_USER_JWT },
    Case { name: "unknown scheme in the default", syntax: Dsl, prelude: Jwt,
        lines: &["default allow usr_jwt"], line: 8, column: 15,
        message: Msg::Is("unknown scheme `usr_jwt` in the default"),
        help: DID_YOU_MEAN_USER_JWT },
    Case { name: "unknown scheme in the default", syntax: Yaml, prelude: Jwt,
        lines: &["default: { allow: [usr_jwt] }"], line: 8, column: 20,
        message: Msg::Is("unknown scheme `usr_jwt` in the default"),
        help: DID_YOU_MEAN_USER_JWT },
    Case { name: "one scheme twice in an all-of set", syntax: Dsl, prelude: Jwt,
        lines: &["GET /a allow user_jwt+user_jwt"], line: 8, column: 23,
        message: Msg::Is("scheme `user_jwt` appears twice in one `all` set"), help: Help::No },
    Case { name: "one scheme twice in an all-of set", syntax: Yaml, prelude: Jwt,
        lines: &["routes:", "  - route: GET /a", "    allow:", "      - all: [user_jwt, user_jwt]"],
        line: 11, column: 25,
        message: Msg::Is("scheme `user_jwt` appears twice in one `all` set"), help: Help::No },

    // --- scopes --------------------------------------------------------------------------
    Case { name: "unknown scope in a route, with a catalogue", syntax: Dsl, prelude: Jwt,
        lines: &["scopes {", "    data:read", "}", "GET /a allow user_jwt scopes data:raed"],
        line: 11, column: 30,
        message: Msg::Is("unknown scope `data:raed` in route `GET /a`"),
        help: Help::Has("did you mean `data:read`?") },
    Case { name: "unknown scope in a route, with a catalogue", syntax: Yaml, prelude: Jwt,
        lines: &["scopes:", "  data:read:", "routes:",
                 "  - { route: GET /a, allow: user_jwt, scopes: [data:raed] }"],
        line: 11, column: 48,
        message: Msg::Is("unknown scope `data:raed` in route `GET /a`"),
        help: Help::Has("did you mean `data:read`?") },
    Case { name: "unknown scope, far from the catalogue", syntax: Dsl, prelude: Jwt,
        lines: &["scopes {", "    data:read", "}", "GET /b allow user_jwt any_scopes zzzzzzz"],
        line: 11, column: 34,
        message: Msg::Is("unknown scope `zzzzzzz` in route `GET /b`"),
        help: Help::Has("declare it under `scopes`, or correct the name") },
    Case { name: "unknown scope in an alternative's own requirement", syntax: Dsl, prelude: Jwt,
        lines: &["scopes {", "    data:read", "}", "GET /a allow (user_jwt scopes data:raed)"],
        line: 11, column: 31,
        message: Msg::Is("unknown scope `data:raed` in route `GET /a`"),
        help: Help::Has("did you mean `data:read`?") },
    Case { name: "undeclared scope in implies", syntax: Dsl, prelude: Head,
        lines: &["scopes {", "    data:read", "    data:write implies data:raed", "}"],
        line: 5, column: 24, message: Msg::Is("unknown scope `data:raed`"),
        help: Help::Has("did you mean `data:read`?") },
    Case { name: "undeclared scope in implies", syntax: Yaml, prelude: Head,
        lines: &["scopes:", "  data:read:", "  data:write: { implies: [data:raed] }"],
        line: 5, column: 27, message: Msg::Is("unknown scope `data:raed`"),
        help: Help::Has("did you mean `data:read`?") },
    Case { name: "undeclared scope in implies, far from the catalogue", syntax: Yaml,
        prelude: Head, lines: &["scopes:", "  data:read:", "  admin: { implies: [x] }"],
        line: 5, column: 22, message: Msg::Is("unknown scope `x`"),
        help: Help::Has("declare it under `scopes`") },
    Case { name: "scope declared twice", syntax: Dsl, prelude: Head,
        lines: &["scopes {", "    ok", "    ok", "}"], line: 5, column: 5,
        message: Msg::Is("scope `ok` is declared twice"), help: Help::No },
    Case { name: "implication cycle", syntax: Dsl, prelude: Head,
        lines: &["scopes {", "    a implies b", "    b implies a", "}"], line: 4, column: 5,
        message: Msg::Is("scopes imply each other in a cycle: a -> b -> a"), help: CYCLE_HELP },
    Case { name: "implication cycle", syntax: Yaml, prelude: Head,
        lines: &["scopes:", "  a: { implies: [b] }", "  b: { implies: [a] }"],
        line: 4, column: 3,
        message: Msg::Is("scopes imply each other in a cycle: a -> b -> a"), help: CYCLE_HELP },
    Case { name: "implication cycle not through the first scope", syntax: Dsl, prelude: Head,
        lines: &["scopes {", "    top implies b", "    b implies c", "    c implies b", "}"],
        line: 5, column: 5,
        message: Msg::Is("scopes imply each other in a cycle: b -> c -> b"), help: CYCLE_HELP },
    Case { name: "a scope implying itself", syntax: Yaml, prelude: Head,
        lines: &["scopes:", "  a: { implies: [a] }"], line: 4, column: 3,
        message: Msg::Is("scopes imply each other in a cycle: a -> a"), help: CYCLE_HELP },
    Case { name: "bad scope name in the catalogue", syntax: Dsl, prelude: Head,
        lines: &["scopes {", "    :x", "}"], line: 4, column: 5,
        message: Msg::Is("`:x` is not a valid scope name"), help: SCOPE_NAME_HELP },
    Case { name: "bad scope name in the catalogue", syntax: Yaml, prelude: Head,
        lines: &["scopes:", "  \"a b\":"], line: 4, column: 3,
        message: Msg::Is("`a b` is not a valid scope name"), help: SCOPE_NAME_HELP },
    Case { name: "bad scope name in a route", syntax: Dsl, prelude: Jwt,
        lines: &["GET /a allow user_jwt scopes -y"], line: 8, column: 30,
        message: Msg::Is("`-y` is not a valid scope name"), help: SCOPE_NAME_HELP },
    Case { name: "bad scope name in a route", syntax: Yaml, prelude: Jwt,
        lines: &["routes:", "  - { route: GET /a, allow: user_jwt, scopes: [\"-y\"] }"],
        line: 9, column: 48,
        message: Msg::Is("`-y` is not a valid scope name"), help: SCOPE_NAME_HELP },

    // --- duplicates ----------------------------------------------------------------------
    Case { name: "scheme declared twice", syntax: Dsl, prelude: Jwt,
        lines: &["scheme user_jwt: opaque_token {", "    store \"s\"", "}"], line: 8, column: 8,
        message: Msg::Is("scheme `user_jwt` is declared twice (first at 3:8)"), help: Help::No },
    Case { name: "scheme declared twice (a duplicate YAML key)", syntax: Yaml, prelude: Jwt,
        lines: &["  user_jwt:", "    type: opaque_token", "    store: s"], line: 8, column: 3,
        message: Msg::Is("invalid YAML: the key `user_jwt` is repeated"),
        help: Help::No },
    Case { name: "top-level key given twice", syntax: Yaml, prelude: Head,
        lines: &["realm: other"], line: 3, column: 1,
        message: Msg::Is("invalid YAML: the key `realm` is repeated"), help: Help::No },
    Case { name: "realm given twice", syntax: Dsl, prelude: Head, lines: &["realm \"again\""],
        line: 3, column: 1, message: Msg::Is("`realm` is given twice"), help: Help::No },
    Case { name: "version given twice", syntax: Dsl, prelude: Head, lines: &["version 1"],
        line: 3, column: 1, message: Msg::Is("`version` is given twice"), help: Help::No },
    Case { name: "default given twice", syntax: Dsl, prelude: Head,
        lines: &["default deny", "default deny"], line: 4, column: 1,
        message: Msg::Is("`default` is given twice"), help: Help::No },
    Case { name: "scope catalogue given twice", syntax: Dsl, prelude: Head,
        lines: &["scopes {", "}", "scopes {", "}"], line: 5, column: 1,
        message: Msg::Is("`scopes` is given twice"), help: Help::No },
    Case { name: "same route twice, parameter names aside", syntax: Dsl, prelude: Head,
        lines: &["GET /u/{id} public", "GET /u/{uid} deny"], line: 4, column: 1,
        message: Msg::Is("route `GET /u/{uid}` is declared twice (first at 3:1)"),
        help: DUPLICATE_ROUTE_HELP },
    Case { name: "same route twice, parameter names aside", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - { route: \"GET /u/{id}\", public: true }",
                 "  - { route: \"GET /u/{uid}\", deny: true }"],
        line: 5, column: 5,
        message: Msg::Is("route `GET /u/{uid}` is declared twice (first at 4:5)"),
        help: DUPLICATE_ROUTE_HELP },
    Case { name: "GET|HEAD overlapping a later GET", syntax: Dsl, prelude: Head,
        lines: &["GET|HEAD /v public", "GET /v deny"], line: 4, column: 1,
        message: Msg::Is("route `GET /v` is declared twice (first at 3:1)"),
        help: DUPLICATE_ROUTE_HELP },
    Case { name: "GET|HEAD overlapping a later GET", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - { route: GET|HEAD /v, public: true }",
                 "  - { route: GET /v, deny: true }"],
        line: 5, column: 5,
        message: Msg::Is("route `GET /v` is declared twice (first at 4:5)"),
        help: DUPLICATE_ROUTE_HELP },
    Case { name: "`*` twice on one path", syntax: Dsl, prelude: Head,
        lines: &["* /x public", "* /x deny"], line: 4, column: 1,
        message: Msg::Is("route `* /x` is declared twice (first at 3:1)"),
        help: DUPLICATE_ROUTE_HELP },
    Case { name: "`{param}` and `*` are the same segment", syntax: Dsl, prelude: Head,
        lines: &["GET /a/{id}/** public", "GET /a/*/** deny"], line: 4, column: 1,
        message: Msg::Is("route `GET /a/*/**` is declared twice (first at 3:1)"),
        help: DUPLICATE_ROUTE_HELP },

    // --- route patterns ------------------------------------------------------------------
    Case { name: "`**` not last", syntax: Dsl, prelude: Head, lines: &["GET /**/a public"],
        line: 3, column: 1, message: Msg::Is("`**` may only be the last segment of a path"),
        help: Help::No },
    Case { name: "`**` not last", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - { route: GET /**/a, public: true }"], line: 4, column: 14,
        message: Msg::Is("`**` may only be the last segment of a path"), help: Help::No },
    Case { name: "repeated parameter", syntax: Dsl, prelude: Head,
        lines: &["GET /{id}/x/{id} public"], line: 3, column: 1,
        message: Msg::Is("parameter `{id}` appears twice in one path"), help: Help::No },
    Case { name: "repeated parameter", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - { route: \"GET /{id}/x/{id}\", public: true }"],
        line: 4, column: 14,
        message: Msg::Is("parameter `{id}` appears twice in one path"), help: Help::No },
    Case { name: "empty segment", syntax: Dsl, prelude: Head, lines: &["GET /a//b public"],
        line: 3, column: 1,
        message: Msg::Is("path `/a//b` has an empty segment; write `/a/b`, not `/a//b` or `/a/b/`"),
        help: Help::No },
    Case { name: "empty segment (trailing slash)", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - { route: GET /a/, public: true }"], line: 4, column: 14,
        message: Msg::Has("path `/a/` has an empty segment"), help: Help::No },
    // The DSL reads only upper-case words as methods, so that a misspelt statement keyword is
    // reported where it goes wrong instead of being read as a route.
    Case { name: "lower-case method (grammar)", syntax: Dsl, prelude: Head,
        lines: &["get /a public"], line: 3, column: 1,
        message: Msg::Starts("expected `default`, `realm`, `scheme`, `scopes`, `version`, a route"),
        help: Help::No },
    Case { name: "lower-case method", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - { route: GET|post /a, public: true }"], line: 4, column: 14,
        message: Msg::Starts("`post` is not an HTTP method"), help: Help::No },
    Case { name: "`.` segment", syntax: Dsl, prelude: Head, lines: &["GET /a/. public"],
        line: 3, column: 1,
        message: Msg::Is(
            "`.` cannot be a path segment; requests with dot segments are always refused"),
        help: Help::No },
    Case { name: "`..` segment", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - { route: GET /a/../b, public: true }"], line: 4, column: 14,
        message: Msg::Starts("`..` cannot be a path segment"), help: Help::No },
    Case { name: "`..` segment", syntax: Dsl, prelude: Head, lines: &["GET /a/.. public"],
        line: 3, column: 1, message: Msg::Starts("`..` cannot be a path segment"),
        help: Help::No },
    Case { name: "method listed twice", syntax: Dsl, prelude: Head,
        lines: &["GET|HEAD|GET /a public"], line: 3, column: 1,
        message: Msg::Is("method `GET` is listed twice"), help: Help::No },
    Case { name: "`*` among named methods", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - { route: \"GET|* /a\", public: true }"], line: 4, column: 14,
        message: Msg::Is("`*` already means every method; write `*` alone or list the methods"),
        help: Help::No },
    Case { name: "relative path", syntax: Dsl, prelude: Head, lines: &["GET a public"],
        line: 3, column: 1, message: Msg::Is("path `a` must begin with `/`"), help: Help::No },
    Case { name: "route without a path", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - { route: GET, public: true }"], line: 4, column: 14,
        message: Msg::Starts("route `GET` has no path"), help: Help::No },
    Case { name: "empty parameter", syntax: Dsl, prelude: Head, lines: &["GET /{} public"],
        line: 3, column: 1, message: Msg::Is("`{}` needs a parameter name, as in `{id}`"),
        help: Help::No },
    Case { name: "parameter name starting with a digit", syntax: Dsl, prelude: Head,
        lines: &["GET /{1x} public"], line: 3, column: 1,
        message: Msg::Starts("parameter name `1x` must be letters, digits and `_`"),
        help: Help::No },
    Case { name: "percent in a literal", syntax: Dsl, prelude: Head, lines: &["GET /a%2F public"],
        line: 3, column: 1,
        message: Msg::Is("segment `a%2F` contains `%`, which a route literal cannot hold"),
        help: Help::No },
    Case { name: "`*` inside a literal", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - { route: GET /a*, public: true }"], line: 4, column: 14,
        message: Msg::Is("segment `a*` contains `*`, which a route literal cannot hold"),
        help: Help::No },

    // --- route rules -----------------------------------------------------------------------
    Case { name: "public together with allow", syntax: Yaml, prelude: Jwt,
        lines: &["routes:", "  - { route: GET /a, public: true, allow: [user_jwt] }"],
        line: 9, column: 5, message: Msg::Is("`public` and `allow` cannot both be given"),
        help: Help::No },
    Case { name: "public together with allow (a grammar error)", syntax: Dsl, prelude: Jwt,
        lines: &["GET /a public allow user_jwt"], line: 8, column: 15,
        message: Msg::Is("expected a quoted string or the end of the line"), help: Help::No },
    Case { name: "deny together with scopes", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - { route: GET /d, deny: true, scopes: [x] }"],
        line: 4, column: 5, message: Msg::Is("`deny` and `scopes` cannot both be given"),
        help: Help::No },
    Case { name: "scopes together with any_scopes", syntax: Yaml, prelude: Jwt,
        lines: &["routes:", "  - route: GET /a", "    allow: [user_jwt]", "    scopes: [x]",
                 "    any_scopes: [y]"],
        line: 11, column: 5, message: Msg::Is("`scopes` and `any_scopes` cannot both be given"),
        help: Help::No },
    Case { name: "scheme together with all", syntax: Yaml, prelude: Jwt,
        lines: &["routes:", "  - route: GET /a", "    allow:",
                 "      - { scheme: user_jwt, all: [user_jwt] }"],
        line: 11, column: 9, message: Msg::Is("`scheme` and `all` cannot both be given"),
        help: Help::No },
    Case { name: "allow entry without a scheme", syntax: Yaml, prelude: Jwt,
        lines: &["routes:", "  - route: GET /a", "    allow:", "      - { scopes: [x] }"],
        line: 11, column: 9, message: Msg::Is("an `allow` entry needs `scheme`"),
        help: Help::No },
    Case { name: "route without a rule", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - { route: GET /a }"], line: 4, column: 5,
        message: Msg::Is("a route needs one of `public`, `deny` or `allow`"), help: Help::No },
    Case { name: "route without `route`", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - { public: true }"], line: 4, column: 5,
        message: Msg::Is("a route needs `route`"), help: Help::No },
    Case { name: "public: false", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - { route: GET /b, public: false }"], line: 4, column: 30,
        message: Msg::Is("`public: false` says nothing"), help: Help::Has("remove it") },
    Case { name: "empty allow", syntax: Yaml, prelude: Jwt,
        lines: &["routes:", "  - { route: GET /a, allow: [] }"], line: 9, column: 5,
        message: Msg::Is("`allow` in route `GET /a` lists no scheme"), help: Help::No },
    Case { name: "empty scopes", syntax: Yaml, prelude: Jwt,
        lines: &["routes:", "  - { route: GET /b, allow: [user_jwt], scopes: [] }"],
        line: 9, column: 5,
        message: Msg::Is("an empty scope list in route `GET /b` requires nothing"),
        help: Help::Has("remove the empty list") },
    Case { name: "empty any_scopes in an allow entry", syntax: Yaml, prelude: Jwt,
        lines: &["default:", "  allow:", "    - { scheme: user_jwt, any_scopes: [] }"],
        line: 9, column: 3,
        message: Msg::Is("an empty scope list in the default requires nothing"),
        help: Help::Has("remove the empty list") },
    Case { name: "scheme-less allow in the default", syntax: Yaml, prelude: Head,
        lines: &["default: { allow: [] }"], line: 3, column: 10,
        message: Msg::Is("`allow` in the default lists no scheme"), help: Help::No },

    // --- scheme fields -------------------------------------------------------------------
    Case { name: "algorithm none", syntax: Dsl, prelude: Head,
        lines: &["scheme j: jwt {", "    algorithms none", "    keys.jwks_file \"k\"", "}"],
        line: 4, column: 16,
        message: Msg::Is("algorithm `none` accepts tokens that carry no signature"),
        help: NONE_HELP },
    Case { name: "algorithm None among good ones", syntax: Dsl, prelude: Head,
        lines: &["scheme j: jwt {", "    algorithms RS256, None", "    keys.jwks_file \"k\"", "}"],
        line: 4, column: 23,
        message: Msg::Is("algorithm `none` accepts tokens that carry no signature"),
        help: NONE_HELP },
    Case { name: "algorithm none", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: [none]",
                 "    keys: { jwks_file: k }"],
        line: 6, column: 18,
        message: Msg::Is("algorithm `none` accepts tokens that carry no signature"),
        help: NONE_HELP },
    Case { name: "algorithm NONE as a single value", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: NONE",
                 "    keys: { jwks_file: k }"],
        line: 6, column: 17,
        message: Msg::Is("algorithm `none` accepts tokens that carry no signature"),
        help: NONE_HELP },
    Case { name: "unknown algorithm, one edit away", syntax: Dsl, prelude: Head,
        lines: &["scheme j: jwt {", "    algorithms HS257", "    keys.hmac_secret_env \"S\"", "}"],
        line: 4, column: 16, message: Msg::Is("unknown algorithm `HS257`"),
        help: Help::Has("did you mean `HS256`?") },
    Case { name: "unknown algorithm, one edit away", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: [RS256, ES257]",
                 "    keys: { jwks_file: k }"],
        line: 6, column: 25, message: Msg::Is("unknown algorithm `ES257`"),
        help: Help::Has("did you mean `ES256`?") },
    Case { name: "unknown algorithm, far from all", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: [zzzzzzz]",
                 "    keys: { jwks_file: k }"],
        line: 6, column: 18, message: Msg::Is("unknown algorithm `zzzzzzz`"),
        help: Help::Has("the algorithms are HS256, HS384, HS512, RS256") },
    Case { name: "empty algorithms", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: []",
                 "    keys: { jwks_file: k }"],
        line: 6, column: 17,
        message: Msg::Is("`algorithms` must be a non-empty list, e.g. `[RS256]`"), help: Help::No },
    Case { name: "empty algorithm (the DSL cannot write an empty list)", syntax: Dsl,
        prelude: Head,
        lines: &["scheme j: jwt {", "    algorithms \"\"", "    keys.jwks_file \"k\"", "}"],
        line: 4, column: 16, message: Msg::Is("unknown algorithm ``"),
        help: Help::Has("the algorithms are") },
    Case { name: "no algorithms", syntax: Dsl, prelude: Head,
        lines: &["scheme j: jwt {", "    keys.jwks_file \"k\"", "}"], line: 3, column: 8,
        message: Msg::Is("`jwt` schemes need `algorithms`"), help: Help::No },
    Case { name: "inline HMAC secret under keys", syntax: Dsl, prelude: Head,
        lines: &["scheme j: jwt {", "    algorithms HS256", "    keys.hmac_secret \"hunter2\"",
                 "}"],
        line: 5, column: 5,
        message: Msg::Is("`keys.hmac_secret` would put a secret in the policy file"),
        help: SECRET_HELP },
    Case { name: "inline HMAC secret under keys", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: [HS256]",
                 "    keys: { hmac_secret: hunter2 }"],
        line: 7, column: 13,
        message: Msg::Is("`keys.hmac_secret` would put a secret in the policy file"),
        help: SECRET_HELP },
    Case { name: "secret on a jwt scheme", syntax: Dsl, prelude: Head,
        lines: &["scheme j: jwt {", "    algorithms HS256", "    keys.hmac_secret_env \"S\"",
                 "    secret \"hunter2\"", "}"],
        line: 6, column: 5, message: Msg::Is("`secret` would put a secret in the policy file"),
        help: SECRET_HELP },
    Case { name: "secret on a jwt scheme", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: [HS256]",
                 "    keys: { hmac_secret_env: S }", "    secret: hunter2"],
        line: 8, column: 5, message: Msg::Is("`secret` would put a secret in the policy file"),
        help: SECRET_HELP },
    Case { name: "inline PEM under keys", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: [RS256]",
                 "    keys:", "      pem: \"-----BEGIN PUBLIC KEY-----\""],
        line: 8, column: 7, message: Msg::Is("`keys.pem` would put a secret in the policy file"),
        help: SECRET_HELP },
    Case { name: "api key in the query string", syntax: Dsl, prelude: Head,
        lines: &["scheme k: api_key {", "    query \"api_key\"", "    store \"s\"", "}"],
        line: 4, column: 5, message: Msg::Is("API keys cannot be read from the query string"),
        help: QUERY_HELP },
    Case { name: "api key in the query string", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  k:", "    type: api_key", "    query: api_key", "    store: s"],
        line: 6, column: 5, message: Msg::Is("API keys cannot be read from the query string"),
        help: QUERY_HELP },
    Case { name: "api key in a query parameter", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  k:", "    type: api_key", "    store: s",
                 "    query_param: api_key"],
        line: 7, column: 5, message: Msg::Is("API keys cannot be read from the query string"),
        help: QUERY_HELP },
    Case { name: "two key sources", syntax: Dsl, prelude: Head,
        lines: &["scheme j: jwt {", "    algorithms RS256", "    keys.jwks_file \"a\"",
                 "    keys.pem_file \"b\"", "}"],
        line: 5, column: 5,
        message: Msg::Is(
            "`keys` must name exactly one of `jwks_file`, `pem_file` or `hmac_secret_env`"),
        help: Help::No },
    Case { name: "two key sources", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: [RS256]",
                 "    keys: { jwks_file: a, pem_file: b }"],
        line: 7, column: 5,
        message: Msg::Is(
            "`keys` must name exactly one of `jwks_file`, `pem_file` or `hmac_secret_env`"),
        help: Help::No },
    Case { name: "no key source", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: [RS256]", "    keys: {}"],
        line: 7, column: 5, message: Msg::Starts("`keys` must name exactly one of"),
        help: Help::No },
    Case { name: "no keys at all", syntax: Dsl, prelude: Head,
        lines: &["scheme j: jwt {", "    algorithms RS256", "}"], line: 3, column: 8,
        message: Msg::Is("`jwt` schemes need `keys`"), help: Help::No },
    Case { name: "no keys at all", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: [RS256]"],
        line: 4, column: 3, message: Msg::Is("`jwt` schemes need `keys`"), help: Help::No },
    Case { name: "keys as a single value", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: [RS256]",
                 "    keys: k.json"],
        line: 7, column: 11,
        message: Msg::Is(
            "`keys` must be a map with one of `jwks_file`, `pem_file` or `hmac_secret_env`"),
        help: Help::No },
    Case { name: "key file as a list", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: [RS256]",
                 "    keys: { jwks_file: [a] }"],
        line: 7, column: 24, message: Msg::Is("`keys.jwks_file` must be a string"),
        help: Help::No },
    Case { name: "unknown field in a scheme, close to a real one", syntax: Dsl, prelude: Head,
        lines: &["scheme j: jwt {", "    isuer \"x\"", "    algorithms RS256",
                 "    keys.jwks_file \"k\"", "}"],
        line: 4, column: 5, message: Msg::Is("unknown field `isuer` in a `jwt` scheme"),
        help: Help::Has("did you mean `issuer`?") },
    Case { name: "unknown field in a scheme, close to a real one", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    isuer: x", "    algorithms: [RS256]",
                 "    keys: { jwks_file: k }"],
        line: 6, column: 5, message: Msg::Is("unknown field `isuer` in a `jwt` scheme"),
        help: Help::Has("did you mean `issuer`?") },
    Case { name: "unknown field in a scheme, far from all", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  o:", "    type: opaque_token", "    store: s",
                 "    qqqqqqqq: x"],
        line: 7, column: 5, message: Msg::Is("unknown field `qqqqqqqq` in a `opaque_token` scheme"),
        help: Help::Has("scheme has store") },
    Case { name: "unknown key source, close to a real one", syntax: Dsl, prelude: Head,
        lines: &["scheme j: jwt {", "    algorithms RS256", "    keys.jwk_file \"k\"", "}"],
        line: 5, column: 5, message: Msg::Is("unknown field `keys.jwk_file` in a `jwt` scheme"),
        help: Help::Has("did you mean `jwks_file`?") },
    Case { name: "field given twice", syntax: Dsl, prelude: Head,
        lines: &["scheme o: opaque_token {", "    store \"s\"", "    store \"t\"", "}"],
        line: 5, column: 5, message: Msg::Is("field `store` is given twice"), help: Help::No },
    Case { name: "missing required field", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  o:", "    type: opaque_token"], line: 4, column: 3,
        message: Msg::Has("schemes need `store`"), help: Help::No },
    Case { name: "scheme without a type", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  o:", "    store: s"], line: 4, column: 3,
        message: Msg::Is("scheme `o` has no `type`"),
        help: Help::Has("add `type: jwt`, `opaque_token`, `api_key` or `session`") },
    Case { name: "unknown scheme type, close to a real one", syntax: Dsl, prelude: Head,
        lines: &["scheme s: sesion {", "    cookie \"sid\"", "    store \"s\"", "}"],
        line: 3, column: 11, message: Msg::Is("unknown scheme type `sesion`"),
        help: Help::Has("did you mean `session`?") },
    Case { name: "unknown scheme type, close to a real one", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  k:", "    type: api_keys", "    store: s"], line: 5, column: 11,
        message: Msg::Is("unknown scheme type `api_keys`"),
        help: Help::Has("did you mean `api_key`?") },
    Case { name: "unknown scheme type, far from all", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  k:", "    type: zzzzzzzz"], line: 5, column: 11,
        message: Msg::Is("unknown scheme type `zzzzzzzz`"),
        help: Help::Has("the types are jwt, opaque_token, api_key, session") },
    Case { name: "duration with a space", syntax: Dsl, prelude: Head,
        lines: &["scheme j: jwt {", "    algorithms RS256", "    keys.jwks_file \"k\"",
                 "    leeway \"30 s\"", "}"],
        line: 6, column: 12, message: Msg::Is("`30 s` is not a duration"), help: DURATION_HELP },
    Case { name: "duration with a space", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: [RS256]",
                 "    keys: { jwks_file: k }", "    leeway: 30 s"],
        line: 8, column: 13, message: Msg::Is("`30 s` is not a duration"), help: DURATION_HELP },
    // A unit of more than one byte once split the text inside a character: a panic.
    Case { name: "duration ending in a multi-byte character", syntax: Dsl, prelude: Head,
        lines: &["scheme j: jwt {", "    algorithms RS256", "    keys.jwks_file \"k\"",
                 "    leeway \"1é\"", "}"],
        line: 6, column: 12, message: Msg::Is("`1é` is not a duration"), help: DURATION_HELP },
    Case { name: "duration ending in a multi-byte character", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: [RS256]",
                 "    keys: { jwks_file: k }", "    leeway: 1é"],
        line: 8, column: 13, message: Msg::Is("`1é` is not a duration"), help: DURATION_HELP },
    Case { name: "duration in weeks", syntax: Dsl, prelude: Head,
        lines: &["scheme j: jwt {", "    algorithms RS256", "    keys.jwks_file \"k\"",
                 "    max_lifetime 1w", "}"],
        line: 6, column: 18, message: Msg::Is("`1w` is not a duration"), help: DURATION_HELP },
    Case { name: "duration in weeks", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  j:", "    type: jwt", "    algorithms: [RS256]",
                 "    keys: { jwks_file: k }", "    max_lifetime: 1w"],
        line: 8, column: 19, message: Msg::Is("`1w` is not a duration"), help: DURATION_HELP },
    Case { name: "duration over ten years", syntax: Dsl, prelude: Head,
        lines: &["scheme j: jwt {", "    algorithms RS256", "    keys.jwks_file \"k\"",
                 "    max_lifetime 3651d", "}"],
        line: 6, column: 18, message: Msg::Is("`3651d` is not a duration"), help: DURATION_HELP },
    Case { name: "duration over ten years", syntax: Yaml, prelude: Head,
        lines: &["schemes:",
                 "  j: { type: jwt, algorithms: RS256, keys: { jwks_file: k }, leeway: 3651d }"],
        line: 4, column: 70, message: Msg::Is("`3651d` is not a duration"), help: DURATION_HELP },
    Case { name: "bad same_site", syntax: Dsl, prelude: Head,
        lines: &["scheme s: session {", "    cookie \"sid\"", "    same_site loose",
                 "    store \"s\"", "}"],
        line: 5, column: 15,
        message: Msg::Is("`same_site` must be `strict`, `lax` or `none`, not `loose`"),
        help: Help::No },
    Case { name: "bad same_site", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  s:", "    type: session", "    cookie: sid",
                 "    same_site: Strict", "    store: s"],
        line: 7, column: 16,
        message: Msg::Is("`same_site` must be `strict`, `lax` or `none`, not `Strict`"),
        help: Help::No },
    Case { name: "bad header name", syntax: Dsl, prelude: Head,
        lines: &["scheme k: api_key {", "    header \"X Key\"", "    store \"s\"", "}"],
        line: 4, column: 12, message: Msg::Is("`X Key` is not a valid header name"),
        help: Help::No },
    Case { name: "bad header name", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  k:", "    type: api_key", "    header: \"X:Key\"", "    store: s"],
        line: 6, column: 13, message: Msg::Is("`X:Key` is not a valid header name"),
        help: Help::No },
    Case { name: "bad csrf header name", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  s:", "    type: session", "    cookie: sid",
                 "    csrf_header: \"\"", "    store: s"],
        line: 7, column: 18, message: Msg::Is("`` is not a valid header name"), help: Help::No },
    Case { name: "bad cookie name", syntax: Dsl, prelude: Head,
        lines: &["scheme s: session {", "    cookie \"bad cookie\"", "    store \"s\"", "}"],
        line: 4, column: 12, message: Msg::Is("`bad cookie` is not a valid cookie name"),
        help: Help::No },
    Case { name: "bad auth-scheme", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  k:", "    type: api_key", "    authorization_scheme: Api Key",
                 "    store: s"],
        line: 6, column: 27, message: Msg::Is("`Api Key` is not a valid auth-scheme name"),
        help: Help::No },
    Case { name: "boolean that is not one", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  s:", "    type: session", "    cookie: sid", "    secure: maybe",
                 "    store: s"],
        line: 7, column: 13, message: Msg::Is("`secure` must be `true` or `false`"),
        help: Help::No },
    Case { name: "list where a single value belongs", syntax: Dsl, prelude: Head,
        lines: &["scheme o: opaque_token {", "    store \"a\", \"b\"", "}"], line: 4, column: 11,
        message: Msg::Is("`store` must be a single value"), help: Help::No },

    // --- names ---------------------------------------------------------------------------
    Case { name: "upper-case scheme name", syntax: Dsl, prelude: Head,
        lines: &["scheme User: opaque_token {", "    store \"s\"", "}"], line: 3, column: 8,
        message: Msg::Is("`User` is not a valid scheme name"), help: SCHEME_NAME_HELP },
    Case { name: "upper-case scheme name", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  User: { type: opaque_token, store: s }"], line: 4, column: 3,
        message: Msg::Is("`User` is not a valid scheme name"), help: SCHEME_NAME_HELP },
    Case { name: "scheme name starting with a digit", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  2x: { type: opaque_token, store: s }"], line: 4, column: 3,
        message: Msg::Is("`2x` is not a valid scheme name"), help: SCHEME_NAME_HELP },
    Case { name: "reserved scheme name", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  scopes: { type: opaque_token, store: s }"], line: 4, column: 3,
        message: Msg::Is("`scopes` is not a valid scheme name"),
        help: Help::Has("and not `allow`, `any_scopes`, `deny`, `public` or `scopes`") },
    // In the DSL a reserved word cannot even be read as a name: a grammar error, on its line.
    Case { name: "reserved scheme name (grammar)", syntax: Dsl, prelude: Head,
        lines: &["scheme scopes: opaque_token {", "    store \"s\"", "}"], line: 3, column: 8,
        message: Msg::Starts("expected "), help: Help::No },

    // --- the policy as a whole -----------------------------------------------------------
    Case { name: "missing realm", syntax: Dsl, prelude: Bare, lines: &["version 1"],
        line: 1, column: 1, message: Msg::Is("the policy has no `realm` line"),
        help: Help::Has("name the realm used in challenges") },
    Case { name: "missing realm", syntax: Yaml, prelude: Bare, lines: &["version: 1"],
        line: 1, column: 1, message: Msg::Is("the policy needs `realm`"), help: Help::No },
    Case { name: "missing version", syntax: Dsl, prelude: Bare, lines: &["realm \"api\""],
        line: 1, column: 1, message: Msg::Is("the policy has no `version` line"),
        help: Help::Has("start the file with `version 1`") },
    Case { name: "missing version", syntax: Yaml, prelude: Bare, lines: &["realm: api"],
        line: 1, column: 1, message: Msg::Is("the policy needs `version`"), help: Help::No },
    Case { name: "version 2", syntax: Dsl, prelude: Bare, lines: &["version 2", "realm \"api\""],
        line: 1, column: 1, message: Msg::Is("unsupported policy version `2`"),
        help: Help::Has("the only version is 1") },
    Case { name: "version 2", syntax: Yaml, prelude: Bare, lines: &["version: 2", "realm: api"],
        line: 1, column: 10, message: Msg::Is("unsupported policy version `2`"),
        help: Help::Has("the only version is 1") },
    Case { name: "version that is not a number", syntax: Yaml, prelude: Bare,
        lines: &["version: one", "realm: api"], line: 1, column: 10,
        message: Msg::Is("`version` must be the number 1, not text"), help: Help::No },
    // YAML values are read as written: a number spelt another way is not the version.
    Case { name: "version with a sign", syntax: Yaml, prelude: Bare,
        lines: &["version: +1", "realm: api"], line: 1, column: 10,
        message: Msg::Is("`version` must be the number 1, not text"), help: Help::No },
    Case { name: "version with a fraction", syntax: Yaml, prelude: Bare,
        lines: &["version: 1.0", "realm: api"], line: 1, column: 10,
        message: Msg::Is("`version` must be the number 1, not text"), help: Help::No },
    Case { name: "empty realm", syntax: Dsl, prelude: Bare, lines: &["version 1", "realm \"\""],
        line: 2, column: 1,
        message: Msg::Is("the realm must be non-empty text without control characters"),
        help: Help::No },
    Case { name: "realm with a control character", syntax: Yaml, prelude: Bare,
        lines: &["version: 1", "realm: \"a\\tb\""], line: 2, column: 8,
        message: Msg::Is("the realm must be non-empty text without control characters"),
        help: Help::No },
    Case { name: "realm as a list", syntax: Yaml, prelude: Bare,
        lines: &["version: 1", "realm: [a]"], line: 2, column: 8,
        message: Msg::Is("`realm` must be a single value, not a list"), help: Help::No },
    Case { name: "unknown top-level field", syntax: Yaml, prelude: Head,
        lines: &["rouets: []"], line: 3, column: 1,
        message: Msg::Is("unknown field `rouets` in the policy"),
        help: Help::Has("did you mean `routes`?") },
    Case { name: "unknown top-level statement (grammar)", syntax: Dsl, prelude: Head,
        lines: &["  ???"], line: 3, column: 3, message: Msg::Starts("expected `default`"),
        help: Help::No },
    Case { name: "unknown field on a route (`scope` for `scopes`)", syntax: Yaml, prelude: Jwt,
        lines: &["routes:", "  - { route: GET /a, allow: [user_jwt], scope: [x] }"],
        line: 9, column: 41, message: Msg::Is("unknown field `scope` in a route"),
        help: Help::Has("did you mean `scopes`?") },
    Case { name: "`scope` for `scopes` on a route (grammar)", syntax: Dsl, prelude: Jwt,
        lines: &["GET /a allow user_jwt scope x"], line: 8, column: 23,
        message: Msg::Starts("expected "), help: Help::No },
    Case { name: "unknown field in an allow entry", syntax: Yaml, prelude: Jwt,
        lines: &["routes:", "  - route: GET /a", "    allow:",
                 "      - { scheme: user_jwt, scopez: [x] }"],
        line: 11, column: 29, message: Msg::Is("unknown field `scopez` in an `allow` entry"),
        help: Help::Has("did you mean `scopes`?") },
    Case { name: "unknown field in a scope", syntax: Yaml, prelude: Head,
        lines: &["scopes:", "  a: { implied: [b] }", "  b:"], line: 4, column: 8,
        message: Msg::Is("unknown field `implied` in a scope"),
        help: Help::Has("did you mean `implies`?") },
    Case { name: "routes as a map", syntax: Yaml, prelude: Head, lines: &["routes: {}"],
        line: 3, column: 9, message: Msg::Is("`routes` must be a list, not a map"),
        help: Help::No },
    Case { name: "schemes as a list", syntax: Yaml, prelude: Head, lines: &["schemes: []"],
        line: 3, column: 10, message: Msg::Is("`schemes` must be a map, not a list"),
        help: Help::No },
    Case { name: "a route that is not a map", syntax: Yaml, prelude: Head,
        lines: &["routes:", "  - GET /a"], line: 4, column: 5,
        message: Msg::Is("a route must be a map, not a single value"), help: Help::No },
    Case { name: "a scheme that is not a map", syntax: Yaml, prelude: Head,
        lines: &["schemes:", "  k: api_key"], line: 4, column: 6,
        message: Msg::Is("a scheme must be a map, not a single value"), help: Help::No },
    Case { name: "default as a number", syntax: Yaml, prelude: Head, lines: &["default: 3"],
        line: 3, column: 10,
        message: Msg::Is("`default` must be `deny`, `public` or a rule, not a single value"),
        help: Help::No },
    Case { name: "a policy that is a list", syntax: Yaml, prelude: Bare, lines: &["- a", "- b"],
        line: 1, column: 1, message: Msg::Has("must be a map, not a list"), help: Help::No },
    Case { name: "an empty YAML policy", syntax: Yaml, prelude: Bare, lines: &[""],
        line: 2, column: 1, message: Msg::Is("the policy is empty"),
        help: Help::Has("start with `version: 1`") },

    // --- grammar and YAML syntax ---------------------------------------------------------
    Case { name: "a garbage line", syntax: Dsl, prelude: Jwt, lines: &["this is garbage"],
        line: 8, column: 1, message: Msg::Starts("expected `default`, `realm`, `scheme`"),
        help: Help::No },
    Case { name: "a line of punctuation", syntax: Dsl, prelude: Head, lines: &["%%%"],
        line: 3, column: 1, message: Msg::Starts("expected "), help: Help::No },
    Case { name: "unterminated string in a route", syntax: Dsl, prelude: Head,
        lines: &["GET /a public \"why"], line: 3, column: 15,
        message: Msg::Is("expected a quoted string or the end of the line"), help: Help::No },
    Case { name: "unterminated string in a scheme", syntax: Dsl, prelude: Head,
        lines: &["scheme o: opaque_token {", "    store \"s", "}"], line: 4, column: 11,
        message: Msg::Is("expected a value"), help: Help::No },
    Case { name: "unterminated realm", syntax: Dsl, prelude: Bare,
        lines: &["version 1", "realm \"api"], line: 2, column: 7,
        message: Msg::Starts("expected "), help: Help::No },
    Case { name: "column counts characters, not bytes", syntax: Dsl, prelude: Head,
        lines: &["GET /a public \"\u{e9}\u{e9}\" garbage"], line: 3, column: 20,
        message: Msg::Is("expected the end of the line"), help: Help::No },
    Case { name: "CRLF line ends", syntax: Dsl, prelude: Bare,
        lines: &["version 1\r", "realm \"api\"\r", "scopes {\r", "    a implies zz\r", "}\r"],
        line: 4, column: 15, message: Msg::Is("unknown scope `zz`"),
        help: Help::Has("declare it under `scopes`") },
    Case { name: "unclosed bracket", syntax: Yaml, prelude: Bare,
        lines: &["version: 1", "realm: [api"], line: 2, column: 8,
        message: Msg::Is("invalid YAML: unclosed bracket '['"), help: Help::No },
    Case { name: "a map as a map key", syntax: Yaml, prelude: Head, lines: &["? [x]", ": y"],
        line: 3, column: 3,
        message: Msg::Is("invalid YAML: a map key must be a plain value, not a list"),
        help: Help::No },
];

fn check(case: &Case) -> Result<(), String> {
    let text = source(case.syntax, case.prelude, case.lines);
    let found = match Engine::from_text(&text, case.syntax) {
        Ok(_) => return Err("accepted".into()),
        Err(error) => error.diagnostics().to_vec(),
    };
    let [diagnostic] = found.as_slice() else {
        let all: Vec<String> = found.iter().map(ToString::to_string).collect();
        return Err(format!("expected one diagnostic, got {}:\n{}", found.len(), all.join("\n")));
    };

    let mut problems = Vec::new();
    let at = (diagnostic.span.line, diagnostic.span.column);
    if at != (case.line, case.column) {
        problems.push(format!("at {}:{}, expected {}:{}", at.0, at.1, case.line, case.column));
    }
    let message = diagnostic.error.to_string();
    let message_ok = match case.message {
        Msg::Is(expected) => message == expected,
        Msg::Starts(expected) => message.starts_with(expected),
        Msg::Has(expected) => message.contains(expected),
    };
    if !message_ok {
        problems.push(format!("message {message:?}, expected {:?}", case.message));
    }
    let help = diagnostic.help();
    let help_ok = match (case.help, &help) {
        (Help::No, None) => true,
        (Help::Has(expected), Some(help)) => help.contains(expected),
        _ => false,
    };
    if !help_ok {
        problems.push(format!("help {help:?}, expected {:?}", case.help));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

#[test]
fn every_error_has_its_message_help_and_position() {
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|case| {
            check(case).err().map(|why| format!("[{:?}] {}: {why}", case.syntax, case.name))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn preludes_have_the_lengths_the_table_assumes() {
    assert_eq!(source(Dsl, Head, &[]).lines().count(), 2);
    assert_eq!(source(Yaml, Head, &[]).lines().count(), 2);
    assert_eq!(source(Dsl, Jwt, &[]).lines().count(), 7);
    assert_eq!(source(Yaml, Jwt, &[]).lines().count(), 7);
    // and they are valid on their own, so every refusal in the table is the case's doing
    for (syntax, prelude) in [(Dsl, Head), (Yaml, Head), (Dsl, Jwt), (Yaml, Jwt)] {
        let text = source(syntax, prelude, &[]);
        if let Err(error) = Engine::from_text(&text, syntax) {
            panic!("{syntax:?} {prelude:?} prelude refused: {:?}", error.diagnostics());
        }
    }
}

#[test]
fn the_table_covers_both_syntaxes() {
    let dsl = CASES.iter().filter(|c| c.syntax == Dsl).count();
    let yaml = CASES.iter().filter(|c| c.syntax == Yaml).count();
    assert!(dsl >= 50 && yaml >= 50, "dsl {dsl}, yaml {yaml}");
}

// ---------------------------------------------------------------------------------------
// Policies that are fine
// ---------------------------------------------------------------------------------------

#[test]
fn near_misses_are_accepted() {
    let cases: &[(&str, Syntax, Prelude, &[&str])] = &[
        (
            "any scope goes without a catalogue",
            Dsl,
            Jwt,
            &["GET /a allow user_jwt scopes data:raed, whatever"],
        ),
        (
            "any scope goes without a catalogue",
            Yaml,
            Jwt,
            &["routes:", "  - { route: GET /a, allow: user_jwt, any_scopes: [data:raed, x] }"],
        ),
        (
            "a named method beats `*` rather than clashing",
            Dsl,
            Head,
            &["GET /x public", "* /x deny"],
        ),
        (
            "a named method beats `*` rather than clashing",
            Yaml,
            Head,
            &[
                "routes:",
                "  - { route: GET /x, public: true }",
                "  - { route: \"* /x\", deny: true }",
            ],
        ),
        ("different methods on one path", Dsl, Head, &["GET|HEAD /v public", "POST /v deny"]),
        ("a literal beside a parameter", Dsl, Head, &["GET /u/me public", "GET /u/{id} deny"]),
        ("`**` beside `*`", Dsl, Head, &["GET /a/* public", "GET /a/** deny"]),
        (
            "implication without a cycle",
            Yaml,
            Head,
            &["scopes:", "  a: { implies: [b, c] }", "  b: { implies: [c] }", "  c:"],
        ),
        (
            "HMAC from the environment",
            Dsl,
            Head,
            &["scheme j: jwt {", "    algorithms HS256", "    keys.hmac_secret_env \"S\"", "}"],
        ),
        (
            "api key in a header",
            Yaml,
            Head,
            &["schemes:", "  k: { type: api_key, header: X-Key, store: s }"],
        ),
    ];
    for (name, syntax, prelude, lines) in cases {
        let text = source(*syntax, *prelude, lines);
        if let Err(error) = Engine::from_text(&text, *syntax) {
            panic!("[{syntax:?}] {name}: refused: {:?}", messages(error.diagnostics()));
        }
    }
}

#[test]
fn the_example_policies_load() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies");
    for file in ["example.policy", "example.yaml"] {
        if let Err(error) = Engine::load(dir.join(file)) {
            panic!("{file}: {error}: {:?}", messages(error.diagnostics()));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Several problems at once
// ---------------------------------------------------------------------------------------

#[test]
fn three_unknown_schemes_are_three_diagnostics_in_line_order() {
    for syntax in [Dsl, Yaml] {
        let lines: &[&str] = match syntax {
            Dsl => &["GET /a allow usr_jwt", "GET /b allow bbb", "GET /c allow user_jwt, ccc"],
            Yaml => &[
                "routes:",
                "  - { route: GET /a, allow: usr_jwt }",
                "  - { route: GET /b, allow: bbb }",
                "  - { route: GET /c, allow: [user_jwt, ccc] }",
            ],
        };
        let found = diagnostics(syntax, &source(syntax, Jwt, lines));
        let expected_lines = match syntax {
            Dsl => [8, 9, 10],
            Yaml => [9, 10, 11],
        };
        let found_lines: Vec<u32> = found.iter().map(|d| d.span.line).collect();
        assert_eq!(found_lines, expected_lines, "{syntax:?}");
        assert_eq!(
            messages(&found),
            [
                "unknown scheme `usr_jwt` in route `GET /a`",
                "unknown scheme `bbb` in route `GET /b`",
                "unknown scheme `ccc` in route `GET /c`",
            ],
            "{syntax:?}"
        );
        // only the close one gets a suggestion
        let helps: Vec<Option<String>> = found.iter().map(Diagnostic::help).collect();
        assert_eq!(helps, [Some("did you mean `user_jwt`?".into()), None, None]);
    }
}

#[test]
fn diagnostics_are_sorted_even_when_found_out_of_order() {
    // The default is checked after the routes, but it is written first.
    let text = source(
        Dsl,
        Jwt,
        &["GET /a allow nope_a", "default allow nope_default", "GET /b allow nope_b"],
    );
    let found = diagnostics(Dsl, &text);
    assert_eq!(positions(&found), [(8, 14), (9, 15), (10, 14)]);
    assert_eq!(
        messages(&found),
        [
            "unknown scheme `nope_a` in route `GET /a`",
            "unknown scheme `nope_default` in the default",
            "unknown scheme `nope_b` in route `GET /b`",
        ]
    );

    let text = source(
        Yaml,
        Jwt,
        &["default: { allow: nope_d }", "routes:", "  - { route: GET /a, allow: nope_a }"],
    );
    let found = diagnostics(Yaml, &text);
    assert_eq!(positions(&found), [(8, 19), (10, 29)]);
    assert_eq!(
        messages(&found),
        ["unknown scheme `nope_d` in the default", "unknown scheme `nope_a` in route `GET /a`",]
    );
}

#[test]
fn a_reader_reports_every_problem_it_finds_not_just_the_first() {
    // YAML: an unknown top-level field, a bad scheme field and a bad route, all read in
    // one pass.
    let text = source(
        Yaml,
        Head,
        &[
            "schemes:",
            "  j:",
            "    type: jwt",
            "    algorithms: [RS256, none, None]",
            "    keys: { jwks_file: k }",
            "    leeway: 1w",
            "routes:",
            "  - { route: get /a, public: true }",
            "  - { route: GET /b/**/c, public: true }",
            "extra: 1",
        ],
    );
    let found = diagnostics(Yaml, &text);
    assert_eq!(
        messages(&found),
        [
            "algorithm `none` accepts tokens that carry no signature",
            "algorithm `none` accepts tokens that carry no signature",
            "`1w` is not a duration",
            "`get` is not an HTTP method; methods are upper case, like `GET` or `DELETE`",
            "`**` may only be the last segment of a path",
            "unknown field `extra` in the policy",
        ]
    );
    assert_eq!(positions(&found), [(6, 25), (6, 31), (8, 13), (10, 14), (11, 14), (12, 1)]);

    // DSL: problems in two schemes and two routes.
    let text = source(
        Dsl,
        Head,
        &[
            "scheme j: jwt {",
            "    algorithms none",
            "    keys.hmac_secret \"x\"",
            "}",
            "scheme k: api_key {",
            "    query \"k\"",
            "    store \"s\"",
            "}",
            "GET /a/ public",
            "GET /{id}/{id} public",
        ],
    );
    let found = diagnostics(Dsl, &text);
    assert_eq!(positions(&found), [(4, 16), (5, 5), (8, 5), (11, 1), (12, 1)]);
    assert!(matches!(found[0].error, PolicyError::Field(FieldError::AlgorithmNone)));
    assert_eq!(
        found[1].error,
        PolicyError::Field(FieldError::InlineSecret("keys.hmac_secret".into()))
    );
    assert_eq!(found[2].error, PolicyError::Field(FieldError::QueryKeyLocation));
    assert_eq!(found[3].error, PolicyError::Pattern(PatternError::EmptySegment("/a/".into())));
    assert_eq!(found[4].error, PolicyError::Pattern(PatternError::RepeatedParam("id".into())));
}

#[test]
fn compile_errors_are_all_reported_together() {
    let text = source(
        Dsl,
        Bare,
        &[
            "version 3",
            "realm \"api\"",
            "scopes {",
            "    a implies b",
            "    b implies a",
            "    c implies nothing_here",
            "}",
            "scheme u: opaque_token {",
            "    store \"s\"",
            "}",
            "scheme u: opaque_token {",
            "    store \"t\"",
            "}",
            "GET /x allow v scopes a",
            "GET /x allow u scopes c",
        ],
    );
    let found = diagnostics(Dsl, &text);
    let kinds: Vec<&str> = found
        .iter()
        .map(|d| match &d.error {
            PolicyError::Compile(CompileError::UnsupportedVersion(3)) => "version",
            PolicyError::Compile(CompileError::ImplicationCycle(_)) => "cycle",
            PolicyError::Compile(CompileError::UnknownScope { .. }) => "scope",
            PolicyError::Compile(CompileError::DuplicateScheme { .. }) => "scheme twice",
            PolicyError::Compile(CompileError::UnknownScheme { .. }) => "scheme",
            PolicyError::Compile(CompileError::DuplicateRoute { .. }) => "route twice",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["version", "cycle", "scope", "scheme twice", "scheme", "route twice"]);
    assert_eq!(positions(&found), [(1, 1), (4, 5), (6, 15), (11, 8), (14, 14), (15, 1)]);
}

#[test]
fn both_none_spellings_are_reported() {
    for syntax in [Dsl, Yaml] {
        let lines: &[&str] = match syntax {
            Dsl => &[
                "scheme j: jwt {",
                "    algorithms RS256, none, None",
                "    keys.jwks_file \"k\"",
                "}",
            ],
            Yaml => &[
                "schemes:",
                "  j:",
                "    type: jwt",
                "    algorithms: [RS256, none, None]",
                "    keys: { jwks_file: k }",
            ],
        };
        let found = diagnostics(syntax, &source(syntax, Head, lines));
        let expected = match syntax {
            Dsl => [(4, 23), (4, 29)],
            Yaml => [(6, 25), (6, 31)],
        };
        assert_eq!(positions(&found), expected, "{syntax:?}");
        assert!(
            found.iter().all(|d| d.error == PolicyError::Field(FieldError::AlgorithmNone)),
            "{syntax:?}: {:?}",
            messages(&found)
        );
    }
}

#[test]
fn a_version_too_large_for_a_number() {
    let found = diagnostics(Dsl, "version 99999999999\nrealm \"api\"\n");
    assert_eq!(positions(&found)[0], (1, 1));
    assert_eq!(found[0].to_string(), "1:1: error: `99999999999` is not a valid version number");
}

#[test]
fn an_empty_dsl_policy_lacks_both_version_and_realm() {
    let found = diagnostics(Dsl, "");
    assert_eq!(
        messages(&found),
        ["the policy has no `version` line", "the policy has no `realm` line"]
    );
    assert_eq!(positions(&found), [(1, 1), (1, 1)]);
}

#[test]
fn the_route_limit() {
    // Built as a document rather than as text: reading 250,001 lines in a debug build takes
    // long, and the limit is the compiler's.
    let mut doc = parse(b"version 1\nrealm \"api\"\n", Dsl).expect("valid head");
    for i in 0..=MAX_ROUTES {
        let pattern = RoutePattern::parse(&format!("GET /r{}/s{}", i / 500, i % 500)).unwrap();
        let line = u32::try_from(i).unwrap() + 3;
        doc.routes.push(RouteDecl {
            pattern: Spanned::new(pattern, Span::new(line, 1)),
            rule: Rule::Public { reason: None },
        });
    }
    let found = Engine::compile(&doc, &CompileOptions::default()).expect_err("too many routes");
    assert_eq!(found.len(), 1, "{:?}", messages(&found));
    assert_eq!(
        found[0].error.to_string(),
        format!("the policy has {} routes; the limit is {MAX_ROUTES}", MAX_ROUTES + 1)
    );
    // the first route over the limit
    let line = u32::try_from(MAX_ROUTES).unwrap() + 3;
    assert_eq!(positions(&found), [(line, 1)]);

    // one fewer is fine
    doc.routes.pop();
    assert!(Engine::compile(&doc, &CompileOptions::default()).is_ok());
}

#[test]
fn name_length_limits() {
    for syntax in [Dsl, Yaml] {
        for (length, refused) in [(64, false), (65, true)] {
            let name = "s".repeat(length);
            let scheme = match syntax {
                Dsl => format!("scheme {name}: opaque_token {{ store \"s\" }}"),
                Yaml => format!("schemes: {{ {name}: {{ type: opaque_token, store: s }} }}"),
            };
            let text = source(syntax, Head, &[&scheme]);
            match Engine::from_text(&text, syntax) {
                Ok(_) => assert!(!refused, "{syntax:?} {length}"),
                Err(error) => {
                    assert!(refused, "{syntax:?} {length}: {:?}", messages(error.diagnostics()));
                    let found = error.diagnostics();
                    let column = if syntax == Dsl { 8 } else { 12 };
                    assert_eq!(positions(found), [(3, column)]);
                    let expected = format!("`{name}` is not a valid scheme name");
                    assert_eq!(messages(found), [expected]);
                }
            }
        }
        for (length, refused) in [(128, false), (129, true)] {
            let scope = "s".repeat(length);
            let catalogue = match syntax {
                Dsl => format!("scopes {{ {scope} }}"),
                Yaml => format!("scopes: {{ {scope}: }}"),
            };
            let text = source(syntax, Head, &[&catalogue]);
            match Engine::from_text(&text, syntax) {
                Ok(_) => assert!(!refused, "{syntax:?} {length}"),
                Err(error) => {
                    assert!(refused, "{syntax:?} {length}: {:?}", messages(error.diagnostics()));
                    let found = error.diagnostics();
                    let column = if syntax == Dsl { 10 } else { 11 };
                    assert_eq!(positions(found), [(3, column)]);
                    assert_eq!(messages(found), [format!("`{scope}` is not a valid scope name")]);
                }
            }
        }
    }
}

#[test]
fn yaml_reader_budgets() {
    let deep = format!("version: 1\nrealm: api\nextra: {}{}\n", "[".repeat(40), "]".repeat(40));
    let mut aliases = String::from("version: 1\nrealm: api\nx: &a [1]\nextra:\n");
    let mut anchors = String::from("version: 1\nrealm: api\nextra:\n");
    for i in 0..1001 {
        aliases.push_str("  - *a\n");
        anchors.push_str(&format!("  - &a{i} 1\n"));
    }
    let cases = [
        (deep, "is nested more than 32 levels deep", 3),
        (aliases, "uses more than 1000 aliases", 1005),
        (anchors, "defines more than 1000 anchors", 1004),
    ];
    for (text, what, line) in cases {
        let found = diagnostics(Yaml, &text);
        assert_eq!(found.len(), 1, "{what}");
        let message = found[0].error.to_string();
        assert_eq!(message, format!("invalid YAML: the document {what}, more than a policy needs"));
        assert_eq!(found[0].span.line, line, "{what}");
    }

    // within the budgets, the same shapes are only unknown fields
    let shallow = format!("version: 1\nrealm: api\nextra: {}{}\n", "[".repeat(30), "]".repeat(30));
    assert_eq!(messages(&diagnostics(Yaml, &shallow)), ["unknown field `extra` in the policy"]);
}

#[test]
fn yaml_node_budget() {
    // 3,000,000 one-character items in a flow list: over the node budget, under the size
    // limit, so the budget is what refuses it
    let items = vec!["1"; 3_000_001].join(",");
    let text = format!("version: 1\nrealm: api\nextra: [{items}]\n");
    let found = diagnostics(Yaml, &text);
    assert_eq!(
        messages(&found),
        ["invalid YAML: the document is too large, more than a policy needs"]
    );
}

// ---------------------------------------------------------------------------------------
// Bytes before any parser: size and encoding
// ---------------------------------------------------------------------------------------

#[test]
fn text_that_is_not_utf8_is_refused_at_the_first_bad_byte() {
    for syntax in [Dsl, Yaml] {
        let bytes = b"version 1\nrealm \"\xc3\xa9\xff\"\n";
        let found = parse(bytes, syntax).expect_err("not UTF-8");
        assert_eq!(found.len(), 1);
        // `é` is one character: the bad byte is the 9th character of line 2
        assert_eq!(positions(&found), [(2, 9)], "{syntax:?}");
        assert_eq!(found[0].error.to_string(), "the policy is not valid UTF-8");
        assert_eq!(found[0].help(), None);
    }
}

#[test]
fn text_over_the_size_limit_is_refused_unread() {
    let mut bytes = vec![b'#'; MAX_POLICY_BYTES + 1];
    bytes[0] = 0xff; // would be a UTF-8 error, were it looked at
    for syntax in [Dsl, Yaml] {
        let found = parse(&bytes, syntax).expect_err("too large");
        assert_eq!(found.len(), 1);
        assert_eq!(positions(&found), [(1, 1)]);
        assert_eq!(
            found[0].error.to_string(),
            format!(
                "the policy is {} bytes; the limit is {MAX_POLICY_BYTES}",
                MAX_POLICY_BYTES + 1
            )
        );
    }
    // exactly at the limit, the text is looked at: the bad first byte is found
    let found = parse(&bytes[..MAX_POLICY_BYTES], Dsl).expect_err("not UTF-8");
    assert_eq!(messages(&found), ["the policy is not valid UTF-8"]);
}

// ---------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------

const DSL_WITH_KEY_FILE: &str = "version 1
realm \"api\"
scheme user_jwt: jwt {
    algorithms RS256
    keys.jwks_file \"keys/missing.json\"
}
GET /a allow user_jwt
";

const YAML_WITH_KEY_FILE: &str = "version: 1
realm: api
schemes:
  user_jwt:
    type: jwt
    algorithms: [RS256]
    keys: { pem_file: keys/missing.pem }
routes:
  - { route: GET /a, allow: user_jwt }
";

#[test]
fn a_missing_key_file_is_reported_when_loading_from_a_file() {
    let dir = temp_dir("key-file");
    let cases = [
        ("p.policy", DSL_WITH_KEY_FILE, "keys/missing.json", (3, 8)),
        ("p.yaml", YAML_WITH_KEY_FILE, "keys/missing.pem", (4, 3)),
    ];
    for (file, text, written, at) in cases {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap();

        let error = Engine::load(&path).expect_err("key file is missing");
        let LoadError::Invalid { file: named, diagnostics } = &error else {
            panic!("expected Invalid, got {error:?}");
        };
        assert_eq!(named.as_deref(), Some(path.as_path()));
        assert_eq!(error.to_string(), format!("`{}` has 1 error(s)", path.display()));
        assert_eq!(positions(diagnostics), [at], "{file}");
        let resolved = dir.join(written);
        assert_eq!(
            diagnostics[0].error,
            PolicyError::Compile(CompileError::KeyFileMissing {
                written: written.into(),
                resolved: resolved.clone(),
            })
        );
        assert_eq!(
            diagnostics[0].error.to_string(),
            format!("key file `{written}` not found (looked for `{}`)", resolved.display())
        );
        assert_eq!(diagnostics[0].help(), None);

        // from text there is no folder, so key files are not looked for
        let syntax = portcullis::Syntax::from_path(&path).unwrap();
        assert!(Engine::from_text(text, syntax).is_ok(), "{file}");
    }

    // once the files exist, both load
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::write(dir.join("keys/missing.json"), "{\"keys\": []}").unwrap();
    std::fs::write(dir.join("keys/missing.pem"), "").unwrap();
    for file in ["p.policy", "p.yaml"] {
        if let Err(error) = Engine::load(dir.join(file)) {
            panic!("{file}: {:?}", messages(error.diagnostics()));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_key_file_that_is_a_folder_is_missing() {
    let dir = temp_dir("key-folder");
    std::fs::create_dir_all(dir.join("keys/missing.json")).unwrap();
    let path = dir.join("p.policy");
    std::fs::write(&path, DSL_WITH_KEY_FILE).unwrap();
    let error = Engine::load(&path).expect_err("a folder is not a key file");
    assert_eq!(error.diagnostics().len(), 1);
    assert!(matches!(
        error.diagnostics()[0].error,
        PolicyError::Compile(CompileError::KeyFileMissing { .. })
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_policy_file_that_does_not_exist_is_an_io_error() {
    let dir = temp_dir("no-such-file");
    let path = dir.join("absent.policy");
    let error = Engine::load(&path).expect_err("no such file");
    let LoadError::Io { path: named, source } = &error else {
        panic!("expected Io, got {error:?}");
    };
    assert_eq!(named, &path);
    assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
    assert!(error.diagnostics().is_empty());
    assert!(
        error.to_string().starts_with(&format!("cannot read `{}`: ", path.display())),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_policy_file_that_is_a_folder_is_an_io_error() {
    let dir = temp_dir("folder-policy");
    let path = dir.join("d.yaml");
    std::fs::create_dir_all(&path).unwrap();
    let error = Engine::load(&path).expect_err("a folder");
    assert!(matches!(error, LoadError::Io { .. }), "{error:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_extension_is_refused_before_reading() {
    let dir = temp_dir("extension");
    // `example.json` exists and is a valid policy in all but its name; `none` does not exist
    let existing = dir.join("example.json");
    std::fs::write(&existing, "version: 1\nrealm: api\n").unwrap();
    for path in [existing, dir.join("none.txt"), dir.join("no-extension"), dir.join("p.POLICY")] {
        let error = Engine::load(&path).expect_err("unknown extension");
        let LoadError::Invalid { file, diagnostics } = &error else {
            panic!("{}: expected Invalid, got {error:?}", path.display());
        };
        assert_eq!(file.as_deref(), Some(path.as_path()));
        assert_eq!(positions(diagnostics), [(1, 1)]);
        assert_eq!(
            diagnostics[0].error.to_string(),
            "cannot tell the policy's syntax from its file name"
        );
        let help = diagnostics[0].help().expect("help");
        assert!(help.contains("`*.policy`") && help.contains("`*.yaml` or `*.yml`"), "{help}");
    }
    // the same text under a known extension loads
    let yml = dir.join("example.yml");
    std::fs::write(&yml, "version: 1\nrealm: api\n").unwrap();
    assert!(Engine::load(&yml).is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn loading_a_file_reports_its_diagnostics_with_positions() {
    let dir = temp_dir("invalid-file");
    let path = dir.join("bad.policy");
    std::fs::write(&path, "version 1\nrealm \"api\"\nGET /a allow a\nGET /b allow b\n").unwrap();
    let error = Engine::load(&path).expect_err("unknown schemes");
    assert_eq!(error.to_string(), format!("`{}` has 2 error(s)", path.display()));
    assert_eq!(positions(error.diagnostics()), [(3, 14), (4, 14)]);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// Display
// ---------------------------------------------------------------------------------------

#[test]
fn a_diagnostic_displays_as_position_error_and_help() {
    let text = source(Dsl, Jwt, &["GET /a allow usr_jwt", "GET /b allow zzzzzz"]);
    let found = diagnostics(Dsl, &text);
    let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            concat!(
                "8:14: error: unknown scheme `usr_jwt` in route `GET /a`\n",
                "  help: did you mean `user_jwt`?"
            ),
            "9:14: error: unknown scheme `zzzzzz` in route `GET /b`",
        ]
    );
}

#[test]
fn a_hand_made_diagnostic_displays_the_same_way() {
    let plain = Diagnostic::new(Span::new(3, 7), PatternError::CatchAllNotLast);
    assert_eq!(plain.to_string(), "3:7: error: `**` may only be the last segment of a path");
    assert_eq!(plain.help(), None);

    let helped = Diagnostic::new(Span::new(12, 1), FieldError::BadDuration("1w".into()));
    assert_eq!(
        helped.to_string(),
        "12:1: error: `1w` is not a duration\n  \
         help: write a whole number and a unit: `30s`, `15m`, `1h` or `90d`"
    );
}

#[test]
fn load_error_display_counts_the_diagnostics() {
    let text = source(Dsl, Jwt, &["GET /a allow x", "GET /b allow y", "GET /c allow z"]);
    let error = Engine::from_text(&text, Dsl).expect_err("unknown schemes");
    assert_eq!(error.to_string(), "the policy has 3 error(s)");
}

// ---------------------------------------------------------------------------------------
// Bugs: what should happen and does not yet
// ---------------------------------------------------------------------------------------

/// The YAML reader knows the field a misspelt key was meant to be.
#[test]
fn yaml_unknown_fields_know_their_suggestion() {
    let text =
        source(Yaml, Jwt, &["routes:", "  - { route: GET /a, allow: [user_jwt], scope: [x] }"]);
    let found = diagnostics(Yaml, &text);
    assert_eq!(
        found[0].error,
        PolicyError::Yaml(YamlError::UnknownField {
            field: "scope".into(),
            place: "a route",
            suggestion: Some("scopes"),
        })
    );
}

#[test]
fn yaml_errors_carry_their_help() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["routes:", "  - { route: GET /a, allow: [user_jwt], scope: [x] }"],
            "did you mean `scopes`?",
        ),
        (&["rouets: []"], "did you mean `routes`?"),
        (
            &[
                "routes:",
                "  - route: GET /a",
                "    allow:",
                "      - { scheme: user_jwt, scopez: [x] }",
            ],
            "did you mean `scopes`?",
        ),
        (&["routes:", "  - { route: GET /b, public: false }"], "remove it"),
    ];
    for (lines, help) in cases {
        let found = diagnostics(Yaml, &source(Yaml, Jwt, lines));
        let given = found[0].help();
        assert!(given.as_deref().is_some_and(|h| h.starts_with(help)), "{}", found[0]);
        assert!(found[0].to_string().contains(&format!("\n  help: {help}")));
    }
}

#[test]
fn transposed_characters_get_a_suggestion() {
    let text = source(
        Yaml,
        Head,
        &[
            "schemes:",
            "  j:",
            "    type: jwt",
            "    algorithms: [RS265]",
            "    keys: { jwks_file: k }",
        ],
    );
    let found = diagnostics(Yaml, &text);
    assert_eq!(found[0].error.to_string(), "unknown algorithm `RS265`");
    assert_eq!(found[0].help().as_deref(), Some("did you mean `RS256`?"));

    let text = source(Dsl, Head, &["scheme o: jtw {", "    store \"s\"", "}"]);
    let found = diagnostics(Dsl, &text);
    assert_eq!(found[0].error.to_string(), "unknown scheme type `jtw`");
    assert_eq!(found[0].help().as_deref(), Some("did you mean `jwt`?"));
}

#[test]
fn dsl_version_help_is_written_in_the_dsl() {
    let found = diagnostics(Dsl, "version 2\nrealm \"api\"\n");
    let help = found[0].help().expect("a help line");
    assert!(help.contains('1') && !help.contains("version:"), "{help}");
}

/// grammar/policy.pest says of `name`: "the parser accepts any word and the model checks
/// its shape, so that a bad name gets a message about names rather than about syntax". The
/// reserved words are documented as grammar errors; a name starting with a digit is not.
#[test]
fn dsl_bad_scheme_names_are_named_as_such() {
    let lines = &["scheme 2x: opaque_token {", "    store \"s\"", "}"];
    let found = diagnostics(Dsl, &source(Dsl, Head, lines));
    assert_eq!(positions(&found), [(3, 8)]);
    assert_eq!(found[0].error, PolicyError::Field(FieldError::BadSchemeName("2x".into())));
}

#[test]
fn yaml_boolean_words_other_than_true_and_false_are_text() {
    let lines = &["schemes:", "  on:", "    store: s", "  \"no\":", "    store: s"];
    let found = diagnostics(Yaml, &source(Yaml, Head, lines));
    assert_eq!(messages(&found), ["scheme `on` has no `type`", "scheme `no` has no `type`"]);
    assert_eq!(positions(&found), [(4, 3), (6, 3)]);
}

#[test]
fn yaml_scopes_with_leading_zeros_keep_their_text() {
    let text = source(
        Yaml,
        Jwt,
        &[
            "scopes:",
            "  \"007\":",
            "routes:",
            "  - { route: GET /a, allow: user_jwt, scopes: [007] }",
        ],
    );
    if let Err(error) = Engine::from_text(&text, Yaml) {
        panic!("refused: {:?}", messages(error.diagnostics()));
    }
}

#[test]
fn yaml_duplicate_key_message_speaks_to_the_author() {
    let text = source(Yaml, Jwt, &["  user_jwt:", "    type: opaque_token", "    store: s"]);
    let found = diagnostics(Yaml, &text);
    assert_eq!(positions(&found), [(8, 3)]);
    let message = found[0].error.to_string();
    assert!(message.contains("user_jwt"), "{message}");
    assert!(!message.contains("DuplicateKeyPolicy"), "{message}");
}

#[test]
fn dsl_malformed_statements_are_not_read_as_routes() {
    // a bad escape: the mistake is in the string (2:7 to 2:12), at the `\q` (2:9), not at
    // the end of the line (2:13)
    let found = diagnostics(Dsl, "version 1\nrealm \"a\\qb\"\n");
    assert_eq!(found.len(), 1);
    let at = found[0].span;
    assert!(at.line == 2 && (7..=9).contains(&at.column), "{}", found[0]);

    for text in ["version 1\nrealm \"api\n", "version one\nrealm \"api\"\n"] {
        let found = diagnostics(Dsl, text);
        let message = found[0].error.to_string();
        assert!(message.starts_with("expected "), "{message}");
        assert!(!message.contains("`allow`"), "{text:?}: {}", found[0]);
    }
}
