//! Hot reload with `AuthenticatorHandle`: requests decided on four threads while the main
//! thread swaps the policy back and forth; reloads that fail leave the serving policy in
//! place.
//!
//! The two policies, `alpha` and `beta`, answer the same three requests differently, so
//! every decision says which policy made it. A worker takes one snapshot per round and
//! decides all three requests on it, as the tower layer decides one request on one
//! snapshot: the three answers must all be alpha's or all beta's. The clock is fixed; the
//! policies are written to a folder under cargo's temporary directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, UNIX_EPOCH};

use portcullis::authn::api_key::generate_api_key;
use portcullis::authn::events::{Event, Observer};
use portcullis::authn::store::MemoryKeyStore;
use portcullis::{
    Authenticator, AuthenticatorBuilder, AuthenticatorHandle, Context, Decision, Engine,
    PolicyLimits, ReloadError, SetupError,
};

/// `GET /x` needs the key and `GET /z` is denied.
const ALPHA: &str = r#"version 1
realm "alpha"

scheme partner_key: api_key {
    header "X-API-Key"
    prefixes "sk_test_"
    store "keys"
}

default deny

GET /x  allow partner_key
"#;

/// `GET /x` is public and `GET /z` needs the key.
const BETA: &str = r#"version 1
realm "beta"

scheme partner_key: api_key {
    header "X-API-Key"
    prefixes "sk_test_"
    store "keys"
}

default deny

GET /x  public
GET /z  allow partner_key
"#;

/// Does not compile: the scheme is not declared.
const BROKEN: &str = "version 1\nrealm \"broken\"\n\nGET /x  allow nobody\n";

/// Compiles, but its key file holds no key.
const NO_KEYS: &str = r#"version 1
realm "no-keys"

scheme user_jwt: jwt {
    issuer "https://issuer.test/"
    audience "api.test"
    algorithms RS256
    keys.jwks_file "empty-jwks.json"
}

GET /x  allow user_jwt
"#;

const ROUNDS: usize = 200;
const WORKERS: usize = 4;

/// A folder of policy files under cargo's temporary directory, removed when dropped.
struct Policies(PathBuf);

impl Policies {
    fn new(test: &str) -> Policies {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("reload-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the folder is created");
        for (name, text) in [("alpha", ALPHA), ("beta", BETA), ("broken", BROKEN)] {
            std::fs::write(dir.join(format!("{name}.policy")), text).expect("written");
        }
        std::fs::write(dir.join("no-keys.policy"), NO_KEYS).expect("written");
        std::fs::write(dir.join("empty-jwks.json"), r#"{"keys": []}"#).expect("written");
        Policies(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(format!("{name}.policy"))
    }
}

impl Drop for Policies {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The key store both policies use, with one key for `acme`; returns the key too.
fn key_store() -> (Arc<MemoryKeyStore>, String) {
    let store = Arc::new(MemoryKeyStore::default());
    let (key, record) = generate_api_key("sk_test_", "acme", &[], UNIX_EPOCH).expect("random");
    store.insert(record);
    (store, key)
}

fn context() -> Context {
    Context { peer: Some("203.0.113.9".parse().expect("an address")), now: UNIX_EPOCH }
}

/// The three requests: anonymous `GET /x`, `GET /x` with the key, anonymous `GET /z`.
fn requests(key: &str) -> [http::Request<()>; 3] {
    let get = |path: &str| http::Request::get(path);
    [
        get("/x").body(()).expect("a request"),
        get("/x").header("X-API-Key", key).body(()).expect("a request"),
        get("/z").body(()).expect("a request"),
    ]
}

fn decide_all(
    authenticator: &Authenticator,
    requests: &[http::Request<()>; 3],
) -> [Decision<'static>; 3] {
    let context = context();
    requests.each_ref().map(|request| authenticator.decide_request(request, &context))
}

/// An authenticator for the policy at `path` with `keys` bound.
fn authenticator(path: &Path, keys: &Arc<MemoryKeyStore>) -> Authenticator {
    let engine = Engine::load(path).expect("the policy loads");
    Authenticator::builder(engine).key_store("keys", keys.clone()).build().expect("bound")
}

/// What the reloads bind: the key store.
fn bind(keys: &Arc<MemoryKeyStore>) -> impl FnOnce(AuthenticatorBuilder) -> AuthenticatorBuilder {
    let keys = keys.clone();
    move |builder| builder.key_store("keys", keys)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    Alpha,
    Beta,
}

#[test]
fn the_two_policies_answer_differently() {
    let policies = Policies::new("answers");
    let (keys, key) = key_store();
    let requests = requests(&key);
    let [anonymous, keyed, other] =
        decide_all(&authenticator(&policies.path("alpha"), &keys), &requests);
    assert_eq!(anonymous.response().status, 401);
    assert_eq!(
        anonymous.response().www_authenticate,
        [r#"ApiKey realm="alpha", header="X-API-Key""#]
    );
    assert!(matches!(keyed, Decision::Allow { principal: Some(p), .. } if &*p == "acme"));
    assert_eq!(other.response().status, 403);

    let [anonymous, keyed, other] =
        decide_all(&authenticator(&policies.path("beta"), &keys), &requests);
    assert!(matches!(anonymous, Decision::Allow { principal: None, .. }));
    assert!(matches!(keyed, Decision::Allow { principal: None, .. }), "public is anonymous");
    assert_eq!(other.response().www_authenticate, [r#"ApiKey realm="beta", header="X-API-Key""#]);
}

#[test]
fn decisions_during_reloads_are_always_one_policy_or_the_other() {
    let policies = Policies::new("hammer");
    let (keys, key) = key_store();
    let expected = Arc::new([
        decide_all(&authenticator(&policies.path("alpha"), &keys), &requests(&key)),
        decide_all(&authenticator(&policies.path("beta"), &keys), &requests(&key)),
    ]);
    let classify = {
        let expected = Arc::clone(&expected);
        move |decisions: &[Decision; 3]| -> Result<Answer, String> {
            if *decisions == expected[0] {
                Ok(Answer::Alpha)
            } else if *decisions == expected[1] {
                Ok(Answer::Beta)
            } else {
                Err(format!("neither policy's answers: {decisions:#?}"))
            }
        }
    };

    let handle = AuthenticatorHandle::new(authenticator(&policies.path("alpha"), &keys));
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (handle, stop, rounds) = (handle.clone(), stop.clone(), rounds.clone());
            let (classify, requests) = (classify.clone(), requests(&key));
            thread::spawn(move || -> Result<[usize; 2], String> {
                let mut seen = [0, 0];
                while !stop.load(Ordering::Relaxed) {
                    let snapshot = handle.current();
                    match classify(&decide_all(&snapshot, &requests))? {
                        Answer::Alpha => seen[0] += 1,
                        Answer::Beta => seen[1] += 1,
                    }
                    rounds.fetch_add(1, Ordering::Relaxed);
                }
                Ok(seen)
            })
        })
        .collect();

    let main_requests = requests(&key);
    for round in 0..ROUNDS {
        let (name, answer) =
            if round % 2 == 0 { ("beta", Answer::Beta) } else { ("alpha", Answer::Alpha) };
        handle.reload(policies.path(name), bind(&keys)).expect("the reload succeeds");
        // Once `reload` returns, every new snapshot is the new policy.
        assert_eq!(classify(&decide_all(&handle.current(), &main_requests)), Ok(answer));
        // Let the workers decide a few rounds on it before the next swap.
        let target = rounds.load(Ordering::Relaxed) + WORKERS;
        let deadline = Instant::now() + Duration::from_secs(10);
        while rounds.load(Ordering::Relaxed) < target {
            assert!(Instant::now() < deadline, "the workers stopped deciding");
            assert!(!workers.iter().any(|w| w.is_finished()), "a worker stopped");
            thread::yield_now();
        }
    }
    stop.store(true, Ordering::Relaxed);

    let mut total = [0, 0];
    for worker in workers {
        let seen =
            worker.join().expect("no worker panicked").expect("every answer is one policy's");
        total[0] += seen[0];
        total[1] += seen[1];
    }
    assert!(total[0] > 0 && total[1] > 0, "the workers saw both policies: {total:?}");
}

#[test]
fn a_policy_that_does_not_compile_is_refused_and_the_old_one_serves() {
    let policies = Policies::new("broken");
    let (keys, key) = key_store();
    let requests = requests(&key);
    let handle = AuthenticatorHandle::new(authenticator(&policies.path("alpha"), &keys));
    let before = handle.current();
    let alpha = decide_all(&before, &requests);

    let error = handle.reload(policies.path("broken"), bind(&keys)).expect_err("refused");
    assert!(matches!(error, ReloadError::Policy(_)), "{error:?}");
    assert!(error.to_string().contains("broken.policy"), "{error}");
    assert!(Arc::ptr_eq(&before, &handle.current()), "the authenticator was replaced");
    assert_eq!(decide_all(&handle.current(), &requests), alpha);

    // A policy file that is not there is refused the same way.
    let error = handle.reload(policies.path("absent"), bind(&keys)).expect_err("refused");
    assert!(matches!(error, ReloadError::Policy(_)), "{error:?}");
    assert!(Arc::ptr_eq(&before, &handle.current()), "the authenticator was replaced");
}

#[test]
fn a_reload_is_held_to_the_limits_it_is_given() {
    let policies = Policies::new("limits");
    let (keys, key) = key_store();
    let requests = requests(&key);
    let handle = AuthenticatorHandle::new(authenticator(&policies.path("alpha"), &keys));
    let before = handle.current();

    // beta has two routes: one over a limit of one, within a limit of two.
    let one = PolicyLimits { max_routes: 1, ..PolicyLimits::default() };
    let error = handle.reload_with(policies.path("beta"), one, bind(&keys)).expect_err("over");
    let ReloadError::Policy(error) = error else { panic!("{error:?}") };
    let messages: Vec<String> = error.diagnostics().iter().map(|d| d.error.to_string()).collect();
    assert_eq!(messages, ["the policy has 2 routes; the limit is 1"]);
    assert!(Arc::ptr_eq(&before, &handle.current()), "the authenticator was replaced");

    let two = PolicyLimits { max_routes: 2, ..PolicyLimits::default() };
    handle.reload_with(policies.path("beta"), two, bind(&keys)).expect("within the limits");
    assert!(!Arc::ptr_eq(&before, &handle.current()), "beta was not swapped in");
    assert_ne!(decide_all(&handle.current(), &requests), decide_all(&before, &requests));
}

#[test]
fn a_missing_store_is_refused_and_the_old_one_serves() {
    let policies = Policies::new("store");
    let (keys, key) = key_store();
    let requests = requests(&key);
    let handle = AuthenticatorHandle::new(authenticator(&policies.path("alpha"), &keys));
    let before = handle.current();
    let alpha = decide_all(&before, &requests);

    // beta compiles, but the bind forgot its key store.
    let error = handle.reload(policies.path("beta"), |builder| builder).expect_err("refused");
    match &error {
        ReloadError::Setup(SetupError::MissingStore { scheme, store, kind }) => {
            assert_eq!((scheme.as_str(), store.as_str(), *kind), ("partner_key", "keys", "key"));
        }
        other => panic!("not a missing store: {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "scheme `partner_key` uses the key store `keys`, which was not supplied"
    );
    assert!(Arc::ptr_eq(&before, &handle.current()), "the authenticator was replaced");
    assert_eq!(decide_all(&handle.current(), &requests), alpha);

    // Keys that cannot be loaded are a setup error too.
    let error = handle.reload(policies.path("no-keys"), bind(&keys)).expect_err("refused");
    assert!(matches!(error, ReloadError::Setup(SetupError::Keys { .. })), "{error:?}");
    assert!(Arc::ptr_eq(&before, &handle.current()), "the authenticator was replaced");

    // And the next good reload goes through.
    handle.reload(policies.path("beta"), bind(&keys)).expect("the reload succeeds");
    assert_eq!(decide_all(&handle.current(), &requests)[0].response().status, 200);
}

#[test]
fn a_snapshot_taken_before_a_reload_keeps_its_policy_and_clones_follow_the_handle() {
    let policies = Policies::new("snapshot");
    let (keys, key) = key_store();
    let requests = requests(&key);
    let handle = AuthenticatorHandle::new(authenticator(&policies.path("alpha"), &keys));
    let clone = handle.clone();

    let in_flight = handle.current();
    let alpha = decide_all(&in_flight, &requests);
    handle.reload(policies.path("beta"), bind(&keys)).expect("the reload succeeds");

    // A request that took its snapshot before the swap finishes on the old policy...
    assert_eq!(decide_all(&in_flight, &requests), alpha);
    // ...and every handle sharing the swap sees the new one.
    let beta = decide_all(&clone.current(), &requests);
    assert_ne!(beta, alpha);
    assert_eq!(beta, decide_all(&handle.current(), &requests));

    // `replace` swaps in an authenticator built by hand.
    handle.replace(authenticator(&policies.path("alpha"), &keys));
    assert_eq!(decide_all(&clone.current(), &requests), alpha);
}

/// Collects events.
#[derive(Default)]
struct Events(Mutex<Vec<Event>>);

impl Observer for Events {
    fn observe(&self, event: &Event) {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(event.clone());
    }
}

impl Events {
    fn new_networks(&self) -> usize {
        let events = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        events.iter().filter(|event| matches!(event, Event::KeyFromNewNetwork { .. })).count()
    }
}

/// The reload's observer is whatever the bind installs: it is not carried over.
#[test]
fn the_observer_is_the_one_the_bind_supplies() {
    let policies = Policies::new("observer");
    let (keys, key) = key_store();
    let [_, keyed, _] = requests(&key);
    let events = Arc::new(Events::default());
    let engine = Engine::load(policies.path("alpha")).expect("the policy loads");
    let built = Authenticator::builder(engine)
        .key_store("keys", keys.clone())
        .observer(events.clone())
        .build()
        .expect("bound");
    let handle = AuthenticatorHandle::new(built);

    handle.current().decide_request(&keyed, &context());
    assert_eq!(events.new_networks(), 1);

    // A bind without the observer: the new authenticator reports nothing.
    handle.reload(policies.path("alpha"), bind(&keys)).expect("the reload succeeds");
    handle.current().decide_request(&keyed, &context());
    assert_eq!(events.new_networks(), 1);
}

/// docs/authentication.md says the networks a key was used from are remembered "for the
/// life of the process"; a reload builds a new `Authenticator`, whose memory starts empty.
#[test]
fn a_reload_keeps_the_networks_keys_were_used_from() {
    let policies = Policies::new("networks");
    let (keys, key) = key_store();
    let [_, keyed, _] = requests(&key);
    let events = Arc::new(Events::default());
    let bind_observed = |builder: AuthenticatorBuilder| {
        builder.key_store("keys", keys.clone()).observer(events.clone())
    };
    let engine = Engine::load(policies.path("alpha")).expect("the policy loads");
    let handle = AuthenticatorHandle::new(
        bind_observed(Authenticator::builder(engine)).build().expect("bound"),
    );

    handle.current().decide_request(&keyed, &context());
    assert_eq!(events.new_networks(), 1);

    handle.reload(policies.path("alpha"), bind_observed).expect("the reload succeeds");
    handle.current().decide_request(&keyed, &context());
    assert_eq!(events.new_networks(), 1, "the same key from the same network after a reload");
}
