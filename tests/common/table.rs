//! The route table every benchmark uses (and tests that check it): N routes over N/4
//! resources `r0 … r{N/4-1}`; resource k has `GET /api/rk`, `GET /api/rk/{id}`,
//! `POST /api/rk/{id}/items` and `DELETE /api/rk/{id}/items/{item_id}`, requiring `rk:read`,
//! `rk:read`, `rk:write` and `rk:admin`; the schemes jwt (RS256), api_key and session accept
//! all of them. The probe is the last route, the worst case for anything that scans.

use std::fmt::Write as _;

/// The table sizes the benchmarks measure, as issue #6 gives them.
pub const SIZES: [usize; 4] = [100, 1_000, 10_000, 100_000];

/// The table as a DSL policy.
pub fn dsl(n: usize) -> String {
    let mut text = String::from(
        "version 1\nrealm \"bench\"\n\n\
         scheme user_jwt: jwt {\n    issuer \"https://issuer.test/\"\n    audience \"api.test\"\n    \
         algorithms RS256\n    keys.jwks_file \"keys/jwks.json\"\n    max_lifetime 1h\n}\n\n\
         scheme partner_key: api_key {\n    prefixes \"sk_test_\"\n    store \"keys\"\n}\n\n\
         scheme browser: session {\n    cookie \"sid\"\n    csrf_header \"X-CSRF-Token\"\n    \
         store \"sessions\"\n}\n\n",
    );
    let schemes = "user_jwt, partner_key, browser";
    for k in 0..n / 4 {
        let _ = writeln!(text, "GET    /api/r{k}  allow {schemes} scopes r{k}:read");
        let _ = writeln!(text, "GET    /api/r{k}/{{id}}  allow {schemes} scopes r{k}:read");
        let _ = writeln!(text, "POST   /api/r{k}/{{id}}/items  allow {schemes} scopes r{k}:write");
        let _ = writeln!(
            text,
            "DELETE /api/r{k}/{{id}}/items/{{item_id}}  allow {schemes} scopes r{k}:admin"
        );
    }
    text
}

/// The table as a YAML policy.
pub fn yaml(n: usize) -> String {
    let mut text = String::from(
        "version: 1\nrealm: bench\nschemes:\n  \
         user_jwt: { type: jwt, issuer: \"https://issuer.test/\", audience: api.test, \
         algorithms: [RS256], keys: { jwks_file: keys/jwks.json }, max_lifetime: 1h }\n  \
         partner_key: { type: api_key, prefixes: [sk_test_], store: keys }\n  \
         browser: { type: session, cookie: sid, csrf_header: X-CSRF-Token, store: sessions }\n\
         routes:\n",
    );
    let allow = "allow: [user_jwt, partner_key, browser]";
    for k in 0..n / 4 {
        let _ = writeln!(text, "  - {{ route: GET /api/r{k}, {allow}, scopes: [r{k}:read] }}");
        let _ = writeln!(
            text,
            "  - {{ route: \"GET /api/r{k}/{{id}}\", {allow}, scopes: [r{k}:read] }}"
        );
        let _ = writeln!(
            text,
            "  - {{ route: \"POST /api/r{k}/{{id}}/items\", {allow}, scopes: [r{k}:write] }}"
        );
        let _ = writeln!(
            text,
            "  - {{ route: \"DELETE /api/r{k}/{{id}}/items/{{item_id}}\", {allow}, scopes: [r{k}:admin] }}"
        );
    }
    text
}

/// The probe: the table's last route.
pub fn probe(n: usize) -> (&'static str, String) {
    ("DELETE", format!("/api/r{}/42/items/7", n / 4 - 1))
}

/// Five scopes: the probe's required one among them when `allowed`, none of them otherwise.
pub fn scopes(n: usize, allowed: bool) -> Vec<String> {
    let last = n / 4 - 1;
    let mut scopes: Vec<String> = (0..4).map(|i| format!("r{}:read", i % (n / 4))).collect();
    scopes.push(if allowed { format!("r{last}:admin") } else { format!("r{last}:write") });
    scopes
}
