//! The tower middleware (cargo feature `tower`): a [`Layer`] that decides every request
//! before the service behind it sees it.
//!
//! On Allow the request goes on, carrying an [`Authenticated`] in its extensions; on any
//! refusal the layer answers itself with the decision's status, `WWW-Authenticate` values
//! and JSON body, and the inner service is never called. In dry-run mode the layer decides,
//! reports what it would have refused to the authenticator's observer, and lets every
//! request through. The response body type needs only `From<String>` (axum's `Body`,
//! hyper's `Full<Bytes>` and `String` all qualify).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::SystemTime;

use http::{HeaderValue, Request, Response, StatusCode, header};
use tower_layer::Layer;
use tower_service::Service;

use crate::authn::Context;
use crate::authn::events::Event;
use crate::eval::{Decision, Name, Scopes};
use crate::reload::AuthenticatorHandle;

/// The identity an allowed request carries in its extensions. Never holds a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticated {
    /// The principal; `None` when a public route let an anonymous request in.
    pub principal: Option<Arc<str>>,
    /// The scheme that authenticated it.
    pub scheme: Option<Arc<str>>,
    /// The scopes held, implied ones included.
    pub scopes: Scopes<'static>,
}

/// The peer address of a connection, for layers below a server that does not say it.
/// The layer also reads a bare `SocketAddr` and, with the `axum` feature, axum's
/// `ConnectInfo<SocketAddr>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// Decides every request with an [`AuthenticatorHandle`].
#[derive(Clone, Debug)]
pub struct PortcullisLayer {
    handle: AuthenticatorHandle,
    dry_run: bool,
}

impl PortcullisLayer {
    /// A layer deciding with `handle`'s current authenticator.
    pub fn new(handle: AuthenticatorHandle) -> PortcullisLayer {
        PortcullisLayer { handle, dry_run: false }
    }

    /// Dry-run mode: decide and report refusals (as [`Event::WouldRefuse`]) without
    /// refusing. Every request reaches the service, unauthenticated ones included (a
    /// request the policy would refuse carries an anonymous [`Authenticated`]), so use it
    /// only to roll a policy out alongside the checks it replaces.
    pub fn dry_run(mut self, dry_run: bool) -> PortcullisLayer {
        self.dry_run = dry_run;
        self
    }
}

impl<S> Layer<S> for PortcullisLayer {
    type Service = Portcullis<S>;

    fn layer(&self, inner: S) -> Portcullis<S> {
        Portcullis { inner, handle: self.handle.clone(), dry_run: self.dry_run }
    }
}

/// The service [`PortcullisLayer`] wraps around another.
#[derive(Clone, Debug)]
pub struct Portcullis<S> {
    inner: S,
    handle: AuthenticatorHandle,
    dry_run: bool,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Portcullis<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: From<String>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // One snapshot for the whole decision: a reload never mixes two policies.
        let authenticator = self.handle.current();
        let context = Context { peer: peer(&request).map(|a| a.ip()), now: SystemTime::now() };
        let decision = authenticator.decide_request(&request, &context);

        match decision {
            Decision::Allow { principal, scheme, scopes, .. } => {
                let principal = principal.map(Name::into_shared);
                let scheme = scheme.map(Name::into_shared);
                request.extensions_mut().insert(Authenticated { principal, scheme, scopes });
                ResponseFuture::inner(self.inner.call(request))
            }
            refusal if self.dry_run => {
                let status = refusal.response().status;
                let path = request.uri().path().to_owned();
                let method = request.method().to_string();
                authenticator.observe(&Event::WouldRefuse { status, method, path });
                // The handler runs as it would for an anonymous request on a public route.
                let anonymous =
                    Authenticated { principal: None, scheme: None, scopes: Scopes::default() };
                request.extensions_mut().insert(anonymous);
                ResponseFuture::inner(self.inner.call(request))
            }
            refusal => ResponseFuture::refused(respond(&refusal)),
        }
    }
}

/// The refusal as a response: status, `WWW-Authenticate` values, JSON body.
fn respond<B: From<String>>(decision: &Decision<'_>) -> Response<B> {
    let head = decision.response();
    let mut response = Response::new(B::from(head.body.unwrap_or_default()));
    *response.status_mut() =
        StatusCode::from_u16(head.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for value in head.www_authenticate {
        // invariant: challenges hold quoted-strings without control characters; a value
        // that still fails to encode is dropped rather than sent malformed.
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(header::WWW_AUTHENTICATE, value);
        }
    }
    response
}

fn peer<B>(request: &Request<B>) -> Option<SocketAddr> {
    let extensions = request.extensions();
    #[cfg(feature = "axum")]
    if let Some(info) = extensions.get::<axum::extract::ConnectInfo<SocketAddr>>() {
        return Some(info.0);
    }
    extensions.get::<PeerAddr>().map(|p| p.0).or_else(|| extensions.get::<SocketAddr>().copied())
}

pin_project_lite::pin_project! {
    /// The future of a [`Portcullis`] call: the inner service's, or a refusal ready now.
    pub struct ResponseFuture<F, B> {
        #[pin]
        kind: Kind<F, B>,
    }
}

pin_project_lite::pin_project! {
    #[project = KindProj]
    enum Kind<F, B> {
        Inner { #[pin] future: F },
        Refused { response: Option<Response<B>> },
    }
}

impl<F, B> ResponseFuture<F, B> {
    fn inner(future: F) -> Self {
        ResponseFuture { kind: Kind::Inner { future } }
    }

    fn refused(response: Response<B>) -> Self {
        ResponseFuture { kind: Kind::Refused { response: Some(response) } }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future } => future.poll(cx),
            KindProj::Refused { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                // Polled again after completion: stay pending rather than panic.
                None => Poll::Pending,
            },
        }
    }
}

#[cfg(feature = "axum")]
mod extract {
    //! `Authenticated` as an axum extractor: a handler behind the layer takes it as an
    //! argument. Without the layer in front, the extractor refuses with 500 rather than let
    //! a handler run unauthenticated.

    use axum::extract::FromRequestParts;
    use http::StatusCode;
    use http::request::Parts;

    use super::Authenticated;

    impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
        type Rejection = (StatusCode, &'static str);

        async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
            parts.extensions.get::<Authenticated>().cloned().ok_or((
                StatusCode::INTERNAL_SERVER_ERROR,
                "the Portcullis layer is not in front of this handler",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::sync::Mutex;

    use super::*;
    use crate::authn::events::Observer;
    use crate::{Authenticator, Engine, Syntax};

    /// Answers 200 with the principal it was given, counting calls.
    #[derive(Clone, Default)]
    struct Echo(Arc<Mutex<usize>>);

    impl Service<Request<String>> for Echo {
        type Response = Response<String>;
        type Error = Infallible;
        type Future = std::future::Ready<Result<Response<String>, Infallible>>;

        fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request<String>) -> Self::Future {
            *self.0.lock().unwrap() += 1;
            let who = request.extensions().get::<Authenticated>().and_then(|a| a.principal.clone());
            std::future::ready(Ok(Response::new(
                who.map_or_else(|| "anonymous".into(), |p| p.to_string()),
            )))
        }
    }

    #[derive(Default)]
    struct Recorder(Mutex<Vec<Event>>);

    impl Observer for Recorder {
        fn observe(&self, event: &Event) {
            self.0.lock().unwrap().push(event.clone());
        }
    }

    fn handle(observer: Arc<Recorder>) -> AuthenticatorHandle {
        let policy = "version 1\nrealm \"r\"\nscheme k: api_key { store \"keys\" }\n\
                      GET /open public \"test\"\nGET /closed allow k\n";
        let engine = Engine::from_text(policy, Syntax::Dsl).unwrap();
        let keys = Arc::new(crate::authn::store::MemoryKeyStore::default());
        let authenticator =
            Authenticator::builder(engine).key_store("keys", keys).observer(observer).build();
        AuthenticatorHandle::new(authenticator.unwrap())
    }

    fn call(service: &mut Portcullis<Echo>, path: &str) -> Response<String> {
        let request = Request::get(path).body(String::new()).unwrap();
        let mut future = std::pin::pin!(service.call(request));
        let mut cx = TaskContext::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(response)) => response,
            other => panic!("not ready: {:?}", other.is_ready()),
        }
    }

    #[test]
    fn allowed_requests_reach_the_service_and_refusals_do_not() {
        let echo = Echo::default();
        let mut service = PortcullisLayer::new(handle(Arc::default())).layer(echo.clone());

        let open = call(&mut service, "/open");
        assert_eq!((open.status(), open.body().as_str()), (StatusCode::OK, "anonymous"));
        let closed = call(&mut service, "/closed");
        assert_eq!(closed.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            closed.headers()[header::WWW_AUTHENTICATE],
            "ApiKey realm=\"r\", header=\"X-API-Key\""
        );
        assert_eq!(closed.body(), r#"{"error": "unauthenticated"}"#);
        assert_eq!(call(&mut service, "/a/../open").status(), StatusCode::BAD_REQUEST);
        assert_eq!(*echo.0.lock().unwrap(), 1);
    }

    #[test]
    fn dry_run_lets_refusals_through_and_reports_them() {
        let recorder = Arc::new(Recorder::default());
        let echo = Echo::default();
        let mut service =
            PortcullisLayer::new(handle(recorder.clone())).dry_run(true).layer(echo.clone());

        let closed = call(&mut service, "/closed?api_key=x");
        assert_eq!((closed.status(), closed.body().as_str()), (StatusCode::OK, "anonymous"));
        assert_eq!(*echo.0.lock().unwrap(), 1);
        let events = recorder.0.lock().unwrap();
        let expected =
            Event::WouldRefuse { status: 400, method: "GET".into(), path: "/closed".into() };
        assert!(events.contains(&expected), "{events:?}");
    }
}
