//! `portcullis fmt` and `portcullis convert`, run as the built binary on files in a temporary
//! folder, and the library's formatter (`portcullis::syntax::format`) underneath them.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use portcullis::{Engine, Syntax};
use proptest::prelude::*;

fn portcullis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis")).args(args).output().expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh folder for one test.
fn folder(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portcullis-fmt-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write policy");
    path
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("file readable")
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

fn format(source: &str) -> String {
    portcullis::syntax::format(source).unwrap_or_else(|e| panic!("formats: {e:?}\n{source}"))
}

fn parse(source: &str, syntax: Syntax) -> portcullis::model::Document {
    portcullis::parse(source.as_bytes(), syntax).unwrap_or_else(|e| panic!("parses: {e:?}"))
}

/// A DSL line's code and its comment (from the `#` on), told apart from `#` inside quoted
/// strings.
fn split(line: &str) -> (&str, Option<&str>) {
    let (mut in_string, mut escaped) = (false, false);
    for (at, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return (&line[..at], Some(&line[at..])),
            _ => {}
        }
    }
    (line, None)
}

/// The comment lines and end-of-line comments of a DSL text, in order.
fn comments(source: &str) -> Vec<String> {
    source.lines().filter_map(|line| split(line).1).map(|c| c.trim_end().to_owned()).collect()
}

const MESSY: &str = "# routes first, on purpose\n\
GET /b   allow app   # the b route\n  GET|HEAD /a public\nversion 1\n\n   # the realm\n\
realm\t\"r\"    # trailing   \n\n\n\
scheme app: opaque_token { store \"tokens\" }  # one line\n\
scopes { read; write implies read\n  # end of catalogue\n\n}\n\n\n# the end\n\n";

const MESSY_FORMATTED: &str = "version 1

# the realm
realm \"r\"  # trailing

scopes {
    read
    write implies read
    # end of catalogue
}

scheme app: opaque_token {  # one line
    store \"tokens\"
}

# routes first, on purpose
GET      /b  allow app  # the b route
GET|HEAD /a  public

# the end
";

// ---- fmt ----

#[test]
fn fmt_check_on_the_shipped_example_reports_without_writing() {
    let path = "policies/example.policy";
    let before = read(Path::new(path));
    let canonical = format(&before) == before;

    let out = portcullis(&["fmt", "--check", path]);
    assert_eq!(read(Path::new(path)), before, "--check must not write");
    if canonical {
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "");
    } else {
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), format!("{path}\n"));
    }
}

#[test]
fn fmt_on_a_copy_of_the_example_keeps_its_comments_and_its_policy() {
    let dir = folder("example");
    let source = read(Path::new("policies/example.policy"));
    let copy = write(&dir, "example.policy", &source);

    let out = portcullis(&["fmt", arg(&copy)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let formatted = read(&copy);
    let changed = if formatted == source { String::new() } else { format!("{}\n", copy.display()) };
    assert_eq!(text(&out.stdout), changed);

    assert_eq!(comments(&formatted), comments(&source));
    assert!(formatted.starts_with("# An example API"), "{formatted}");
    assert!(formatted.contains("beside this file.\n\nversion 1\n"), "{formatted}");
    let jwt = "\n# Access tokens from the identity provider; keys are published as a JWK Set.\n\
               scheme user_jwt: jwt {\n";
    assert!(formatted.contains(jwt), "{formatted}");
    assert_eq!(parse(&formatted, Syntax::Dsl), parse(&source, Syntax::Dsl));
    assert_eq!(
        Engine::from_text(&formatted, Syntax::Dsl).expect("compiles"),
        Engine::from_text(&source, Syntax::Dsl).expect("compiles")
    );

    // Now canonical: a check passes, and a second run changes nothing.
    let check = portcullis(&["fmt", "--check", arg(&copy)]);
    assert_eq!((check.status.code(), text(&check.stdout)), (Some(0), String::new()));
    let again = portcullis(&["fmt", arg(&copy)]);
    assert_eq!((again.status.code(), text(&again.stdout)), (Some(0), String::new()));
    assert_eq!(read(&copy), formatted);
}

#[test]
fn fmt_rewrites_a_messy_file_in_place_keeping_its_comments() {
    let dir = folder("messy");
    let messy = write(&dir, "messy.policy", MESSY);

    let out = portcullis(&["fmt", arg(&messy)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{}\n", messy.display()));
    assert_eq!(read(&messy), MESSY_FORMATTED);
    assert_eq!(parse(MESSY_FORMATTED, Syntax::Dsl), parse(MESSY, Syntax::Dsl));

    // No temporary file is left beside it.
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["messy.policy"]);

    // Idempotent: formatting again changes nothing and names no file.
    let again = portcullis(&["fmt", arg(&messy)]);
    assert_eq!((again.status.code(), text(&again.stdout)), (Some(0), String::new()));
    assert_eq!(read(&messy), MESSY_FORMATTED);
}

#[test]
fn fmt_check_exits_1_and_names_only_the_files_that_would_change() {
    let dir = folder("check");
    let messy = write(&dir, "messy.policy", MESSY);
    let tidy = write(&dir, "tidy.policy", MESSY_FORMATTED);

    let out = portcullis(&["fmt", "--check", arg(&tidy), arg(&messy)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{}\n", messy.display()));
    assert_eq!(text(&out.stderr), "");
    assert_eq!(read(&messy), MESSY, "--check must not write");

    let out = portcullis(&["fmt", "--check", arg(&tidy)]);
    assert_eq!((out.status.code(), text(&out.stdout)), (Some(0), String::new()));
}

#[test]
fn fmt_reports_a_file_that_does_not_parse_and_exits_2() {
    let dir = folder("broken");
    let broken = write(&dir, "broken.policy", "# broken\nversion 1\nrealm \"r\"\nGET /a allow\n");
    let messy = write(&dir, "messy.policy", MESSY);

    for check in [true, false] {
        let mut args = vec!["fmt", arg(&broken), arg(&messy)];
        if check {
            args.insert(1, "--check");
        }
        let out = portcullis(&args);
        assert_eq!(out.status.code(), Some(2), "check: {check}");
        let stderr = text(&out.stderr);
        assert!(
            stderr
                .starts_with(&format!("{}:4:13: error: expected a scheme name", broken.display())),
            "{stderr}"
        );
        // The other file is still judged (or formatted).
        assert_eq!(text(&out.stdout), format!("{}\n", messy.display()));
    }
    assert_eq!(read(&broken), "# broken\nversion 1\nrealm \"r\"\nGET /a allow\n");
    assert_eq!(read(&messy), MESSY_FORMATTED);

    let invalid_utf8 = dir.join("latin1.policy");
    std::fs::write(&invalid_utf8, b"version 1\nrealm \"caf\xe9\"\n").unwrap();
    let out = portcullis(&["fmt", arg(&invalid_utf8)]);
    assert_eq!(out.status.code(), Some(2));
    let expected =
        format!("{}:2:11: error: the policy is not valid UTF-8\n", invalid_utf8.display());
    assert_eq!(text(&out.stderr), expected);

    let missing = dir.join("missing.policy");
    let out = portcullis(&["fmt", arg(&missing)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read"), "{}", text(&out.stderr));
}

#[test]
fn fmt_refuses_yaml_and_other_files() {
    let dir = folder("yaml");
    let yaml = write(&dir, "policy.yaml", "version: 1\nrealm: r\n");
    let out = portcullis(&["fmt", arg(&yaml)]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("formats DSL policies, and this is YAML"), "{stderr}");
    assert!(stderr.contains("portcullis convert --to dsl"), "{stderr}");
    assert_eq!(read(&yaml), "version: 1\nrealm: r\n");

    let other = write(&dir, "policy.txt", "version 1\nrealm \"r\"\n");
    let out = portcullis(&["fmt", "--check", arg(&other)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("named `*.policy`"), "{}", text(&out.stderr));
}

#[test]
fn fmt_needs_a_file() {
    assert_eq!(portcullis(&["fmt"]).status.code(), Some(2));
    assert_eq!(portcullis(&["fmt", "--check"]).status.code(), Some(2));
}

// ---- convert ----

fn convert(to: &str, file: &str) -> String {
    let out = portcullis(&["convert", "--to", to, file]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

fn engine(source: &str, syntax: Syntax) -> Engine {
    Engine::from_text(source, syntax).unwrap_or_else(|e| panic!("compiles: {e}\n{source}"))
}

#[test]
fn convert_prints_each_example_in_the_other_syntax() {
    let dsl_source = read(Path::new("policies/example.policy"));
    let yaml_source = read(Path::new("policies/example.yaml"));

    let yaml = convert("yaml", "policies/example.policy");
    assert!(yaml.starts_with("version: 1\nrealm: api.example.com\n"), "{yaml}");
    assert!(!yaml.contains('#'), "comments are not carried over: {yaml}");
    assert_eq!(parse(&yaml, Syntax::Yaml), parse(&dsl_source, Syntax::Dsl));

    let dsl = convert("dsl", "policies/example.yaml");
    assert!(dsl.starts_with("version 1\nrealm \"api.example.com\"\n"), "{dsl}");
    assert_eq!(parse(&dsl, Syntax::Dsl), parse(&yaml_source, Syntax::Yaml));
    assert_eq!(engine(&dsl, Syntax::Dsl), engine(&yaml_source, Syntax::Yaml));
}

#[test]
fn converting_there_and_back_compiles_to_the_identical_tree() {
    let dir = folder("round-trip");

    // DSL → YAML → DSL.
    let original = read(Path::new("policies/example.policy"));
    let yaml = write(&dir, "there.yaml", &convert("yaml", "policies/example.policy"));
    let back = write(&dir, "back.policy", &convert("dsl", arg(&yaml)));
    let start = engine(&original, Syntax::Dsl);
    assert_eq!(engine(&read(&yaml), Syntax::Yaml), start);
    assert_eq!(engine(&read(&back), Syntax::Dsl), start);
    // The DSL that comes back is the canonical layout, which fmt leaves alone.
    assert_eq!(format(&read(&back)), read(&back));

    // YAML → DSL → YAML.
    let original = read(Path::new("policies/example.yaml"));
    let dsl = write(&dir, "there.policy", &convert("dsl", "policies/example.yaml"));
    let back = write(&dir, "back.yaml", &convert("yaml", arg(&dsl)));
    let start = engine(&original, Syntax::Yaml);
    assert_eq!(engine(&read(&dsl), Syntax::Dsl), start);
    assert_eq!(engine(&read(&back), Syntax::Yaml), start);
    // A second trip prints the same text: the printers are stable.
    assert_eq!(
        convert("yaml", arg(&write(&dir, "again.policy", &convert("dsl", arg(&back))))),
        read(&back)
    );
}

#[test]
fn convert_to_the_same_syntax_prints_it_canonically() {
    let dsl = convert("dsl", "policies/example.policy");
    assert_eq!(dsl, portcullis::syntax::print(&parse(&dsl, Syntax::Dsl)));
    let yaml = convert("yaml", "policies/example.yaml");
    assert_eq!(
        parse(&yaml, Syntax::Yaml),
        parse(&read(Path::new("policies/example.yaml")), Syntax::Yaml)
    );
}

#[test]
fn convert_reports_a_policy_it_cannot_read() {
    let dir = folder("convert-errors");
    let broken = write(&dir, "broken.policy", "version 1\nrealm \"r\"\nGET /a allow\n");
    let out = portcullis(&["convert", "--to", "yaml", arg(&broken)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with(&format!("{}:3:13: error: ", broken.display())), "{stderr}");

    let other = write(&dir, "policy.txt", "version 1\nrealm \"r\"\n");
    let out = portcullis(&["convert", "--to", "yaml", arg(&other)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot tell the policy's syntax"));

    assert_eq!(portcullis(&["convert", "policies/example.policy"]).status.code(), Some(2));
    let out = portcullis(&["convert", "--to", "json", "policies/example.policy"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_help_says_convert_drops_comments() {
    let out = portcullis(&["convert", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("Comments are not carried over"), "{}", text(&out.stdout));
}

// ---- the library's formatter ----

#[test]
fn format_reports_the_parsers_errors() {
    let errors = portcullis::syntax::format("version 1\n").expect_err("no realm");
    assert_eq!(errors, portcullis::syntax::parse("version 1\n").expect_err("no realm"));
}

#[test]
fn format_puts_statements_in_order_and_comments_travel_with_them() {
    let source = "\
# routes
GET /a  deny

# the default
default deny  # nobody

scheme s: opaque_token {
    # where tokens live
    store \"t\"
    # nothing more
}
# version
version 1
realm \"#not a comment\"
";
    let expected = "\
# version
version 1
realm \"#not a comment\"

scheme s: opaque_token {
    # where tokens live
    store \"t\"
    # nothing more
}

# the default
default deny  # nobody

# routes
GET /a  deny
";
    assert_eq!(format(source), expected);
    assert_eq!(format(expected), expected);
}

#[test]
fn format_writes_crlf_files_with_plain_line_breaks() {
    let source = "version 1\r\nrealm \"r\"  # the realm\r\n\r\nGET /a public\r\n";
    assert_eq!(format(source), "version 1\nrealm \"r\"  # the realm\n\nGET /a  public\n");
}

#[test]
fn format_keeps_blank_lines_next_to_comments_only() {
    let source = "version 1\nrealm \"r\"\n\nGET /a public\n\nGET /b public\n\n\n\
                  # admin\n\nGET /admin deny\n";
    let expected = "version 1\nrealm \"r\"\n\nGET /a      public\nGET /b      public\n\n\
                    # admin\n\nGET /admin  deny\n";
    assert_eq!(format(source), expected);
}

#[test]
fn format_is_stable_on_both_examples() {
    for (path, syntax) in
        [("policies/example.policy", Syntax::Dsl), ("policies/example.yaml", Syntax::Yaml)]
    {
        let source = read(Path::new(path));
        // The YAML example enters as the DSL it converts to.
        let dsl = match syntax {
            Syntax::Dsl => source.clone(),
            Syntax::Yaml => portcullis::syntax::print(&parse(&source, Syntax::Yaml)),
        };
        let once = format(&dsl);
        assert_eq!(format(&once), once, "{path}");
        assert_eq!(parse(&once, Syntax::Dsl), parse(&source, syntax), "{path}");
        assert_eq!(comments(&once), comments(&dsl), "{path}");
    }
}

/// One source line of a generated policy: a printed line with comment lines (or, for
/// `None`, blank lines) above it and perhaps a comment after it.
#[derive(Clone, Debug)]
struct Decorated {
    before: Vec<Option<(String, String)>>,
    trailing: Option<(String, String)>,
}

fn comment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "# [ -~]{0,20}",
        1 => "#[ -~\u{e9}\u{1F600}]{0,8}",
        1 => Just("#".to_owned()),
    ]
}

/// Whitespace before a comment: spaces or a tab, which the formatter replaces.
fn gap() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), Just(" ".to_owned()), Just("\t".to_owned()), " {1,9}"]
}

fn decorated() -> impl Strategy<Value = Decorated> {
    let line = prop::option::weighted(0.7, (gap(), comment()));
    (
        prop::collection::vec(line, 0..4),
        prop::option::weighted(0.2, (gap().prop_map(|g| format!(" {g}")), comment())),
    )
        .prop_map(|(before, trailing)| Decorated { before, trailing })
}

/// What `format` must keep of a commented policy: each comment, at the indent of the code
/// it was written above, or after the code it was written after; and the code, in order.
#[derive(Debug, PartialEq)]
enum Piece {
    Comment { indent: usize, text: String },
    Code { text: String, trailing: Option<String> },
}

/// A random policy printed canonically, with comment lines, blank lines and end-of-line
/// comments put in everywhere the grammar allows them, and the pieces its formatted text
/// must have. (The policy is in canonical order, so the formatter moves nothing.)
fn commented() -> impl Strategy<Value = (String, String, Vec<Piece>)> {
    common::document()
        .prop_flat_map(|doc| {
            let printed = portcullis::syntax::print(&doc);
            let count = printed.lines().count() + 1;
            (Just(printed), prop::collection::vec(decorated(), count))
        })
        .prop_map(|(printed, decorations)| {
            let (mut source, mut pieces) = (String::new(), Vec::new());
            let lines = printed.lines().map(Some).chain([None]);
            for (line, decoration) in lines.zip(&decorations) {
                let code = line.filter(|l| !l.is_empty());
                let inner = code.is_some_and(|l| l.starts_with("    ") || l == "}");
                let indent = if inner { 4 } else { 0 };
                for extra in &decoration.before {
                    match extra {
                        Some((gap, comment)) => {
                            source.push_str(&format!("{gap}{comment}\n"));
                            let text = comment.trim_end().to_owned();
                            pieces.push(Piece::Comment { indent, text });
                        }
                        None => source.push('\n'),
                    }
                }
                let Some(line) = line else { break };
                source.push_str(line);
                let trailing = decoration.trailing.as_ref().map(|(gap, comment)| {
                    source.push_str(&format!("{gap}{comment}"));
                    comment.trim_end().to_owned()
                });
                source.push('\n');
                match (code, trailing) {
                    (Some(text), trailing) => {
                        pieces.push(Piece::Code { text: text.to_owned(), trailing });
                    }
                    // A comment after nothing is a comment line, above the next statement
                    // (which, after a blank printed line, is never indented).
                    (None, Some(text)) => pieces.push(Piece::Comment { indent: 0, text }),
                    (None, None) => {}
                }
            }
            (printed, source, pieces)
        })
}

/// The pieces of formatted text, checking its blank lines and spacing on the way.
fn pieces(formatted: &str) -> Vec<Piece> {
    assert!(formatted.ends_with('\n') && !formatted.ends_with("\n\n"), "{formatted}");
    let lines: Vec<&str> = formatted.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line.trim_end(), *line, "trailing space in\n{formatted}");
        if line.is_empty() {
            assert!(i > 0 && !lines[i - 1].is_empty(), "doubled blank line in\n{formatted}");
            let opening = split(lines[i - 1]).0.trim_end().ends_with('{');
            assert!(!opening, "blank line after `{{` in\n{formatted}");
            assert_ne!(lines[i + 1], "}", "blank line before `}}` in\n{formatted}");
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            let indent = line.len() - trimmed.len();
            out.push(Piece::Comment { indent, text: trimmed.to_owned() });
            continue;
        }
        let (code, trailing) = split(line);
        let text = code.trim_end();
        if trailing.is_some() {
            assert_eq!(code, format!("{text}  "), "two spaces before a comment");
        }
        out.push(Piece::Code { text: text.to_owned(), trailing: trailing.map(str::to_owned) });
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(320))]

    /// Formatting comment-free canonical text changes nothing: the formatter's layout is
    /// the printer's.
    #[test]
    fn format_leaves_printed_policies_alone(doc in common::document()) {
        let printed = portcullis::syntax::print(&doc);
        prop_assert_eq!(format(&printed), printed);
    }

    /// With comments anywhere: the result is stable, reads as the same policy, and keeps
    /// every comment, in order, beside the line it was written beside.
    #[test]
    fn format_is_idempotent_and_keeps_comments((printed, source, expected) in commented()) {
        let once = format(&source);
        prop_assert_eq!(&format(&once), &once);
        prop_assert_eq!(parse(&once, Syntax::Dsl), parse(&printed, Syntax::Dsl));
        prop_assert_eq!(comments(&once), comments(&source));
        prop_assert_eq!(pieces(&once), expected, "source:\n{}\nformatted:\n{}", source, once);
    }
}
