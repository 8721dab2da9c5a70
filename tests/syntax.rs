//! Loading policies: the shipped examples, the two syntaxes side by side, and hostile input.

use portcullis::{Decision, Engine, LoadError, Request, Syntax};
use proptest::prelude::*;

#[test]
fn the_example_policies_are_the_same_policy() {
    let dsl = Engine::load("policies/example.policy").expect("DSL example loads");
    let yaml = Engine::load("policies/example.yaml").expect("YAML example loads");
    assert_eq!(dsl, yaml);
    assert_eq!(dsl.route_count(), 10);
    assert_eq!(dsl.realm(), "api.example.com");
}

#[test]
fn the_yaml_from_the_specification_loads_as_written() {
    let engine = Engine::load("tests/fixtures/issue-example/policy.yaml").expect("loads");
    let names: Vec<&str> = engine.schemes().map(|(name, _)| name).collect();
    assert_eq!(names, ["user_jwt", "partner_key", "browser"]);
    let decision = engine.decide(&Request::new("GET", "/health"), &[]);
    assert!(decision.is_allowed());
}

#[test]
fn printing_either_example_gives_back_the_same_document() {
    for (path, syntax) in
        [("policies/example.policy", Syntax::Dsl), ("policies/example.yaml", Syntax::Yaml)]
    {
        let source = std::fs::read(path).expect("example exists");
        let doc = portcullis::parse(&source, syntax).expect("parses");
        let dsl = portcullis::syntax::print(&doc);
        let yaml = portcullis::yaml::print(&doc);
        assert_eq!(portcullis::parse(dsl.as_bytes(), Syntax::Dsl).expect("DSL reparses"), doc);
        assert_eq!(portcullis::parse(yaml.as_bytes(), Syntax::Yaml).expect("YAML reparses"), doc);
    }
}

#[test]
fn the_dsl_printer_output_is_stable() {
    let source = std::fs::read("policies/example.policy").expect("example exists");
    let doc = portcullis::parse(&source, Syntax::Dsl).expect("parses");
    let printed = portcullis::syntax::print(&doc);
    let reprinted =
        portcullis::syntax::print(&portcullis::parse(printed.as_bytes(), Syntax::Dsl).unwrap());
    assert_eq!(printed, reprinted);
    assert!(printed.contains(
        "\nGET|HEAD /data/{id}   allow user_jwt, partner_key, browser scopes data:read\n"
    ));
}

/// A route line reads the same whatever spaces, tabs and trailing comment it is written
/// with; a comment or a line break inside the rule ends it too early, and is refused.
#[test]
fn spacing_inside_a_rule_changes_nothing_and_line_breaks_are_refused() {
    let policy = |lines: &str| format!("version 1\nrealm \"r\"\n{lines}\n");
    let printed = |lines: &str| {
        let doc = portcullis::parse(policy(lines).as_bytes(), Syntax::Dsl)
            .unwrap_or_else(|errors| panic!("{lines:?} was refused: {}", errors[0]));
        portcullis::syntax::print(&doc)
    };

    let canonical = printed(
        "GET /a allow (s + t scopes x:read), s any_scopes x:read, x:write\n\
         POST /b public \"why\"\nDELETE /c deny\ndefault public \"because\"",
    );
    for variant in [
        "GET\t/a\tallow\t(\ts\t+\tt\tscopes\tx:read\t)\t,\ts\tany_scopes\tx:read\t,\tx:write\t\n\
         POST\t/b\tpublic\t\"why\"\t# a comment\nDELETE\t/c\tdeny\t\ndefault\tpublic\t\"because\"",
        "GET /a allow (s+t scopes x:read),s any_scopes x:read,x:write# a comment\n\
         POST /b public\"why\"\nDELETE /c deny#\ndefault public\"because\"  ",
        "GET   /a   allow   (  s  +  t  scopes  x:read  )  ,  s  any_scopes  x:read  ,  x:write\n\
         POST  /b  public  \"why\"\nDELETE  /c  deny\ndefault   public   \"because\" # end",
    ] {
        assert_eq!(printed(variant), canonical, "{variant:?}");
    }

    // A `#` straight after a path is part of it, and the pattern refuses it by name.
    let hash = policy("GET /a#b allow s");
    assert_eq!(
        first_error(hash.as_bytes(), Syntax::Dsl),
        "3:1: error: segment `a#b` contains `#`, which a route literal cannot hold"
    );

    // A line that ends after its path is reported where it ends, whichever line break ends
    // it (the path itself runs to the line feed).
    for line_break in ["\n", "\r\n"] {
        let text = format!("version 1{line_break}GET /a{line_break}");
        assert_eq!(
            first_error(text.as_bytes(), Syntax::Dsl),
            "2:7: error: expected `public`, `deny` or `allow`",
            "{line_break:?}"
        );
    }

    for refused in [
        "GET /a allow s, # a comment\n t",
        "GET /a allow s,\n t",
        "GET /a allow (s\n + t)",
        "GET /a allow s scopes\n x:read",
        "GET /a allow",
        "GET /a public # a comment \"why\"\n\"why\"",
        "default\npublic",
    ] {
        let result = portcullis::parse(policy(refused).as_bytes(), Syntax::Dsl);
        assert!(result.is_err(), "{refused:?} was accepted");
    }
}

/// Anchors, aliases and merge keys, as YAML authors write shared settings once.
#[test]
fn yaml_merge_keys_and_aliases_share_settings() {
    let yaml = "version: 1\nrealm: api\nschemes:\n  \
                k: &key { type: api_key, store: keys, prefixes: [sk_] }\n  \
                k2:\n    <<: *key\n    prefixes: [pk_]\n\
                routes:\n  - { route: GET /a, allow: &both [k, k2], scopes: [x] }\n  \
                - { route: GET /b, allow: *both, scopes: [x] }\n";
    let doc = portcullis::parse(yaml.as_bytes(), Syntax::Yaml).expect("reads");
    let dsl = portcullis::syntax::print(&doc);
    let k2 = "scheme k2: api_key {\n    header \"X-API-Key\"\n    prefixes \"pk_\"\n    \
              store \"keys\"\n}";
    assert!(dsl.contains(k2), "{dsl}");
    assert!(dsl.contains("GET /b  allow k, k2 scopes x"), "{dsl}");

    let two_documents = "version: 1\nrealm: api\n---\nversion: 1\n";
    assert_eq!(
        first_error(two_documents.as_bytes(), Syntax::Yaml),
        "3:1: error: invalid YAML: the file holds more than one YAML document; a policy is one"
    );
}

/// Scheme names are checked when compiling, not when reading, so the YAML printer must write
/// any name so that it reads back: it once wrote them bare, and an empty name vanished.
#[test]
fn the_yaml_printer_quotes_scheme_names_that_need_it() {
    let yaml = "version: 1\nrealm: api\nroutes:\n  \
                - { route: GET /a, allow: [\"\", \"on\", \"a b\", \"007\"] }\n  \
                - { route: GET /b, allow: [{ scheme: \"x, y\", scopes: [s] }] }\n";
    let doc = portcullis::parse(yaml.as_bytes(), Syntax::Yaml).expect("reads");
    let printed = portcullis::yaml::print(&doc);
    let reread = portcullis::parse(printed.as_bytes(), Syntax::Yaml).expect("printed YAML reads");
    assert_eq!(reread, doc, "{printed}");
}

fn first_error(source: &[u8], syntax: Syntax) -> String {
    match portcullis::parse(source, syntax) {
        Ok(_) => panic!("hostile input was accepted"),
        Err(diagnostics) => diagnostics[0].to_string(),
    }
}

#[test]
fn a_yaml_alias_bomb_is_refused() {
    let mut bomb = String::from("version: 1\nrealm: r\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let message = first_error(bomb.as_bytes(), Syntax::Yaml);
    assert!(message.contains("invalid YAML"), "{message}");
}

#[test]
fn deep_yaml_nesting_is_refused() {
    let deep =
        format!("version: 1\nrealm: r\nroutes: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let message = first_error(deep.as_bytes(), Syntax::Yaml);
    assert!(message.contains("invalid YAML"), "{message}");
    let block: String = (0..200).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect();
    let message =
        first_error(format!("version: 1\nrealm: r\nx:\n{block}").as_bytes(), Syntax::Yaml);
    assert!(message.contains("invalid YAML"), "{message}");
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let huge = vec![b'#'; portcullis::MAX_POLICY_BYTES + 1];
    for syntax in [Syntax::Dsl, Syntax::Yaml] {
        let message = first_error(&huge, syntax);
        assert!(message.starts_with("1:1: error: the policy is"), "{message}");
    }
}

#[test]
fn non_utf8_input_is_refused_with_its_position() {
    let source = b"version 1\nrealm \"r\xff\"\n";
    for syntax in [Syntax::Dsl, Syntax::Yaml] {
        let message = first_error(source, syntax);
        assert_eq!(message, "2:9: error: the policy is not valid UTF-8");
    }
}

#[test]
fn a_large_policy_loads_and_decides() {
    let mut text = String::from("version 1\nrealm \"r\"\nscheme k: api_key { store \"s\" }\n");
    for i in 0..20_000 {
        text.push_str(&format!("GET /r{i}/{{id}}/items allow k scopes r{i}:read\n"));
    }
    let engine = Engine::from_text(&text, Syntax::Dsl).expect("compiles");
    assert_eq!(engine.route_count(), 20_000);
    let decision = engine.decide(&Request::new("GET", "/r19999/7/items"), &[]);
    assert!(matches!(decision, Decision::Unauthenticated { .. }));
}

#[test]
fn load_errors_name_the_file() {
    let error = Engine::load("policies/does-not-exist.policy").unwrap_err();
    assert!(matches!(error, LoadError::Io { .. }));
    assert!(error.to_string().starts_with("cannot read `policies/does-not-exist.policy`"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// Arbitrary bytes never panic either reader; they are accepted or refused with a
    /// position inside the input.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        for syntax in [Syntax::Dsl, Syntax::Yaml] {
            if let Err(diagnostics) = portcullis::parse(&bytes, syntax) {
                prop_assert!(!diagnostics.is_empty());
                let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
                for diagnostic in diagnostics {
                    prop_assert!(diagnostic.span.line as usize <= lines + 1);
                }
            }
        }
    }

    /// Lines shaped like policy lines, shuffled and mutated, never panic the DSL reader or
    /// the compiler.
    #[test]
    fn policy_like_text_never_panics(
        lines in prop::collection::vec(
            prop::sample::select(vec![
                "version 1", "realm \"r\"", "scopes {", "}", "a implies b", "scheme s: jwt {",
                "algorithms RS256, none", "keys.jwks_file \"k\"", "GET /a allow s scopes a",
                "* /** public", "GET /{x}/{x} deny", "default allow (s scopes a), s + s",
                "scheme k: api_key { store \"x\"; query \"q\" }", "POST /a/**/b deny",
            ]),
            0..16,
        ),
    ) {
        let text = lines.join("\n");
        if let Ok(doc) = portcullis::parse(text.as_bytes(), Syntax::Dsl) {
            let _ = Engine::compile(&doc, &portcullis::CompileOptions::default());
        }
    }
}

#[test]
fn the_readme_policy_compiles() {
    let readme = std::fs::read_to_string("README.md").expect("README exists");
    let block = readme
        .split("```text\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README shows a policy");
    let engine = Engine::from_text(block, Syntax::Dsl).expect("the README's policy compiles");
    assert_eq!(engine.route_count(), 4);
}

/// Every complete policy shown in the documentation (a code block starting with the
/// version line) compiles, so the reference cannot drift from the code.
#[test]
fn the_documented_policies_compile() {
    let docs = std::fs::read_to_string("docs/policy-language.md").expect("reference exists");
    let mut checked = 0;
    for block in docs.split("```").skip(1).step_by(2) {
        let body = block.split_once('\n').map_or("", |(_, body)| body);
        let syntax = match body.lines().next() {
            Some("version 1") => Syntax::Dsl,
            Some("version: 1") => Syntax::Yaml,
            _ => continue,
        };
        if let Err(error) = Engine::from_text(body, syntax) {
            let messages: Vec<String> = error.diagnostics().iter().map(|d| d.to_string()).collect();
            panic!("a documented policy does not compile: {messages:?}\n{body}");
        }
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} complete policies found in the reference");
}

/// docs/lints.md is generated from the rules' own documentation; regenerate it with
/// `cargo run -- lint --docs > docs/lints.md` when a rule changes.
#[test]
fn the_lint_reference_is_current() {
    let written = std::fs::read_to_string("docs/lints.md").expect("docs/lints.md exists");
    let generated = portcullis::lint::report::markdown();
    assert!(
        written.trim_end() == generated.trim_end(),
        "docs/lints.md is stale: run `cargo run -- lint --docs > docs/lints.md`"
    );
}
