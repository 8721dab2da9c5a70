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

const STORES: [&str; 4] = [
    "--store",
    "api_keys=policies/stores/example.yaml",
    "--store",
    "sessions=policies/stores/example.yaml",
];

fn decide(policy: &str, request: &str) -> Output {
    let args = ["decide", "--policy", policy];
    let now = ["--now", "2026-12-01T00:10:00Z", request];
    portcullis(&[&args[..], &STORES[..], &now[..]].concat())
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

#[test]
fn usage_errors_exit_with_two() {
    assert_eq!(portcullis(&[]).status.code(), Some(2));
    assert_eq!(portcullis(&["check"]).status.code(), Some(2));
    assert_eq!(portcullis(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(portcullis(&["decide", "policies/example.policy"]).status.code(), Some(2));
}

#[test]
fn decide_prints_one_json_object_per_request() {
    let out = decide("policies/example.policy", "policies/requests/admin-anonymous.json");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let expected = serde_json::json!({
        "decision": "unauthenticated",
        "status": 401,
        "route": "* /admin/**",
        "scheme": null,
        "principal": null,
        "scopes": null,
        "error": "unauthenticated",
        "required_scope": null,
        "headers": {
            "www-authenticate": ["Bearer realm=\"api.example.com\""],
            "content-type": ["application/json"],
        },
        "body": {"error": "unauthenticated"},
    });
    assert_eq!(json(&out), expected);
    let keys: Vec<String> = json(&out).as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys[..3], ["decision", "status", "route"]);
}

#[test]
fn decide_covers_each_kind_of_outcome_on_the_examples() {
    let cases = [
        ("health", "allow", 200, serde_json::Value::Null),
        ("admin-as-root", "allow", 200, "root".into()),
        ("admin-as-alice", "forbidden", 403, serde_json::Value::Null),
        ("data-with-key", "allow", 200, "partner_42".into()),
        ("data-post-browser", "allow", 200, "bob".into()),
        ("data-post-browser-no-csrf", "forbidden", 403, serde_json::Value::Null),
        ("key-in-url", "malformed", 400, serde_json::Value::Null),
    ];
    for policy in ["policies/example.policy", "policies/example.yaml"] {
        for (name, decision, status, principal) in &cases {
            let out = decide(policy, &format!("policies/requests/{name}.json"));
            let value = json(&out);
            assert_eq!(value["decision"], *decision, "{policy} {name}: {value}");
            assert_eq!(value["status"], *status, "{policy} {name}");
            assert_eq!(value["principal"], *principal, "{policy} {name}");
        }
    }
    let out = decide("policies/example.policy", "policies/requests/admin-as-alice.json");
    let value = json(&out);
    assert_eq!(value["error"], "insufficient_scope");
    assert_eq!(value["required_scope"], "admin");
    assert_eq!(
        value["headers"]["www-authenticate"][0],
        "Bearer realm=\"api.example.com\", error=\"insufficient_scope\", scope=\"admin\""
    );
    let out = decide("policies/example.policy", "policies/requests/data-post-browser-no-csrf.json");
    assert_eq!(json(&out)["error"], "csrf_token_missing");
}

#[test]
fn decide_reads_standard_input_and_refuses_what_it_cannot_read() {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(
            [&["decide", "--policy", "policies/example.policy"][..], &STORES[..], &["-"][..]]
                .concat(),
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("binary runs");
    let request = br#"{"method": "GET", "path": "/health", "headers": []}"#;
    child.stdin.take().unwrap().write_all(request).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(json(&out)["decision"], "allow");

    let bad = scratch("bad-request.json", r#"{"method": "GET"}"#);
    let out = decide("policies/example.policy", bad.to_str().unwrap());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not valid"), "{}", text(&out.stderr));

    let out = portcullis(&[
        "decide",
        "--policy",
        "policies/example.policy",
        "policies/requests/health.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("`api_keys`, which was not supplied"));

    let broken = scratch("broken.yaml", "version: 1\n");
    let out = decide(broken.to_str().unwrap(), "policies/requests/health.json");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("error: the policy needs `realm`"));
}

#[test]
fn test_runs_the_shipped_policy_tests() {
    let out = portcullis(&["test", "--coverage", "--min-coverage", "100", "policies/tests"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("coverage of policies/tests/../example.policy: 100% of 10 routes"));
    assert!(stdout.ends_with(" passed, 0 failed\n"), "{stdout}");
}

#[test]
fn test_reports_failures_coverage_and_unreadable_files() {
    let dir = std::env::temp_dir().join(format!("portcullis-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = std::fs::canonicalize("policies/example.policy").unwrap();
    let file = dir.join("mixed.test.yaml");
    std::fs::write(
        &file,
        format!(
            "policies: [{}]\ncases:\n\
             \x20 - name: right\n    request: {{ method: GET, path: /health }}\n    \
             credentials: []\n    expect: {{ decision: allow, status: 200 }}\n\
             \x20 - name: wrong\n    request: {{ method: GET, path: /admin/x }}\n    \
             credentials: [{{ scheme: user_jwt, principal: a, scopes: [data:read] }}]\n    \
             expect: {{ decision: allow }}\n",
            policy.display()
        ),
    )
    .unwrap();

    let out = portcullis(&["test", "--coverage", file.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("FAIL"), "{stdout}");
    assert!(stdout.contains(": wrong\n"), "{stdout}");
    assert!(stdout.contains("    decision: expected \"allow\", got \"forbidden\"\n"), "{stdout}");
    assert!(stdout.contains("    route: * /admin/**\n"), "{stdout}");
    assert!(stdout.contains("  not reached: GET|HEAD /data\n"), "{stdout}");
    assert!(stdout.ends_with("1 passed, 1 failed\n"), "{stdout}");

    let out = portcullis(&["test", "--min-coverage", "50", file.to_str().unwrap()]);
    assert!(text(&out.stdout).contains("below --min-coverage"));
    assert_eq!(out.status.code(), Some(1));

    let bad = dir.join("bad.test.yaml");
    std::fs::write(&bad, "policies: [x.policy]\ncases: []\nextra: 1\n").unwrap();
    assert_eq!(portcullis(&["test", bad.to_str().unwrap()]).status.code(), Some(2));
    assert_eq!(portcullis(&["test", "no/such/folder"]).status.code(), Some(2));
}

#[test]
fn explain_says_how_a_decision_came_out() {
    let args = ["explain", "--policy", "policies/example.policy"];
    let now = ["--now", "2026-12-01T00:10:00Z", "policies/requests/data-with-key.json"];
    let out = portcullis(&[&args[..], &STORES[..], &now[..]].concat());
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for expected in [
        "request: GET /data/42\n",
        "  GET|HEAD /data/{id}                      => governs\n",
        "  partner_key: verified, principal partner_42, scopes [data:read]\n",
        "  user_jwt: needs all of [data:read]; holds []: not authenticated\n",
        "  partner_key: needs all of [data:read]; holds [data:read]: satisfied\n",
        "decision: allow: partner_42 via partner_key\nHTTP 200",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in\n{stdout}");
    }
    let request: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(now[2]).unwrap()).unwrap();
    let key = request["headers"][0][1].as_str().unwrap();
    assert!(key.starts_with("sk_live_") && !stdout.contains(key), "the key leaked:\n{stdout}");
}
