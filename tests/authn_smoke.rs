//! A first end-to-end pass through authentication: one credential of each kind.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{EncodingKey, Header};
use portcullis::authn::store::{
    MemoryKeyStore, MemorySessionStore, MemoryTokenStore, SecretHash, SessionRecord, TokenRecord,
};
use portcullis::{Authenticator, Context, Decision, Engine};

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn authenticator() -> (Authenticator, Arc<MemoryKeyStore>, Arc<MemoryTokenStore>) {
    let engine = Engine::load("tests/fixtures/authn.policy").expect("policy loads");
    let keys = Arc::new(MemoryKeyStore::default());
    let tokens = Arc::new(MemoryTokenStore::default());
    let sessions = Arc::new(MemorySessionStore::default());
    sessions.insert(SessionRecord {
        sha256: SecretHash::of("session-1"),
        principal: "bob".into(),
        scopes: vec!["data:write".into()],
        csrf_token: "csrf-1".into(),
        expires_at: None,
    });
    tokens.insert(TokenRecord {
        sha256: SecretHash::of("opaque-1"),
        principal: "svc".into(),
        scopes: vec!["data:read".into()],
        expires_at: None,
        revoked: false,
    });
    let authn = Authenticator::builder(engine)
        .key_store("keys", keys.clone())
        .token_store("tokens", tokens.clone())
        .session_store("sessions", sessions)
        .build()
        .expect("stores bound");
    (authn, keys, tokens)
}

fn request(method: &str, uri: &str, headers: &[(&str, &str)]) -> http::request::Parts {
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(()).expect("valid request").into_parts().0
}

fn jwt(claims: serde_json::Value) -> String {
    let pem = std::fs::read("tests/fixtures/keys/rsa.pem").unwrap();
    let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("rsa-1".into());
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap()
}

#[test]
fn each_kind_of_credential_authenticates() {
    let (authn, keys, _) = authenticator();
    let context = Context { peer: None, now: now() };
    let (key, record) =
        portcullis::authn::api_key::generate_api_key("sk_test_", "acme", &["data:read"], now())
            .unwrap();
    keys.insert(record);

    let t = 1_800_000_000u64;
    let token = jwt(serde_json::json!({
        "iss": "https://issuer.test/", "aud": "api.test", "sub": "alice",
        "scope": "data:read", "iat": t - 10, "exp": t + 600
    }));
    let cases = [
        (vec![("Authorization".to_owned(), format!("Bearer {token}"))], "alice"),
        (vec![("Authorization".to_owned(), "Bearer opaque-1".to_owned())], "svc"),
        (vec![("X-API-Key".to_owned(), key.clone())], "acme"),
        (vec![("Authorization".to_owned(), format!("ApiKey {key}"))], "acme"),
        (vec![("Cookie".to_owned(), "theme=dark; sid=session-1".to_owned())], "bob"),
    ];
    for (headers, principal) in cases {
        let headers: Vec<(&str, &str)> =
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let decision = authn.decide(&request("GET", "/data", &headers), &context);
        match decision {
            Decision::Allow { principal: Some(p), .. } => assert_eq!(p, principal),
            other => panic!("{principal}: {other:?}"),
        }
    }
}

#[test]
fn refusals_have_the_right_status() {
    let (authn, _, tokens) = authenticator();
    let context = Context { peer: None, now: now() };
    let decide = |method: &str, uri: &str, headers: &[(&str, &str)]| {
        authn.decide(&request(method, uri, headers), &context).response()
    };

    let head = decide("GET", "/data", &[]);
    assert_eq!(head.status, 401);
    let head = decide("GET", "/data", &[("Authorization", "Bearer nope")]);
    assert_eq!(head.status, 401);
    assert!(head.www_authenticate[0].contains("error=\"invalid_token\""), "{head:?}");
    let head = decide("GET", "/data?access_token=x", &[]);
    assert_eq!(head.status, 400);
    let head = decide("POST", "/data", &[("Cookie", "sid=session-1")]);
    assert_eq!(head.status, 403);
    assert_eq!(head.body.as_deref(), Some(r#"{"error": "csrf_token_missing"}"#));
    let head = decide("POST", "/data", &[("Cookie", "sid=session-1"), ("X-CSRF-Token", "csrf-1")]);
    assert_eq!(head.status, 200);

    assert!(tokens.revoke(&SecretHash::of("opaque-1")));
    let head = decide("GET", "/data", &[("Authorization", "Bearer opaque-1")]);
    assert_eq!(head.status, 401);
    assert!(head.body.unwrap().contains("revoked"));
}
