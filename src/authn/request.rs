//! Finding credentials in a request, and refusing requests that present them ambiguously.
//!
//! This is where request headers and the query string are read. Everything a credential
//! could hide in is checked here, before any credential is verified: two `Authorization`
//! headers, a repeated key header or session cookie, control characters, a bearer token
//! outside RFC 6750's `b64token`, and credentials in the URL. A request that fails is
//! malformed (400), whatever its route says.
//!
//! The request's size is bounded here too ([`Limits`]): the number of header fields, the
//! size of every credential-bearing header and the number of cookies. Each check costs
//! nothing beyond a pass that is made anyway: `HeaderMap::len` is a field, a value's length
//! is known before its bytes are read, and cookies are counted while their characters are
//! checked.

use std::borrow::Cow;

use http::header::{AUTHORIZATION, COOKIE, HeaderMap, HeaderValue};
use smallvec::SmallVec;

use super::jwt::is_base64url;
use crate::compile::Engine;
use crate::eval::MalformedRequest;
use crate::model::SchemeConfig;

/// How large a request [`inspect`] reads; beyond any of these it is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Header fields in the request, counting each value of a repeated header.
    pub headers: usize,
    /// Bytes in any one value of a credential-bearing header: `Authorization`, an API key
    /// header, a CSRF header, `Cookie`.
    pub header_bytes: usize,
    /// Cookies across all `Cookie` headers, counted as `;`-separated pieces.
    pub cookies: usize,
}

/// The credentials a request presents, not yet verified; each borrows from the request.
#[derive(Default)]
pub(crate) struct Presented<'r> {
    /// `Authorization: Bearer <token>`.
    pub bearer: Option<&'r str>,
    /// API keys: the scheme's id and the key, from its header or `Authorization`.
    pub keys: SmallVec<[(u32, &'r str); 2]>,
    /// Session cookies, each with its scheme's CSRF header.
    pub sessions: SmallVec<[PresentedSession<'r>; 2]>,
}

/// A session cookie, and the CSRF header of its scheme if the request has one.
pub(crate) struct PresentedSession<'r> {
    /// The scheme's id.
    pub scheme: u32,
    /// The session id.
    pub id: &'r str,
    /// The value of the scheme's CSRF header (checked once, within the size limit).
    pub csrf: Option<&'r HeaderValue>,
}

/// What an `Authorization` header holds.
enum Authorization<'r> {
    /// `Bearer` and a `b64token`.
    Bearer(&'r str),
    /// Another auth-scheme (an API key's, or one no scheme reads), and what follows it.
    Other { auth_scheme: &'r str, credential: &'r str },
}

/// Reads the credentials out of `headers` and `query`.
///
/// # Errors
/// The first way the request is malformed.
pub(crate) fn inspect<'r>(
    engine: &Engine,
    limits: &Limits,
    headers: &'r HeaderMap,
    query: Option<&str>,
) -> Result<Presented<'r>, MalformedRequest> {
    let mut presented = Presented::default();
    // `len` counts values, so a header repeated a thousand times counts a thousand.
    if headers.len() > limits.headers {
        return Err(MalformedRequest::TooManyHeaders {
            count: headers.len(),
            limit: limits.headers,
        });
    }
    if let Some(query) = query {
        check_query(engine, query)?;
    }

    // Authorization: one header at most, naming Bearer or an API key's auth-scheme.
    let mut authorization = headers.get_all(AUTHORIZATION).iter();
    if let Some(value) = authorization.next() {
        if authorization.next().is_some() {
            return Err(MalformedRequest::DuplicateAuthorization);
        }
        within(value.as_bytes(), "Authorization", limits)?;
        match read_authorization(value.as_bytes())? {
            Authorization::Bearer(bearer) => presented.bearer = Some(bearer),
            Authorization::Other { auth_scheme, credential } => {
                for (id, _) in api_keys(engine).filter(|(_, config)| {
                    config
                        .authorization_scheme
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(auth_scheme))
                }) {
                    presented.keys.push((id, credential));
                }
            }
        }
    }

    // API key headers: one value each; the same key also in `Authorization` is one
    // credential offered twice.
    for (id, config) in api_keys(engine) {
        let Some(name) = engine.schemes.get(id as usize).and_then(|s| s.header.as_ref()) else {
            continue;
        };
        let mut values = headers.get_all(name).iter();
        let Some(value) = values.next() else { continue };
        if values.next().is_some() {
            return Err(MalformedRequest::DuplicateHeader(config.header.clone()));
        }
        within(value.as_bytes(), &config.header, limits)?;
        let key = visible(value.as_bytes(), &config.header)?;
        if presented.keys.iter().any(|(other, _)| *other == id) {
            return Err(MalformedRequest::SeveralCredentials);
        }
        presented.keys.push((id, key));
    }

    // CSRF headers: one value at most, like every other credential-bearing header, and
    // within the size limit (the session verifier reads it later).
    let mut csrf: SmallVec<[(u32, &HeaderValue); 2]> = SmallVec::new();
    for (id, config) in session_configs(engine) {
        let Some(name) = engine.schemes.get(id as usize).and_then(|s| s.header.as_ref()) else {
            continue;
        };
        let mut values = headers.get_all(name).iter();
        let Some(value) = values.next() else { continue };
        let header = config.csrf_header.as_deref().unwrap_or_default();
        if values.next().is_some() {
            return Err(MalformedRequest::DuplicateHeader(header.to_owned()));
        }
        within(value.as_bytes(), header, limits)?;
        csrf.push((id, value));
    }

    // Session cookies: at most one cookie of each session's name, across Cookie headers.
    // Every header's size, then every header's characters, are checked before the cookies
    // are counted and looked at, so that which refusal a request gets does not depend on
    // the order of its headers.
    let cookie_headers = headers.get_all(COOKIE);
    for header in cookie_headers.iter() {
        within(header.as_bytes(), "Cookie", limits)?;
    }
    let mut cookies: SmallVec<[&str; 2]> = SmallVec::new();
    let mut count = 0usize;
    for header in cookie_headers.iter() {
        let (text, pieces) = visible_cookies(header.as_bytes())?;
        count = count.saturating_add(pieces);
        cookies.push(text);
    }
    if count > limits.cookies {
        return Err(MalformedRequest::TooManyCookies { count, limit: limits.cookies });
    }
    for (id, cookie_name) in sessions(engine) {
        let mut found = None;
        // The headers are visible ASCII by now, so spaces are the only white space to trim,
        // and bytes can be searched without decoding characters.
        for pair in cookies.iter().flat_map(|header| header.split(';')) {
            let pair = pair.trim_ascii();
            let Some(equals) = pair.bytes().position(|b| b == b'=') else { continue };
            let (name, value) = (pair.get(..equals).unwrap_or_default(), pair.get(equals + 1..));
            let value = value.unwrap_or_default();
            if name == cookie_name {
                if found.is_some() {
                    return Err(MalformedRequest::DuplicateCookie(cookie_name.to_owned()));
                }
                found = Some(unquote(value));
            }
        }
        let csrf = csrf.iter().find(|(scheme, _)| *scheme == id).map(|&(_, value)| value);
        if let Some(value) = found {
            presented.sessions.push(PresentedSession { scheme: id, id: value, csrf });
        }
    }
    Ok(presented)
}

/// A cookie value without the one pair of double quotes RFC 6265 section 4.1.1 allows
/// around it. Only that pair goes: a lone quote stays, and of doubled quotes the inner pair
/// stays, so what is looked up still holds a quote, which no session id does.
fn unquote(value: &str) -> &str {
    value.strip_prefix('"').and_then(|inner| inner.strip_suffix('"')).unwrap_or(value)
}

fn api_keys(engine: &Engine) -> impl Iterator<Item = (u32, &crate::model::ApiKeyConfig)> {
    engine.schemes.iter().enumerate().filter_map(|(id, scheme)| match &scheme.config {
        SchemeConfig::ApiKey(config) => Some((id as u32, config)),
        _ => None,
    })
}

fn session_configs(engine: &Engine) -> impl Iterator<Item = (u32, &crate::model::SessionConfig)> {
    engine.schemes.iter().enumerate().filter_map(|(id, scheme)| match &scheme.config {
        SchemeConfig::Session(config) => Some((id as u32, config)),
        _ => None,
    })
}

fn sessions(engine: &Engine) -> impl Iterator<Item = (u32, &str)> {
    engine.schemes.iter().enumerate().filter_map(|(id, scheme)| match &scheme.config {
        SchemeConfig::Session(config) => Some((id as u32, config.cookie.as_str())),
        _ => None,
    })
}

/// A header value of visible ASCII and spaces; anything else (control characters, which
/// could split a header in a proxy, or bytes outside ASCII) makes the request malformed.
fn visible<'v>(value: &'v [u8], header: &str) -> Result<&'v str, MalformedRequest> {
    // No early exit, so that the loop runs many bytes at a time: tokens are long.
    let ok = value.iter().fold(true, |ok, &b| ok & (b' '..=b'~').contains(&b));
    match std::str::from_utf8(value) {
        Ok(text) if ok => Ok(text),
        _ => Err(MalformedRequest::ControlCharacters(header.to_owned())),
    }
}

/// Refuses a credential-bearing header value larger than the limit, before its bytes are
/// read.
fn within(value: &[u8], header: &str, limits: &Limits) -> Result<(), MalformedRequest> {
    if value.len() > limits.header_bytes {
        return Err(MalformedRequest::HeaderTooLarge {
            header: header.to_owned(),
            bytes: value.len(),
            limit: limits.header_bytes,
        });
    }
    Ok(())
}

/// A `Cookie` header as [`visible`] checks it, and the number of cookies in it: its
/// `;`-separated pieces, counted in the same pass (RFC 6265 section 4.2.1 separates
/// cookie-pairs with `; `). A header of spaces holds none; a stray `;` counts as one more.
fn visible_cookies(value: &[u8]) -> Result<(&str, usize), MalformedRequest> {
    let (ok, separators) = value.iter().fold((true, 0usize), |(ok, n), &b| {
        (ok & (b' '..=b'~').contains(&b), n + usize::from(b == b';'))
    });
    match std::str::from_utf8(value) {
        Ok(text) if ok => {
            let pieces = if text.trim().is_empty() { 0 } else { separators.saturating_add(1) };
            Ok((text, pieces))
        }
        _ => Err(MalformedRequest::ControlCharacters("Cookie".to_owned())),
    }
}

/// Splits an `Authorization` value at its first space into an auth-scheme and a credential
/// (leading spaces dropped), and checks it: visible ASCII throughout, and for `Bearer` a
/// `b64token`.
///
/// A bearer token is read once: a `b64token` makes every byte of the header visible (the
/// auth-scheme is `bearer`, the separator spaces), so only a header that fails the
/// `b64token` check goes through [`visible`], which decides whether it is refused for its
/// characters or as a bad bearer token.
fn read_authorization(value: &[u8]) -> Result<Authorization<'_>, MalformedRequest> {
    let space = value.iter().position(|&b| b == b' ').unwrap_or(value.len());
    let (auth_scheme, rest) = value.split_at_checked(space).unwrap_or((value, &[]));
    let skip = rest.iter().take_while(|&&b| b == b' ').count();
    let credential = rest.get(skip..).unwrap_or_default();

    if auth_scheme.eq_ignore_ascii_case(b"bearer") {
        return match std::str::from_utf8(credential) {
            Ok(token) if is_b64token(credential) => Ok(Authorization::Bearer(token)),
            _ => visible(value, "Authorization").and(Err(MalformedRequest::BadBearer)),
        };
    }

    let value = visible(value, "Authorization")?;
    let auth_scheme = value.get(..auth_scheme.len()).unwrap_or_default();
    let credential = value.get(value.len() - credential.len()..).unwrap_or_default();
    Ok(Authorization::Other { auth_scheme, credential })
}

/// RFC 6750 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(token: &[u8]) -> bool {
    let padding = token.iter().rev().take_while(|&&b| b == b'=').count();
    let body = token.get(..token.len() - padding).unwrap_or_default();
    // No early exit, so that the loop runs many bytes at a time: tokens are long.
    let extra = |b: u8| (b == b'.') | (b == b'~') | (b == b'+') | (b == b'/');
    let ok = body.iter().fold(true, |ok, &b| ok & (is_base64url(b) | extra(b)));
    !body.is_empty() && ok
}

/// Refuses a query string that carries a credential: `access_token`, an API key parameter
/// (`api_key`, `apikey`, or the key header's name), or any value (or bare parameter name)
/// starting with a key prefix the policy declares. Names are compared without regard to
/// ASCII case; a parameter without escapes is read where it lies, without a copy.
fn check_query(engine: &Engine, query: &str) -> Result<(), MalformedRequest> {
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (percent_decode(name), percent_decode(value));

        let key_header = api_keys(engine).any(|(_, c)| c.header.eq_ignore_ascii_case(&name));
        let named =
            ["access_token", "api_key", "apikey"].iter().any(|n| n.eq_ignore_ascii_case(&name));
        if named || key_header {
            return Err(MalformedRequest::CredentialInQuery(name.to_ascii_lowercase()));
        }

        // A key may stand as a value or, pasted alone, as a parameter name. Either way the
        // report names the prefix, never the parameter, which may be the key itself.
        let prefixes = api_keys(engine).flat_map(|(_, config)| config.prefixes.iter());
        for prefix in prefixes.filter(|p| !p.is_empty()) {
            let name_start = name.as_bytes().get(..prefix.len());
            let in_name =
                name_start.is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()));
            if value.starts_with(prefix.as_str()) || in_name {
                return Err(MalformedRequest::CredentialInQuery(format!("{prefix}…")));
            }
        }
    }
    Ok(())
}

/// Decodes `%XX` escapes and `+` (as a form would); malformed escapes are kept as written.
/// Text with neither is returned as it is.
fn percent_decode(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|b| (b == b'%') | (b == b'+')) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (byte, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(byte);
                i += 1;
            }
        }
    }
    let decoded = String::from_utf8(out)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
    Cow::Owned(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64token_grammar() {
        let b64token = |token: &str| is_b64token(token.as_bytes());
        assert!(b64token("abc.DEF-_~+/=="));
        assert!(!b64token(""));
        assert!(!b64token("=="));
        assert!(!b64token("a b"));
        assert!(!b64token("a,b"));
        assert!(!b64token("a=b"));
    }

    #[test]
    fn authorization_refusals_keep_their_order() {
        let read = |value: &[u8]| read_authorization(value).err();
        let control = Some(MalformedRequest::ControlCharacters("Authorization".into()));
        assert_eq!(read(b"Bearer abc\x01"), control);
        assert_eq!(read(b"Bearer a,b"), Some(MalformedRequest::BadBearer));
        assert_eq!(read(b"Bearer "), Some(MalformedRequest::BadBearer));
        assert_eq!(read(b"Bearer"), Some(MalformedRequest::BadBearer));
        assert_eq!(read(b"Basic \xff"), control);
        assert!(read(b"bEaReR   abc").is_none());
        let Ok(Authorization::Other { auth_scheme, credential }) = read_authorization(b"Key  k 1")
        else {
            panic!("an API key's auth-scheme");
        };
        assert_eq!((auth_scheme, credential), ("Key", "k 1"));
    }

    #[test]
    fn percent_decoding_for_query_names() {
        assert_eq!(percent_decode("access%5Ftoken"), "access_token");
        assert_eq!(percent_decode("a+b%2"), "a b%2");
        assert!(matches!(percent_decode("page"), Cow::Borrowed("page")));
    }
}
