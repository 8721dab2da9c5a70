//! The `portcullis` binary as CI and policy authors run it.

use std::path::PathBuf;
use std::process::{Command, Output};

fn portcullis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis")).args(args).output().expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portcullis-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write policy");
    path
}

#[test]
fn check_accepts_the_shipped_policies() {
    let out = portcullis(&["check", "policies/example.policy", "policies/example.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "policies/example.policy: ok (10 routes)\npolicies/example.yaml: ok (10 routes)\n"
    );
}

#[test]
fn check_reports_every_error_as_file_line_column() {
    let bad = scratch(
        "bad.policy",
        "version 1\nrealm \"r\"\nscheme user_jwt: opaque_token { store \"t\" }\n\
         GET /a allow usr_jwt\nGET /b allow nobody_at_all\n",
    );
    let good = scratch("good.yaml", "version: 1\nrealm: r\n");
    let out = portcullis(&["check", bad.to_str().unwrap(), good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));

    let stderr = text(&out.stderr);
    let file = bad.display();
    let expected = format!(
        "{file}:4:14: error: unknown scheme `usr_jwt` in route `GET /a`\n  \
         help: did you mean `user_jwt`?\n\
         {file}:5:14: error: unknown scheme `nobody_at_all` in route `GET /b`\n"
    );
    assert_eq!(stderr, expected);
    assert!(text(&out.stdout).contains("good.yaml: ok (0 routes)"));
}

#[test]
fn usage_errors_exit_with_two() {
    assert_eq!(portcullis(&[]).status.code(), Some(2));
    assert_eq!(portcullis(&["check"]).status.code(), Some(2));
    assert_eq!(portcullis(&["frobnicate"]).status.code(), Some(2));
    let out = portcullis(&["decide", "policies/example.policy", "GET", "/data", "--as", "nobody"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("SCHEME:PRINCIPAL"));
}

#[test]
fn decide_prints_the_decision_and_response_head() {
    let out = portcullis(&["decide", "policies/example.policy", "GET", "/admin/users"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "unauthenticated\nHTTP 401\nWWW-Authenticate: Bearer realm=\"api.example.com\"\n\n\
         {\"error\": \"unauthenticated\"}\n"
    );

    let args = ["decide", "policies/example.yaml", "DELETE", "/admin/users/7"];
    let out = portcullis(&[&args[..], &["--as", "user_jwt:alice:data:write"]].concat());
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("forbidden (InsufficientScope)\nHTTP 403\n"), "{stdout}");
    assert!(stdout.contains("error=\"insufficient_scope\", scope=\"admin\""), "{stdout}");

    let out = portcullis(&[&args[..], &["--as", "user_jwt:alice:admin"]].concat());
    assert!(text(&out.stdout).starts_with("allow: alice via user_jwt (scopes: admin "));
}

#[test]
fn decide_on_an_invalid_policy_reports_and_exits_with_one() {
    let bad = scratch("broken.yaml", "version: 1\n");
    let out = portcullis(&["decide", bad.to_str().unwrap(), "GET", "/"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("error: the policy needs `realm`"));
}
