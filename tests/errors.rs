use portcullis::{Engine, Syntax};

fn show(name: &str, syntax: Syntax, src: &str) {
    match Engine::from_text(src, syntax) {
        Ok(_) => println!("== {name}: OK"),
        Err(e) => {
            println!("== {name}: {e}");
            for d in e.diagnostics() {
                println!("{d}");
                println!("   {:?}", d.error);
            }
        }
    }
}

const DSL: &str = "version 1\nrealm \"api\"\nscheme user_jwt: jwt {\n    issuer \"x\"\n    algorithms RS256\n    keys.jwks_file \"keys/jwks.json\"\n}\n";
const YAML: &str = "version: 1\nrealm: api\nschemes:\n  user_jwt:\n    type: jwt\n    algorithms: [RS256]\n    keys: { jwks_file: keys/jwks.json }\n";

#[test]
fn probe() {
    let d = |s: &str| format!("{DSL}{s}");
    let y = |s: &str| format!("{YAML}{s}");
    show(
        "yaml bool names",
        Syntax::Yaml,
        "version: 1\nrealm: api\nschemes:\n  y:\n    store: s\n  yes:\n    store: s\n  on:\n    store: s\n  off:\n    store: s\n  no:\n    store: s\n",
    );
    show(
        "yaml num scope",
        Syntax::Yaml,
        "version: 1\nrealm: api\nscopes:\n  007:\n  0x1F:\n  1e3:\n  b: { implies: [7] }\n",
    );
    show(
        "yaml version 1.0",
        Syntax::Yaml,
        "version: 1.0\nrealm: 1e3\n",
    );
    show(
        "yaml version str",
        Syntax::Yaml,
        "version: \"1\"\nrealm: api\n",
    );
    show(
        "dsl unterminated scheme",
        Syntax::Dsl,
        "version 1\nrealm \"api\"\nscheme k: opaque_token {\n    store \"s\n}\n",
    );
    show(
        "dsl unterminated reason",
        Syntax::Dsl,
        "version 1\nrealm \"api\"\nGET /a public \"why\n",
    );
    show(
        "dsl bad scheme names",
        Syntax::Dsl,
        "version 1\nrealm \"api\"\nscheme User: opaque_token {\n    store \"s\"\n}\n",
    );
    show(
        "dsl scheme 2x",
        Syntax::Dsl,
        "version 1\nrealm \"api\"\nscheme 2x: opaque_token {\n    store \"s\"\n}\n",
    );
    show(
        "dsl scheme scopes",
        Syntax::Dsl,
        "version 1\nrealm \"api\"\nscheme scopes: opaque_token {\n    store \"s\"\n}\n",
    );
    show(
        "yaml bad scheme names",
        Syntax::Yaml,
        "version: 1\nrealm: api\nschemes:\n  User:\n    type: opaque_token\n    store: s\n  2x:\n    type: opaque_token\n    store: s\n  scopes:\n    type: opaque_token\n    store: s\n",
    );
    show(
        "dsl bad scope",
        Syntax::Dsl,
        "version 1\nrealm \"api\"\nscopes {\n    :x\n    ok\n    ok\n}\nGET /a allow k scopes -y\nscheme k: opaque_token {\n    store \"s\"\n}\n",
    );
    show(
        "yaml bad scope",
        Syntax::Yaml,
        "version: 1\nrealm: api\nscopes:\n  \":x\":\n  \"a b\":\nschemes:\n  k: { type: opaque_token, store: s }\nroutes:\n  - { route: GET /a, allow: k, scopes: [\"-y\"] }\n",
    );
    show(
        "dsl unknown scope route",
        Syntax::Dsl,
        "version 1\nrealm \"api\"\nscopes {\n    data:read\n}\nscheme k: opaque_token {\n    store \"s\"\n}\nGET /a allow k scopes data:raed\nGET /b allow k any_scopes zzzzzzz\n",
    );
    show(
        "dsl no catalogue",
        Syntax::Dsl,
        "version 1\nrealm \"api\"\nscheme k: opaque_token {\n    store \"s\"\n}\nGET /a allow k scopes data:raed\n",
    );
    show(
        "dsl crlf",
        Syntax::Dsl,
        "version 1\r\nrealm \"api\"\r\n  ???\r\n",
    );
    show(
        "dsl utf8 col",
        Syntax::Dsl,
        "version 1\nrealm \"api\"\nGET /a public \"\u{e9}\u{e9}\" garbage\n",
    );
    show(
        "yaml utf8 col",
        Syntax::Yaml,
        "version: 1\nrealm: api\nroutes:\n  - { x: \"\u{e9}\u{e9}\u{e9}\", route: GET /a, allow: [nope] }\n",
    );
    show(
        "dsl misc",
        Syntax::Dsl,
        "version 1\nrealm \"api\"\nrealm \"again\"\nversion 1\ndefault deny\ndefault deny\nscopes {\n}\nscopes {\n}\n",
    );
    show(
        "dsl bignum",
        Syntax::Dsl,
        "version 99999999999\nrealm \"api\"\n",
    );
    show("dsl empty realm", Syntax::Dsl, "version 1\nrealm \"\"\n");
    show("dsl ctl realm", Syntax::Dsl, "version 1\nrealm \"a\\nb\"\n");
    show(
        "dsl patterns2",
        Syntax::Dsl,
        &d(
            "GET|* /a public\nGET|GET /a public\nGET a public\nGET /{} public\nGET /{1x} public\nGET /a%2F public\nGET /a* public\n",
        ),
    );
    show(
        "yaml patterns2",
        Syntax::Yaml,
        &y("routes:\n  - { route: GET, public: true }\n  - { route: GET /a /b, public: true }\n"),
    );
    show(
        "dsl repeated scheme",
        Syntax::Dsl,
        &d("GET /a allow user_jwt+user_jwt\n"),
    );
    show(
        "yaml repeated scheme",
        Syntax::Yaml,
        &y("routes:\n  - route: GET /a\n    allow:\n      - all: [user_jwt, user_jwt]\n"),
    );
    show(
        "yaml shapes",
        Syntax::Yaml,
        &y(
            "routes:\n  - { route: GET /a }\n  - { route: GET /b, public: false }\n  - { route: GET /c, deny: false }\n  - { public: true }\n  - { route: GET /d, deny: true, scopes: [x] }\n  - route: GET /e\n    allow:\n      - { scheme: user_jwt, all: [user_jwt] }\n      - { scopes: [x] }\n      - { scheme: user_jwt, scopez: [x] }\n  - just text\n",
        ),
    );
    show(
        "yaml top shapes",
        Syntax::Yaml,
        "version: 1\nrealm: [a]\nschemes: []\nroutes: {}\ndefault: 3\n",
    );
    show("yaml not map", Syntax::Yaml, "- a\n- b\n");
    show("yaml empty", Syntax::Yaml, "");
    show("dsl empty", Syntax::Dsl, "");
    show(
        "dsl dup field",
        Syntax::Dsl,
        "version 1\nrealm \"api\"\nscheme k: opaque_token {\n    store \"s\"\n    store \"t\"\n}\nscheme m: opaque_token {\n}\n",
    );
    show(
        "yaml bool field",
        Syntax::Yaml,
        "version: 1\nrealm: api\nschemes:\n  s:\n    type: session\n    cookie: sid\n    secure: maybe\n    store: s\n",
    );
    show(
        "yaml key shape",
        Syntax::Yaml,
        "version: 1\nrealm: api\nschemes:\n  j:\n    type: jwt\n    algorithms: [RS256]\n    keys: k.json\n  m:\n    type: jwt\n    algorithms: { a: b }\n    keys: { jwks_file: [a] }\n",
    );
    show(
        "yaml nested key",
        Syntax::Yaml,
        "version: 1\nrealm: a\nschemes: { k: { type: opaque_token, store: s } }\nroutes:\n  - { route: GET /a, allow: [{ scheme: k }], scopes: {a: b} }\n",
    );
    show(
        "yaml map key",
        Syntax::Yaml,
        "version: 1\nrealm: a\n? [x]\n: y\n",
    );
    show("default unknown", Syntax::Dsl, &d("default allow nope\n"));
}
