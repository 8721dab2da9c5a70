//! A small data service protected by Portcullis: `policies/example.policy`, with the example
//! stores, in front of a few axum handlers.
//!
//! ```sh
//! cargo run --example axum_service --features axum
//! curl -i http://127.0.0.1:3000/admin/users
//! ```
//!
//! It listens on 127.0.0.1 at the port in `PORT` (default 3000). `PORTCULLIS_POLICY` and
//! `PORTCULLIS_STORES` point elsewhere; `PORTCULLIS_DRY_RUN=1` lets every request through
//! and logs what the policy would have refused. Sending SIGHUP is not wired: the handle's
//! `reload` is shown by `POST /admin/reload`, which itself needs the `admin` scope.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use portcullis::authn::events::{Event, Observer};
use portcullis::authn::store::StoreFile;
use portcullis::tower::{Authenticated, PortcullisLayer};
use portcullis::{Authenticator, AuthenticatorBuilder, AuthenticatorHandle};

/// Prints events to standard error, as an application would send them to its logs.
struct LogEvents;

impl Observer for LogEvents {
    fn observe(&self, event: &Event) {
        eprintln!("portcullis event: {event:?}");
    }
}

#[derive(Clone)]
struct App {
    handle: AuthenticatorHandle,
    policy: String,
    stores: String,
}

/// Supplies the example's stores (read from the store file) and the event logger.
fn bind(stores: &str) -> impl FnOnce(AuthenticatorBuilder) -> AuthenticatorBuilder + '_ {
    move |builder| match StoreFile::load(stores) {
        Ok(file) => builder
            .key_store("api_keys", Arc::new(file.api_keys))
            .session_store("sessions", Arc::new(file.sessions))
            .observer(Arc::new(LogEvents)),
        Err(error) => {
            eprintln!("cannot load stores: {error}");
            builder
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = std::env::var("PORTCULLIS_POLICY").unwrap_or("policies/example.policy".into());
    let stores =
        std::env::var("PORTCULLIS_STORES").unwrap_or("policies/stores/example.yaml".into());
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let dry_run = std::env::var("PORTCULLIS_DRY_RUN").is_ok_and(|v| v == "1");

    let engine = portcullis::Engine::load(&policy)?;
    let authenticator = bind(&stores)(Authenticator::builder(engine)).build()?;
    let handle = AuthenticatorHandle::new(authenticator);
    let app = App { handle: handle.clone(), policy, stores };

    let router = Router::new()
        .route("/health", get(|| async { "ok\n" }))
        .route("/data", get(list_data).head(list_data).post(write_data))
        .route("/data/{id}", get(read_data).put(write_data).delete(write_data))
        .route("/users/me", get(whoami))
        .route("/users/{id}", get(whoami).patch(write_data))
        .route("/admin/reload", post(reload))
        .route("/admin/{*rest}", get(whoami).delete(write_data))
        .with_state(app)
        .layer(PortcullisLayer::new(handle).dry_run(dry_run));

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service).await?;
    Ok(())
}

async fn list_data(who: Authenticated) -> String {
    format!("data for {}\n", who.principal.as_deref().unwrap_or("anonymous"))
}

async fn read_data(who: Authenticated) -> String {
    format!("one item for {}\n", who.principal.as_deref().unwrap_or("anonymous"))
}

async fn write_data(who: Authenticated) -> String {
    format!("written by {}\n", who.principal.as_deref().unwrap_or("anonymous"))
}

async fn whoami(who: Authenticated) -> String {
    let scopes = who.scopes.names();
    format!(
        "{} via {} with [{}]\n",
        who.principal.as_deref().unwrap_or("anonymous"),
        who.scheme.as_deref().unwrap_or("-"),
        scopes.join(" ")
    )
}

/// Re-reads the policy and stores; a policy that fails to compile leaves the old one.
async fn reload(State(app): State<App>) -> (http::StatusCode, String) {
    match app.handle.reload(&app.policy, bind(&app.stores)) {
        Ok(()) => (http::StatusCode::OK, "reloaded\n".into()),
        Err(error) => {
            (http::StatusCode::UNPROCESSABLE_ENTITY, format!("kept the old policy: {error}\n"))
        }
    }
}
