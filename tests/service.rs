//! The example axum service (`examples/axum_service.rs`) over a real socket, driven by a raw
//! HTTP/1.1 client so that requests arrive exactly as written (duplicate headers,
//! unnormalized paths) and answers are checked as a client sees them: status, headers, body.
//!
//! # How the service is started
//!
//! Each test starts its own copy of the example and kills it when the test ends. A copy is
//! cheap (the binary loads one small policy and binds a socket in a few milliseconds); what
//! is slow is building it, and that happens once per test binary:
//!
//! - The first test to need the example runs `cargo build --example axum_service` (with the
//!   features this test binary was built with) and reads the executable's path from cargo's
//!   JSON messages; a `OnceLock` shares that path with every other test. The build is
//!   needed because `cargo test --test service` builds only this test target, not the
//!   examples, so `target/debug/examples/axum_service` may be missing or stale. When the
//!   example is up to date the build is a no-op of well under a second; when another cargo
//!   holds the build lock, it waits for it.
//! - Each test then runs the executable itself (no `cargo run` per test) with `PORT=0`: the
//!   example binds a port the system chooses and prints `listening on http://ADDRESS` to
//!   standard error, which is read to learn the address. No port is guessed, so parallel
//!   tests cannot collide.
//! - The child is owned by the test's [`Service`], whose `Drop` kills and reaps it, so it
//!   goes away when the test returns or panics. A child shared through a static would never
//!   be dropped (statics are not dropped at exit) and would outlive the run, and one service
//!   shared by all tests could not run those that need their own environment (dry-run,
//!   another policy). Only a test binary killed outright (SIGKILL) leaves its children.
//!   (`std::process` rather than `tokio::process`: the crate's tokio has no `process`
//!   feature, and the tests need none.)
//! - The rest of standard error (the example prints every Portcullis event there) is
//!   collected in the background, so a test can wait for an event such as `WouldRefuse`.
//!
//! Every read and write has a timeout, so a service that hangs fails the test instead of
//! the run. The secrets used (the partner key, bob's and carol's session ids and CSRF
//! tokens) are read from the ready-made requests under `policies/requests/`.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// How long a service may take to start, and a request to be answered.
const TIMEOUT: Duration = Duration::from_secs(10);

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";

/// The challenges of `GET /data`, which accepts `user_jwt`, `partner_key` and `browser`.
const DATA_CHALLENGES: [&str; 3] = [
    r#"Bearer realm="api.example.com""#,
    r#"ApiKey realm="api.example.com", header="X-API-Key""#,
    r#"Cookie realm="api.example.com", cookie-name="session_id""#,
];

/// The challenge of the admin area, which accepts only `user_jwt`.
const ADMIN_CHALLENGE: &str = r#"Bearer realm="api.example.com""#;

// ---------------------------------------------------------------------------------------
// Starting the service

/// The example's executable, built once per test binary.
fn example_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(build_example)
}

/// Builds the example with this test binary's features and profile; returns its path.
fn build_example() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let mut features = vec!["axum"];
    if cfg!(feature = "rust-crypto") {
        features.push("rust-crypto");
    }
    let mut command = Command::new(env!("CARGO"));
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(&manifest)
        .args(["--example", "axum_service", "--message-format=json-render-diagnostics"])
        .args(["--features", &features.join(",")]);
    if !cfg!(feature = "aws-lc") {
        command.arg("--no-default-features");
    }
    if !cfg!(debug_assertions) {
        command.arg("--release");
    }
    let output = command.output().expect("cargo runs");
    assert!(
        output.status.success(),
        "building the example failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter(|message| message["target"]["name"] == "axum_service")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the example's executable")
}

/// A running copy of the example, killed when dropped.
struct Service {
    address: SocketAddr,
    /// Standard error after the `listening on` line: one Portcullis event per line.
    log: Arc<Mutex<String>>,
    child: Child,
}

impl Drop for Service {
    fn drop(&mut self) {
        // Runs when the test returns and when it panics; `wait` reaps the process.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Service {
    /// The example as shipped: the example policy and stores, no dry-run.
    async fn start() -> Service {
        Service::start_with(&[]).await
    }

    /// The example with extra environment (`PORTCULLIS_POLICY`, `PORTCULLIS_DRY_RUN`, ...).
    async fn start_with(env: &[(&str, &str)]) -> Service {
        let mut child = Command::new(example_binary())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("PORTCULLIS_POLICY")
            .env_remove("PORTCULLIS_STORES")
            .env_remove("PORTCULLIS_DRY_RUN")
            .env("PORT", "0")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the example starts");
        let stderr = child.stderr.take().expect("standard error is piped");

        // A thread reads standard error: it sends the `listening on` line's address, or
        // everything before it if the example exits first, then collects the events.
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        let (started, address) = mpsc::channel::<Result<SocketAddr, String>>();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stderr).lines().map_while(Result::ok);
            let mut before = String::new();
            let mut listening = None;
            for line in lines.by_ref() {
                if let Some(address) = line.strip_prefix("listening on http://") {
                    listening = Some(address.parse().map_err(|e| format!("{line}: {e}")));
                    break;
                }
                before.push_str(&line);
                before.push('\n');
            }
            let _ = started.send(listening.unwrap_or(Err(before)));
            for line in lines {
                let mut log = sink.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                log.push_str(&line);
                log.push('\n');
            }
        });
        // Owned by a Service from here on, so that a failed start still kills the child.
        let mut service = Service { address: ([0, 0, 0, 0], 0).into(), log, child };
        match address.recv_timeout(TIMEOUT) {
            Ok(Ok(address)) => service.address = address,
            Ok(Err(before)) => {
                let status = service.child.wait().expect("the example exited");
                panic!("the example exited ({status}) before listening:\n{before}");
            }
            Err(error) => panic!("the example did not say where it listens: {error}"),
        }
        service
    }

    /// Sends `method target` with `headers` and returns the response.
    async fn send(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> Response {
        let mut request = format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        self.send_raw(&request).await
    }

    /// Sends `request` as written, with `Connection: close` added after the request line,
    /// and reads the response to the end of the connection.
    async fn send_raw(&self, request: &str) -> Response {
        let request = request.replacen("\r\n", "\r\nConnection: close\r\n", 1);
        let exchange = async {
            let mut stream = TcpStream::connect(self.address).await.expect("connects");
            stream.write_all(request.as_bytes()).await.expect("writes");
            let mut response = Vec::new();
            stream.read_to_end(&mut response).await.expect("reads");
            response
        };
        let raw = tokio::time::timeout(TIMEOUT, exchange).await.expect("answered in time");
        Response::parse(&String::from_utf8(raw).expect("a UTF-8 response"))
    }

    /// Standard error so far (the example's event log).
    fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Waits until standard error holds `needle`; returns the whole log.
    async fn wait_for_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            assert!(Instant::now() < deadline, "no `{needle}` in the log:\n{log}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Responses

/// A response as a client reads it off the wire.
#[derive(Debug)]
struct Response {
    status: u16,
    /// Names in lower case (hyper writes them so), in the order received.
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn parse(raw: &str) -> Response {
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no head: {raw}"));
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP/1.1 status line: {status_line}"));
        let headers: Vec<(String, String)> = lines
            .map(|line| {
                let (name, value) = line.split_once(':').expect("a header line");
                (name.to_ascii_lowercase(), value.trim().to_owned())
            })
            .collect();
        let response = Response { status, headers, body: body.to_owned() };
        assert!(response.header("transfer-encoding").is_none(), "chunked: {response:?}");
        response
    }

    /// The value of `name`, which must appear at most once.
    fn header(&self, name: &str) -> Option<&str> {
        let values = self.headers_named(name);
        assert!(values.len() <= 1, "`{name}` more than once: {self:?}");
        values.first().copied()
    }

    /// Every value of `name`, in order.
    fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
    }

    /// Whether this is a refusal written by the Portcullis layer (a JSON `error` body).
    fn is_portcullis_refusal(&self) -> bool {
        self.header("content-type") == Some(JSON) && self.body.starts_with(r#"{"error""#)
    }
}

/// Asserts the whole response: the status, every header apart from `date` and
/// `connection` (compared by name, values of one name in order), and the body, whose
/// length must be the `content-length`.
#[track_caller]
fn assert_response(response: &Response, status: u16, headers: &[(&str, &str)], body: &str) {
    assert_eq!(response.status, status, "{response:?}");
    assert_eq!(response.body, body, "{response:?}");
    assert_eq!(
        response.header("content-length"),
        Some(body.len().to_string().as_str()),
        "{response:?}"
    );
    let mut received: Vec<(&str, &str)> = response
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .filter(|(name, _)| !matches!(*name, "date" | "connection" | "content-length"))
        .collect();
    received.sort_by_key(|(name, _)| *name);
    let mut expected = headers.to_vec();
    expected.sort_by_key(|(name, _)| *name);
    assert_eq!(received, expected, "{response:?}");
}

/// The body of a `400 invalid_request`.
fn invalid_request(description: &str) -> String {
    format!(r#"{{"error": "invalid_request", "error_description": "{description}"}}"#)
}

/// The example's Bearer challenge carrying a `400 invalid_request`.
fn invalid_request_challenge(description: &str) -> String {
    let error = format!(r#"error="invalid_request", error_description="{description}""#);
    format!(r#"Bearer realm="api.example.com", {error}"#)
}

/// Asserts a `400 invalid_request` on a route of the example's that accepts JWTs.
#[track_caller]
fn assert_invalid_request(response: &Response, description: &str) {
    let challenge = invalid_request_challenge(description);
    let headers = [("content-type", JSON), ("www-authenticate", challenge.as_str())];
    assert_response(response, 400, &headers, &invalid_request(description));
}

// ---------------------------------------------------------------------------------------
// The secrets of the example stores, from the ready-made requests

/// The value of header `name` in `policies/requests/FILE`.
fn header_in(file: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/requests").join(file);
    let text = std::fs::read_to_string(&path).expect("the request file reads");
    let request: serde_json::Value = serde_json::from_str(&text).expect("the request is JSON");
    request["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|pair| pair[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .and_then(|pair| pair[1].as_str())
        .unwrap_or_else(|| panic!("{file} has no {name} header"))
        .to_owned()
}

/// The `session_id=...` pair of a request's Cookie header.
fn session_cookie(file: &str) -> String {
    let cookie = header_in(file, "Cookie");
    let pair = cookie.split("; ").find(|pair| pair.starts_with("session_id="));
    pair.unwrap_or_else(|| panic!("{file} has no session cookie")).to_owned()
}

/// partner_42's API key (scope `data:read`).
fn partner_key() -> String {
    header_in("data-with-key.json", "X-API-Key")
}

/// bob's session cookie and CSRF token (scopes `data:write users:write`).
fn bob() -> (String, String) {
    let file = "data-post-browser.json";
    (session_cookie(file), header_in(file, "X-CSRF-Token"))
}

/// carol's session cookie and CSRF token (scope `data:read`).
fn carol() -> (String, String) {
    let file = "data-post-reader.json";
    (session_cookie(file), header_in(file, "X-CSRF-Token"))
}

// ---------------------------------------------------------------------------------------
// The example as shipped

#[tokio::test]
async fn anonymous_data_request_gets_a_challenge_per_scheme() {
    let service = Service::start().await;
    let response = service.send("GET", "/data", &[]).await;
    let mut headers = vec![("content-type", JSON)];
    headers.extend(DATA_CHALLENGES.map(|challenge| ("www-authenticate", challenge)));
    assert_response(&response, 401, &headers, r#"{"error": "unauthenticated"}"#);
}

#[tokio::test]
async fn anonymous_admin_request_gets_the_bearer_challenge() {
    let service = Service::start().await;
    let response = service.send("GET", "/admin/users", &[]).await;
    let headers = [("content-type", JSON), ("www-authenticate", ADMIN_CHALLENGE)];
    assert_response(&response, 401, &headers, r#"{"error": "unauthenticated"}"#);
}

#[tokio::test]
async fn api_key_reads_data_and_the_handler_sees_the_partner() {
    let service = Service::start().await;
    let key = partner_key();

    let response = service.send("GET", "/data", &[("X-API-Key", &key)]).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "data for partner_42\n");

    let response = service.send("GET", "/data/42", &[("X-API-Key", &key)]).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "one item for partner_42\n");

    // The same key as `Authorization: ApiKey ...`.
    let authorization = format!("ApiKey {key}");
    let response = service.send("GET", "/data/42", &[("Authorization", &authorization)]).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "one item for partner_42\n");

    // The observer saw the key by its prefix only, with the peer's address.
    let log = service
        .wait_for_log(
            r#"KeyUsed { scheme: "partner_key", prefix: "sk_live_F2HQ", peer: Some(127.0.0.1) }"#,
        )
        .await;
    assert!(!log.contains(&key), "the key is in the log:\n{log}");
}

#[tokio::test]
async fn head_with_the_key_is_allowed_and_has_no_body() {
    let service = Service::start().await;
    let response = service.send("HEAD", "/data", &[("X-API-Key", &partner_key())]).await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.body, "", "{response:?}");
    // The length of the GET's body, "data for partner_42\n".
    assert_eq!(response.header("content-length"), Some("20"), "{response:?}");
    assert_eq!(response.header("content-type"), Some(TEXT), "{response:?}");
    assert!(response.header("www-authenticate").is_none(), "{response:?}");

    let response = service.send("HEAD", "/data", &[]).await;
    assert_eq!(response.status, 401, "{response:?}");
    assert_eq!(response.headers_named("www-authenticate"), DATA_CHALLENGES, "{response:?}");
    assert_eq!(response.body, "", "a HEAD response has no body: {response:?}");
}

#[tokio::test]
async fn reader_session_may_not_write_data() {
    let service = Service::start().await;
    let (cookie, csrf) = carol();
    let headers = [("Cookie", cookie.as_str()), ("X-CSRF-Token", csrf.as_str())];

    let response = service.send("POST", "/data", &headers).await;
    assert_response(
        &response,
        403,
        &[("content-type", JSON)],
        r#"{"error": "insufficient_scope", "required_scope": "data:write"}"#,
    );

    // Reading is within her scope.
    let response = service.send("GET", "/data", &[("Cookie", &cookie)]).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "data for carol\n");
}

#[tokio::test]
async fn session_writes_need_the_csrf_header() {
    let service = Service::start().await;
    let (cookie, csrf) = bob();
    let (_, carols_csrf) = carol();

    let response = service.send("POST", "/data", &[("Cookie", &cookie)]).await;
    assert_response(
        &response,
        403,
        &[("content-type", JSON)],
        r#"{"error": "csrf_token_missing"}"#,
    );

    let headers = [("Cookie", cookie.as_str()), ("X-CSRF-Token", carols_csrf.as_str())];
    let response = service.send("POST", "/data", &headers).await;
    assert_response(
        &response,
        403,
        &[("content-type", JSON)],
        r#"{"error": "csrf_token_mismatch"}"#,
    );

    let headers = [("Cookie", cookie.as_str()), ("X-CSRF-Token", csrf.as_str())];
    let response = service.send("POST", "/data", &headers).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "written by bob\n");

    // A safe method needs no CSRF header.
    let response = service.send("GET", "/data", &[("Cookie", &cookie)]).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "data for bob\n");
}

#[tokio::test]
async fn cors_preflight_is_let_through_to_axum() {
    let service = Service::start().await;
    let headers = [
        ("Origin", "https://app.example.com"),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "x-csrf-token"),
    ];
    let response = service.send("OPTIONS", "/data", &headers).await;
    // Portcullis lets an unclaimed preflight through; the example has no CORS layer, so
    // axum's router answers (today: 405 with an `allow` header).
    assert!(!matches!(response.status, 400 | 401 | 403), "{response:?}");
    assert!(!response.is_portcullis_refusal(), "{response:?}");
    assert!(response.header("www-authenticate").is_none(), "{response:?}");
    if response.status == 405 {
        assert!(response.header("allow").is_some(), "{response:?}");
    }

    // Without Access-Control-Request-Method it is an ordinary OPTIONS, and Portcullis
    // refuses it: no route names OPTIONS and the default denies. The layer sits inside
    // axum's method router, which adds `allow` to the refusal of a method it lacks.
    let response = service.send("OPTIONS", "/data", &[("Origin", "https://app.example.com")]).await;
    let headers = [("content-type", JSON), ("allow", "GET,HEAD,POST")];
    assert_response(&response, 403, &headers, r#"{"error": "access_denied"}"#);
}

#[tokio::test]
async fn two_authorization_headers_are_a_bad_request() {
    let service = Service::start().await;
    let description = "the request has more than one Authorization header";
    let challenge = invalid_request_challenge(description);
    let body = invalid_request(description);
    let headers = [("content-type", JSON), ("www-authenticate", challenge.as_str())];

    let key = format!("ApiKey {}", partner_key());
    let response = service
        .send("GET", "/data", &[("Authorization", &key), ("Authorization", "Bearer a")])
        .await;
    assert_response(&response, 400, &headers, &body);

    // Two identical headers are no better.
    let response =
        service.send("GET", "/data", &[("Authorization", &key), ("Authorization", &key)]).await;
    assert_response(&response, 400, &headers, &body);

    // Nor on a public route; that route has no challenge to carry the error.
    let response = service
        .send("GET", "/health", &[("Authorization", "Bearer a"), ("Authorization", "Bearer b")])
        .await;
    assert_response(&response, 400, &[("content-type", JSON)], &body);
}

#[tokio::test]
async fn repeated_credentials_are_a_bad_request() {
    let service = Service::start().await;
    let key = partner_key();
    let response = service.send("GET", "/data", &[("X-API-Key", &key), ("X-API-Key", &key)]).await;
    assert_invalid_request(&response, "the request repeats the `X-API-Key` header");

    // The session cookie twice, in two Cookie headers.
    let (bobs, _) = bob();
    let (carols, _) = carol();
    let response = service.send("GET", "/data", &[("Cookie", &bobs), ("Cookie", &carols)]).await;
    assert_invalid_request(&response, "the request has more than one `session_id` cookie");

    // An API key and a session: the explicit key wins, the cookie is not consulted.
    let response = service.send("GET", "/data", &[("X-API-Key", &key), ("Cookie", &bobs)]).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "data for partner_42\n");
}

#[tokio::test]
async fn api_key_in_the_query_is_refused_without_echoing_it() {
    let service = Service::start().await;
    let key = partner_key();
    let description = "credentials must not be sent in the URL (`api_key`)";
    let challenge = invalid_request_challenge(description);
    let body = invalid_request(description);

    let response = service.send("GET", &format!("/data?api_key={key}"), &[]).await;
    assert_response(
        &response,
        400,
        &[("content-type", JSON), ("www-authenticate", challenge.as_str())],
        &body,
    );

    // Under another name, the key prefix gives it away; a valid key in its header as well
    // does not make the request acceptable.
    let response =
        service.send("GET", &format!("/data/42?next={key}"), &[("X-API-Key", &key)]).await;
    assert_eq!(response.status, 400, "{response:?}");
    assert!(response.body.contains("credentials must not be sent in the URL"), "{response:?}");

    let log = service.wait_for_log(r#"CredentialInUrl { parameter: "api_key" }"#).await;
    assert!(!log.contains(&key), "the key is in the log:\n{log}");
}

#[tokio::test]
async fn confused_paths_never_reach_a_handler() {
    let service = Service::start().await;
    let dot = &invalid_request("the request path has a dot segment");
    let empty = &invalid_request("the request path has an empty segment");
    let encoded = &invalid_request("the request path encodes a separator, a dot or NUL");
    let unauthenticated = &r#"{"error": "unauthenticated"}"#.to_owned();
    let cases = [
        // A public prefix does not open the admin area.
        ("/health/../admin/users", 400, dot),
        ("/health/./", 400, dot),
        ("/data/42/../../admin/users", 400, dot),
        // An escaped unreserved character is the character: this is /admin/users.
        ("/%61dmin/users", 401, unauthenticated),
        ("//admin", 400, empty),
        ("//admin/users", 400, empty),
        ("/admin//users", 400, empty),
        ("/admin%2Fusers", 400, encoded),
        ("/admin%2fusers", 400, encoded),
        ("/data/%2e%2e/admin/users", 400, encoded),
        ("/health%2F..%2Fadmin%2Fusers", 400, encoded),
    ];
    for (target, status, body) in cases {
        let response = service.send("GET", target, &[]).await;
        assert_eq!((response.status, &response.body), (status, body), "GET {target}");
        assert!(response.is_portcullis_refusal(), "GET {target}: {response:?}");
    }

    // With the partner key too, no confused path gets a 200: the key is ignored on the
    // admin area (401), and a /data look-alike that Portcullis allows is not a route of
    // axum's (404).
    let key = partner_key();
    let targets = cases.iter().map(|(target, _, _)| *target);
    let with_key = ["/data\\..\\admin/users", "/%64ata", "/data/42/", "/DATA"];
    for target in targets.chain(with_key) {
        let response = service.send("GET", target, &[("X-API-Key", &key)]).await;
        assert_ne!(response.status, 200, "GET {target} with the key: {response:?}");
        assert!(!response.body.contains("partner_42"), "GET {target} with the key: {response:?}");
    }
}

#[tokio::test]
async fn health_is_public() {
    let service = Service::start().await;
    let response = service.send("GET", "/health", &[]).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "ok\n");

    // A public route verifies nothing: a bogus token is not refused there.
    let response = service.send("GET", "/health", &[("Authorization", "Bearer bogus")]).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "ok\n");

    // Only GET is public (axum adds `allow`, as the route has no POST handler).
    let response = service.send("POST", "/health", &[]).await;
    let headers = [("content-type", JSON), ("allow", "GET,HEAD")];
    assert_response(&response, 403, &headers, r#"{"error": "access_denied"}"#);
}

#[tokio::test]
async fn reload_route_needs_the_admin_scope() {
    let service = Service::start().await;
    let refused = [("content-type", JSON), ("www-authenticate", ADMIN_CHALLENGE)];
    let unauthenticated = r#"{"error": "unauthenticated"}"#;

    let response = service.send("POST", "/admin/reload", &[]).await;
    assert_response(&response, 401, &refused, unauthenticated);

    // The admin area accepts only JWTs; a key or a session is not even looked at.
    let response = service.send("POST", "/admin/reload", &[("X-API-Key", &partner_key())]).await;
    assert_response(&response, 401, &refused, unauthenticated);
    let (cookie, csrf) = bob();
    let headers = [("Cookie", cookie.as_str()), ("X-CSRF-Token", csrf.as_str())];
    let response = service.send("POST", "/admin/reload", &headers).await;
    assert_response(&response, 401, &refused, unauthenticated);
}

// ---------------------------------------------------------------------------------------
// Hot reload over the socket, with a policy of the test's own

/// A folder under cargo's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(&path).expect("the temporary folder is created");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A policy with only the partner key, under which the key may reload; `data_rule` is the
/// rule of `GET /data`.
fn reloadable_policy(data_rule: &str) -> String {
    format!(
        r#"version 1
realm "reload.test"

scheme partner_key: api_key {{
    header "X-API-Key"
    prefixes "sk_live_"
    store "api_keys"
}}

default deny

GET  /health        public
GET  /data          {data_rule}
POST /admin/reload  allow partner_key
"#
    )
}

/// The example's reload route, reached with a policy that lets the partner key reload (the
/// shipped policy asks for a JWT with `admin`, and the example JWTs have expired).
#[tokio::test]
async fn reload_swaps_the_policy_and_keeps_the_old_one_when_the_new_one_fails() {
    let folder = TempDir::new("service-reload");
    let policy = folder.0.join("api.policy");
    std::fs::write(&policy, reloadable_policy("public")).expect("the policy is written");
    let path = policy.to_str().expect("a UTF-8 path");
    let service = Service::start_with(&[("PORTCULLIS_POLICY", path)]).await;
    let key = partner_key();
    let reloader = [("X-API-Key", key.as_str())];
    let refused = [
        ("content-type", JSON),
        ("www-authenticate", r#"ApiKey realm="reload.test", header="X-API-Key""#),
    ];

    let response = service.send("GET", "/data", &[]).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "data for anonymous\n");

    // A new policy on disk changes nothing until it is reloaded.
    std::fs::write(&policy, reloadable_policy("allow partner_key")).expect("rewritten");
    let response = service.send("GET", "/data", &[]).await;
    assert_eq!(response.status, 200, "{response:?}");

    // Reloading needs the key, like any other route.
    let response = service.send("POST", "/admin/reload", &[]).await;
    assert_response(&response, 401, &refused, r#"{"error": "unauthenticated"}"#);
    let response = service.send("POST", "/admin/reload", &reloader).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "reloaded\n");

    let response = service.send("GET", "/data", &[]).await;
    assert_response(&response, 401, &refused, r#"{"error": "unauthenticated"}"#);
    let response = service.send("GET", "/data", &reloader).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "data for partner_42\n");

    // A policy that does not compile is refused and the previous one keeps serving.
    std::fs::write(&policy, "version 1\nGET /data allow nobody\n").expect("rewritten");
    let response = service.send("POST", "/admin/reload", &reloader).await;
    assert_eq!(response.status, 422, "{response:?}");
    assert!(response.body.starts_with("kept the old policy: "), "{response:?}");
    let response = service.send("GET", "/data", &[]).await;
    assert_response(&response, 401, &refused, r#"{"error": "unauthenticated"}"#);
    let response = service.send("GET", "/data", &reloader).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "data for partner_42\n");
}

// ---------------------------------------------------------------------------------------
// Dry-run

/// What dry-run does today: the decision is made and reported, and the request goes on to
/// axum whatever the decision was (malformed ones and the admin area included).
#[tokio::test]
async fn dry_run_reports_refusals_and_lets_every_request_through() {
    let service = Service::start_with(&[("PORTCULLIS_DRY_RUN", "1")]).await;

    let response = service.send("GET", "/data", &[]).await;
    assert!(!response.is_portcullis_refusal(), "{response:?}");
    assert!(response.header("www-authenticate").is_none(), "{response:?}");
    service.wait_for_log(r#"WouldRefuse { status: 401, method: "GET", path: "/data" }"#).await;

    // A path Portcullis would refuse as ambiguous reaches the router (which has no route).
    let response = service.send("GET", "/health/../admin/users", &[]).await;
    assert_eq!(response.status, 404, "{response:?}");
    service
        .wait_for_log(
            r#"WouldRefuse { status: 400, method: "GET", path: "/health/../admin/users" }"#,
        )
        .await;

    // The query, which may hold a credential, is left out of the event.
    let key = partner_key();
    service.send("GET", &format!("/data?api_key={key}"), &[]).await;
    let log =
        service.wait_for_log(r#"WouldRefuse { status: 400, method: "GET", path: "/data" }"#).await;
    assert!(!log.contains(&key), "the key is in the log:\n{log}");

    // The risk, plainly: a handler that does not ask for the identity runs for anyone. The
    // reload route needs the admin scope, yet an anonymous request reloads.
    let response = service.send("POST", "/admin/reload", &[]).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "reloaded\n");
    service
        .wait_for_log(r#"WouldRefuse { status: 401, method: "POST", path: "/admin/reload" }"#)
        .await;

    // Allowed requests are unaffected and carry their identity.
    let response = service.send("GET", "/data", &[("X-API-Key", &key)]).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "data for partner_42\n");
}

/// The layer inserts no `Authenticated` into a request it would have refused, so every
/// handler that takes the extractor answers 500 in dry-run: the mode cannot be used to
/// watch a policy on the routes it protects.
#[tokio::test]
async fn dry_run_anonymous_request_reaches_the_handler() {
    let service = Service::start_with(&[("PORTCULLIS_DRY_RUN", "1")]).await;
    let response = service.send("GET", "/data", &[]).await;
    service.wait_for_log(r#"WouldRefuse { status: 401, method: "GET", path: "/data" }"#).await;
    assert_response(&response, 200, &[("content-type", TEXT)], "data for anonymous\n");
}
