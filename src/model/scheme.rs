//! Authentication schemes as a policy declares them, and the one reader of their fields.
//!
//! Both syntaxes reduce a scheme's body to [`SchemeFields`], a small tree of keys and values
//! with positions, and [`scheme_from_fields`] turns that into a typed [`SchemeConfig`]. Keeping
//! a single reader means a field is accepted, defaulted and refused identically in YAML and
//! in the DSL, and that the security refusals (`alg none`, inline secrets, keys in the query
//! string) cannot be forgotten in one of them.

use std::fmt;
use std::path::PathBuf;

use super::{Span, Spanned, is_scheme_name, suggest};

/// The kinds of scheme, as named by a scheme's `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SchemeKind {
    /// A self-contained bearer token verified by signature.
    Jwt,
    /// A bearer token looked up in a store.
    OpaqueToken,
    /// A long-lived key sent in a header.
    ApiKey,
    /// A server-side session named by a cookie.
    Session,
}

impl SchemeKind {
    const ALL: [SchemeKind; 4] =
        [SchemeKind::Jwt, SchemeKind::OpaqueToken, SchemeKind::ApiKey, SchemeKind::Session];

    /// The name a policy uses for the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemeKind::Jwt => "jwt",
            SchemeKind::OpaqueToken => "opaque_token",
            SchemeKind::ApiKey => "api_key",
            SchemeKind::Session => "session",
        }
    }

    fn fields(self) -> &'static [&'static str] {
        match self {
            SchemeKind::Jwt => &[
                "issuer",
                "audience",
                "algorithms",
                "keys",
                "leeway",
                "max_lifetime",
                "scope_claim",
                "subject_claim",
                "typ",
            ],
            SchemeKind::OpaqueToken => &["store"],
            SchemeKind::ApiKey => &["header", "authorization_scheme", "prefixes", "store"],
            SchemeKind::Session => {
                &["cookie", "csrf_header", "same_site", "secure", "http_only", "store"]
            }
        }
    }
}

impl fmt::Display for SchemeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind of client a scheme says it serves (`clients: [...]`), which the linter checks
/// against the scheme kind recommended for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Client {
    /// Server-to-server calls (microservices).
    Server,
    /// A single-page web application.
    Spa,
    /// A mobile app.
    Mobile,
    /// Third-party developers' integrations.
    ThirdParty,
    /// A traditional server-rendered web app.
    Web,
    /// IoT and embedded devices.
    Iot,
}

impl Client {
    /// Every client kind, in the order the documentation lists them.
    pub const ALL: [Client; 6] =
        [Client::Server, Client::Spa, Client::Mobile, Client::ThirdParty, Client::Web, Client::Iot];

    /// The name a policy uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Client::Server => "server",
            Client::Spa => "spa",
            Client::Mobile => "mobile",
            Client::ThirdParty => "third_party",
            Client::Web => "web",
            Client::Iot => "iot",
        }
    }
}

/// A scheme's kind and settings, without source positions.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemeConfig {
    /// `type: jwt`.
    Jwt(JwtConfig),
    /// `type: opaque_token`.
    OpaqueToken(OpaqueTokenConfig),
    /// `type: api_key`.
    ApiKey(ApiKeyConfig),
    /// `type: session`.
    Session(SessionConfig),
}

impl SchemeConfig {
    /// The scheme's kind.
    pub fn kind(&self) -> SchemeKind {
        match self {
            SchemeConfig::Jwt(_) => SchemeKind::Jwt,
            SchemeConfig::OpaqueToken(_) => SchemeKind::OpaqueToken,
            SchemeConfig::ApiKey(_) => SchemeKind::ApiKey,
            SchemeConfig::Session(_) => SchemeKind::Session,
        }
    }
}

/// Settings of a JWT bearer scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtConfig {
    /// The required `iss` claim.
    pub issuer: Option<String>,
    /// Accepted `aud` values; a token must name at least one.
    pub audience: Vec<String>,
    /// The accepted signature algorithms; never empty, never `none`.
    pub algorithms: Vec<Algorithm>,
    /// Where the verification keys come from.
    pub keys: KeySource,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
    /// The longest `exp - iat` accepted.
    pub max_lifetime: Option<Duration>,
    /// The claim holding granted scopes (`scope` by default).
    pub scope_claim: String,
    /// The claim holding the principal (`sub` by default).
    pub subject_claim: String,
    /// The required `typ` header, compared case-insensitively.
    pub typ: Option<String>,
}

/// A JWS algorithm a JWT scheme may accept (`none` has no variant, by design).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Algorithm {
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    EdDSA,
}

impl Algorithm {
    const ALL: [Algorithm; 12] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];

    /// The algorithm's JOSE name.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// Whether the algorithm is an HMAC (a shared secret rather than a public key).
    pub fn is_hmac(self) -> bool {
        matches!(self, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
    }
}

/// Where a JWT scheme's verification keys come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A JWK Set file, relative to the policy file.
    JwksFile(PathBuf),
    /// A PEM public key file, relative to the policy file.
    PemFile(PathBuf),
    /// The name of the environment variable holding an HMAC secret.
    HmacSecretEnv(String),
}

/// Settings of an opaque bearer token scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpaqueTokenConfig {
    /// The name of the token store the host application supplies.
    pub store: String,
}

/// Settings of an API key scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyConfig {
    /// The request header carrying the key (`X-API-Key` by default).
    pub header: String,
    /// An `Authorization` auth-scheme also accepted, e.g. `ApiKey`.
    pub authorization_scheme: Option<String>,
    /// Visible prefixes keys begin with, e.g. `sk_live_`.
    pub prefixes: Vec<String>,
    /// The name of the key store the host application supplies.
    pub store: String,
}

/// Settings of a session cookie scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    /// The session cookie's name.
    pub cookie: String,
    /// The header that must echo the session's CSRF token on unsafe methods.
    pub csrf_header: Option<String>,
    /// The cookie's `SameSite` attribute as the application sets it.
    pub same_site: SameSite,
    /// Whether the application sets `Secure` (default true).
    pub secure: bool,
    /// Whether the application sets `HttpOnly` (default true).
    pub http_only: bool,
    /// The name of the session store the host application supplies.
    pub store: String,
}

/// A cookie's `SameSite` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum SameSite {
    Strict,
    Lax,
    None,
}

impl SameSite {
    /// The name a policy uses.
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "strict",
            SameSite::Lax => "lax",
            SameSite::None => "none",
        }
    }
}

/// A duration written `30s`, `15m`, `1h` or `90d`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    seconds: u64,
}

impl Duration {
    /// The longest duration a policy may write: ten years.
    const MAX_SECONDS: u64 = 3650 * 86_400;

    /// A duration of `seconds` seconds.
    pub fn from_secs(seconds: u64) -> Duration {
        Duration { seconds }
    }

    /// The duration in seconds.
    pub fn as_secs(self) -> u64 {
        self.seconds
    }

    /// Parses `30s`, `15m`, `1h` or `90d`; `None` for anything else or more than ten years.
    pub fn parse(text: &str) -> Option<Duration> {
        let unit_at = text.len().checked_sub(1)?;
        // Checked: a text ending in a character of more than one byte has no one-byte unit.
        let (number, unit) = text.split_at_checked(unit_at)?;
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let scale = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return None,
        };
        let seconds = number.parse::<u64>().ok()?.checked_mul(scale)?;
        (seconds <= Self::MAX_SECONDS).then_some(Duration { seconds })
    }
}

impl fmt::Display for Duration {
    /// The largest unit that divides the duration exactly, so that parse and print agree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.seconds;
        match s {
            0 => f.write_str("0s"),
            _ if s.is_multiple_of(86_400) => write!(f, "{}d", s / 86_400),
            _ if s.is_multiple_of(3600) => write!(f, "{}h", s / 3600),
            _ if s.is_multiple_of(60) => write!(f, "{}m", s / 60),
            _ => write!(f, "{s}s"),
        }
    }
}

/// One scheme setting as the printers write it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Setting {
    /// Free text, quoted where the syntax needs it.
    Text(String),
    /// A keyword, duration, algorithm or boolean, always written bare.
    Word(String),
    /// A list of free text.
    Texts(Vec<String>),
    /// A list of keywords.
    Words(Vec<String>),
}

impl SchemeConfig {
    /// The settings a printer writes, in the canonical order, with dotted keys for nested
    /// fields (`keys.jwks_file`). Optional fields at their defaults are left out, except the
    /// cookie attributes, which are always written because reviewers judge them.
    pub(crate) fn settings(&self) -> Vec<(&'static str, Setting)> {
        let text = |value: &str| Setting::Text(value.to_owned());
        let texts = |values: &[String]| Setting::Texts(values.to_vec());
        let word = |value: String| Setting::Word(value);
        let mut out = Vec::new();
        match self {
            SchemeConfig::Jwt(jwt) => {
                out.extend(jwt.issuer.as_deref().map(|issuer| ("issuer", text(issuer))));
                if !jwt.audience.is_empty() {
                    out.push(("audience", texts(&jwt.audience)));
                }
                let algorithms = jwt.algorithms.iter().map(|a| a.as_str().to_owned()).collect();
                out.push(("algorithms", Setting::Words(algorithms)));
                out.push(match &jwt.keys {
                    KeySource::JwksFile(path) => ("keys.jwks_file", text(&path.to_string_lossy())),
                    KeySource::PemFile(path) => ("keys.pem_file", text(&path.to_string_lossy())),
                    KeySource::HmacSecretEnv(name) => ("keys.hmac_secret_env", text(name)),
                });
                if jwt.leeway.as_secs() != 0 {
                    out.push(("leeway", word(jwt.leeway.to_string())));
                }
                out.extend(jwt.max_lifetime.map(|max| ("max_lifetime", word(max.to_string()))));
                if jwt.scope_claim != "scope" {
                    out.push(("scope_claim", text(&jwt.scope_claim)));
                }
                if jwt.subject_claim != "sub" {
                    out.push(("subject_claim", text(&jwt.subject_claim)));
                }
                out.extend(jwt.typ.as_deref().map(|typ| ("typ", text(typ))));
            }
            SchemeConfig::OpaqueToken(opaque) => out.push(("store", text(&opaque.store))),
            SchemeConfig::ApiKey(key) => {
                out.push(("header", text(&key.header)));
                let scheme = key.authorization_scheme.as_deref();
                out.extend(scheme.map(|name| ("authorization_scheme", text(name))));
                if !key.prefixes.is_empty() {
                    out.push(("prefixes", texts(&key.prefixes)));
                }
                out.push(("store", text(&key.store)));
            }
            SchemeConfig::Session(session) => {
                out.push(("cookie", text(&session.cookie)));
                out.extend(session.csrf_header.as_deref().map(|h| ("csrf_header", text(h))));
                out.push(("same_site", word(session.same_site.as_str().to_owned())));
                out.push(("secure", word(session.secure.to_string())));
                out.push(("http_only", word(session.http_only.to_string())));
                out.push(("store", text(&session.store)));
            }
        }
        out
    }
}

/// Why a scheme's fields were refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// `type` names no scheme kind.
    #[error("unknown scheme type `{kind}`")]
    UnknownKind {
        /// What was written.
        kind: String,
    },
    /// A scheme name of the wrong shape.
    #[error("`{0}` is not a valid scheme name")]
    BadSchemeName(String),
    /// A scheme without `type`.
    #[error("scheme `{scheme}` has no `type`")]
    MissingKind {
        /// The scheme's name.
        scheme: String,
    },
    /// A field the kind does not have.
    #[error("unknown field `{field}` in a `{kind}` scheme")]
    UnknownField {
        /// The scheme kind.
        kind: SchemeKind,
        /// The field as written (dotted when nested, e.g. `keys.jwk_file`).
        field: String,
    },
    /// The same field twice.
    #[error("field `{0}` is given twice")]
    DuplicateField(String),
    /// A required field is absent.
    #[error("`{kind}` schemes need `{field}`")]
    MissingField {
        /// The scheme kind.
        kind: SchemeKind,
        /// The missing field.
        field: &'static str,
    },
    /// A field holds the wrong shape of value.
    #[error("`{field}` must be {expected}")]
    WrongShape {
        /// The field.
        field: String,
        /// What it must be, in words.
        expected: &'static str,
    },
    /// An API key location in the query string.
    #[error("API keys cannot be read from the query string")]
    QueryKeyLocation,
    /// A secret written into the policy.
    #[error("`{0}` would put a secret in the policy file")]
    InlineSecret(String),
    /// `alg: none`.
    #[error("algorithm `none` accepts tokens that carry no signature")]
    AlgorithmNone,
    /// An algorithm name that is not a JWS algorithm.
    #[error("unknown algorithm `{0}`")]
    UnknownAlgorithm(String),
    /// An API key scheme claiming the `Bearer` auth-scheme, which belongs to tokens.
    #[error("`authorization_scheme` cannot be `Bearer`")]
    BearerApiKey,
    /// `keys` names no source or several.
    #[error("`keys` must name exactly one of `jwks_file`, `pem_file` or `hmac_secret_env`")]
    KeySourceCount,
    /// A `clients` entry that names no client kind.
    #[error("unknown client kind `{0}`")]
    UnknownClient(String),
    /// An unparsable duration.
    #[error("`{0}` is not a duration")]
    BadDuration(String),
    /// A `same_site` value other than strict, lax or none.
    #[error("`same_site` must be `strict`, `lax` or `none`, not `{0}`")]
    BadSameSite(String),
    /// A header or cookie name that is not an HTTP token.
    #[error("`{text}` is not a valid {what} name")]
    BadToken {
        /// What the name is for.
        what: &'static str,
        /// What was written.
        text: String,
    },
}

impl FieldError {
    /// How to put the mistake right, when there is more to say than the message.
    pub fn help(&self) -> Option<String> {
        match self {
            FieldError::UnknownKind { kind } => {
                let kinds = SchemeKind::ALL.map(SchemeKind::as_str);
                Some(match suggest(kind, kinds) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("the types are {}", kinds.join(", ")),
                })
            }
            FieldError::BadSchemeName(_) => Some(
                "scheme names are a lower-case letter then lower-case letters, digits and `_`, \
                 and not `allow`, `any_scopes`, `deny`, `public` or `scopes`"
                    .into(),
            ),
            FieldError::MissingKind { .. } => {
                Some("add `type: jwt`, `opaque_token`, `api_key` or `session`".into())
            }
            FieldError::UnknownField { kind, field } => {
                let leaf = field.rsplit('.').next().unwrap_or(field);
                let known = kind.fields().iter().copied().chain(KEY_SOURCES);
                Some(match suggest(leaf, known) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("a `{kind}` scheme has {}", kind.fields().join(", ")),
                })
            }
            FieldError::QueryKeyLocation => Some(
                "URLs end up in access logs, browser history and Referer headers; \
                 send the key in a header (`header`) or with `authorization_scheme`"
                    .into(),
            ),
            FieldError::InlineSecret(_) => Some(
                "keep secrets out of policy files: put the secret in an environment variable \
                 and name the variable with `hmac_secret_env` under `keys`"
                    .into(),
            ),
            FieldError::AlgorithmNone => {
                Some("list the algorithms your issuer signs with, e.g. RS256".into())
            }
            FieldError::UnknownAlgorithm(name) => {
                let names = Algorithm::ALL.map(Algorithm::as_str);
                Some(match suggest(name, names) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("the algorithms are {}", names.join(", ")),
                })
            }
            FieldError::BearerApiKey => Some(
                "`Bearer` is for access tokens (RFC 6750); API keys use a name of their own, \
                 such as `ApiKey`"
                    .into(),
            ),
            FieldError::UnknownClient(name) => {
                let names = Client::ALL.map(Client::as_str);
                Some(match suggest(name, names) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("the client kinds are {}", names.join(", ")),
                })
            }
            FieldError::BadDuration(_) => {
                Some("write a whole number and a unit: `30s`, `15m`, `1h` or `90d`".into())
            }
            _ => None,
        }
    }
}

const KEY_SOURCES: [&str; 3] = ["jwks_file", "pem_file", "hmac_secret_env"];

/// A value in a scheme's body: one scalar, a list of scalars, or nested fields.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FieldValue {
    Scalar(String),
    List(Vec<Spanned<String>>),
    Map(Vec<SchemeField>),
    Null,
}

/// One `key: value` of a scheme's body.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SchemeField {
    pub key: Spanned<String>,
    pub value: Spanned<FieldValue>,
}

/// A scheme's body as either syntax wrote it, before it is read.
#[derive(Clone, Debug)]
pub(crate) struct SchemeFields {
    pub name: Spanned<String>,
    pub kind: Option<Spanned<String>>,
    pub fields: Vec<SchemeField>,
}

/// A scheme body read: its settings and the clients it says it serves.
pub(crate) type ReadScheme = (SchemeConfig, Vec<Client>);

/// Reads a scheme's body into its typed settings, reporting every problem found.
pub(crate) fn scheme_from_fields(
    body: &SchemeFields,
) -> Result<ReadScheme, Vec<(Span, FieldError)>> {
    let mut errors = Vec::new();
    if !is_scheme_name(&body.name.value) {
        errors.push((body.name.span, FieldError::BadSchemeName(body.name.value.clone())));
    }

    let Some(kind_text) = &body.kind else {
        let error = FieldError::MissingKind { scheme: body.name.value.clone() };
        errors.push((body.name.span, error));
        return Err(errors);
    };
    let Some(kind) = SchemeKind::ALL.iter().copied().find(|k| k.as_str() == kind_text.value) else {
        errors.push((kind_text.span, FieldError::UnknownKind { kind: kind_text.value.clone() }));
        return Err(errors);
    };

    let mut reader = Reader { kind, fields: &body.fields, at: body.name.span, errors };
    reader.refuse_unknown();
    let clients = reader.clients();
    let config = match kind {
        SchemeKind::Jwt => reader.jwt().map(SchemeConfig::Jwt),
        SchemeKind::OpaqueToken => reader
            .required_text("store")
            .map(|store| SchemeConfig::OpaqueToken(OpaqueTokenConfig { store })),
        SchemeKind::ApiKey => reader.api_key().map(SchemeConfig::ApiKey),
        SchemeKind::Session => reader.session().map(SchemeConfig::Session),
    };

    match config {
        Some(config) if reader.errors.is_empty() => Ok((config, clients)),
        _ => Err(reader.errors),
    }
}

/// Reads typed fields out of a scheme body, collecting errors as it goes.
struct Reader<'a> {
    kind: SchemeKind,
    fields: &'a [SchemeField],
    /// Where to report a missing field: the scheme's name.
    at: Span,
    errors: Vec<(Span, FieldError)>,
}

impl<'a> Reader<'a> {
    /// Reports fields the kind does not have, with a pointed message for the dangerous ones.
    fn refuse_unknown(&mut self) {
        let known = self.kind.fields();
        for (i, field) in self.fields.iter().enumerate() {
            let key = field.key.value.as_str();
            if self.fields.iter().take(i).any(|f| f.key.value == key) {
                self.errors.push((field.key.span, FieldError::DuplicateField(key.into())));
                continue;
            }
            if known.contains(&key) || key == "clients" {
                continue;
            }
            let error = match (self.kind, key) {
                (SchemeKind::ApiKey, "query" | "query_param" | "query_parameter") => {
                    FieldError::QueryKeyLocation
                }
                (SchemeKind::Jwt, "secret" | "hmac_secret" | "key") => {
                    FieldError::InlineSecret(key.into())
                }
                _ => FieldError::UnknownField { kind: self.kind, field: key.into() },
            };
            self.errors.push((field.key.span, error));
        }
    }

    fn field(&self, name: &str) -> Option<&'a SchemeField> {
        self.fields.iter().find(|f| f.key.value == name)
    }

    fn fail<T>(&mut self, span: Span, error: FieldError) -> Option<T> {
        self.errors.push((span, error));
        None
    }

    fn text(&mut self, name: &str) -> Option<Spanned<String>> {
        let field = self.field(name)?;
        match &field.value.value {
            FieldValue::Scalar(text) => Some(Spanned::new(text.clone(), field.value.span)),
            _ => {
                let expected = "a single value";
                self.fail(field.value.span, FieldError::WrongShape { field: name.into(), expected })
            }
        }
    }

    fn required_text(&mut self, name: &'static str) -> Option<String> {
        if self.field(name).is_none() {
            let kind = self.kind;
            return self.fail(self.at, FieldError::MissingField { kind, field: name });
        }
        self.text(name).map(|t| t.value)
    }

    fn list(&mut self, name: &str) -> Vec<Spanned<String>> {
        let Some(field) = self.field(name) else {
            return Vec::new();
        };
        match &field.value.value {
            FieldValue::Scalar(text) => vec![Spanned::new(text.clone(), field.value.span)],
            FieldValue::List(items) => items.clone(),
            _ => {
                let expected = "a value or a list of values";
                let error = FieldError::WrongShape { field: name.into(), expected };
                self.errors.push((field.value.span, error));
                Vec::new()
            }
        }
    }

    fn duration(&mut self, name: &str) -> Option<Duration> {
        let text = self.text(name)?;
        match Duration::parse(&text.value) {
            Some(duration) => Some(duration),
            None => self.fail(text.span, FieldError::BadDuration(text.value)),
        }
    }

    fn boolean(&mut self, name: &str, default: bool) -> bool {
        let Some(text) = self.text(name) else {
            return default;
        };
        match text.value.as_str() {
            "true" => true,
            "false" => false,
            _ => {
                let expected = "`true` or `false`";
                let error = FieldError::WrongShape { field: name.into(), expected };
                self.errors.push((text.span, error));
                default
            }
        }
    }

    /// A header or cookie name: an RFC 9110 token.
    fn token(&mut self, name: &'static str, what: &'static str) -> Option<String> {
        let text = self.text(name)?;
        if is_token(&text.value) {
            return Some(text.value);
        }
        self.fail(text.span, FieldError::BadToken { what, text: text.value })
    }

    /// The `clients` list, which every kind may have.
    fn clients(&mut self) -> Vec<Client> {
        let mut clients = Vec::new();
        for name in self.list("clients") {
            match Client::ALL.iter().find(|c| c.as_str() == name.value) {
                Some(client) if !clients.contains(client) => clients.push(*client),
                Some(_) => {}
                None => self.errors.push((name.span, FieldError::UnknownClient(name.value))),
            }
        }
        clients
    }

    fn jwt(&mut self) -> Option<JwtConfig> {
        // Every field is read before any is required, so that all problems are reported.
        let algorithms = self.algorithms();
        let keys = self.keys();
        let issuer = self.text("issuer").map(|t| t.value);
        let audience = self.list("audience").into_iter().map(|a| a.value).collect();
        let leeway = self.duration("leeway").unwrap_or_default();
        let max_lifetime = self.duration("max_lifetime");
        let scope_claim = self.text("scope_claim").map_or_else(|| "scope".into(), |t| t.value);
        let subject_claim = self.text("subject_claim").map_or_else(|| "sub".into(), |t| t.value);
        let typ = self.text("typ").map(|t| t.value);
        Some(JwtConfig {
            issuer,
            audience,
            algorithms: algorithms?,
            keys: keys?,
            leeway,
            max_lifetime,
            scope_claim,
            subject_claim,
            typ,
        })
    }

    fn algorithms(&mut self) -> Option<Vec<Algorithm>> {
        let Some(field) = self.field("algorithms") else {
            let kind = self.kind;
            return self.fail(self.at, FieldError::MissingField { kind, field: "algorithms" });
        };
        let reported = self.errors.len();
        let written = self.list("algorithms");
        if self.errors.len() > reported {
            return None;
        }
        if written.is_empty() {
            let expected = "a non-empty list, e.g. `[RS256]`";
            let error = FieldError::WrongShape { field: "algorithms".into(), expected };
            return self.fail(field.value.span, error);
        }

        let mut algorithms = Vec::new();
        for name in written {
            if name.value.eq_ignore_ascii_case("none") {
                self.errors.push((name.span, FieldError::AlgorithmNone));
            } else if let Some(alg) = Algorithm::ALL.iter().find(|a| a.as_str() == name.value) {
                if !algorithms.contains(alg) {
                    algorithms.push(*alg);
                }
            } else {
                self.errors.push((name.span, FieldError::UnknownAlgorithm(name.value)));
            }
        }
        Some(algorithms)
    }

    fn keys(&mut self) -> Option<KeySource> {
        let Some(field) = self.field("keys") else {
            let kind = self.kind;
            return self.fail(self.at, FieldError::MissingField { kind, field: "keys" });
        };
        let FieldValue::Map(entries) = &field.value.value else {
            let expected = "a map with one of `jwks_file`, `pem_file` or `hmac_secret_env`";
            let error = FieldError::WrongShape { field: "keys".into(), expected };
            return self.fail(field.value.span, error);
        };

        let mut sources = Vec::new();
        for entry in entries {
            let key = entry.key.value.as_str();
            let dotted = format!("keys.{key}");
            let text = match &entry.value.value {
                FieldValue::Scalar(text) => text.clone(),
                _ => {
                    let error = FieldError::WrongShape { field: dotted, expected: "a string" };
                    self.errors.push((entry.value.span, error));
                    continue;
                }
            };
            let source = match key {
                "jwks_file" => KeySource::JwksFile(PathBuf::from(text)),
                "pem_file" => KeySource::PemFile(PathBuf::from(text)),
                "hmac_secret_env" => KeySource::HmacSecretEnv(text),
                "hmac_secret" | "secret" | "pem" | "jwks" | "key" => {
                    self.errors.push((entry.key.span, FieldError::InlineSecret(dotted)));
                    continue;
                }
                _ => {
                    let error = FieldError::UnknownField { kind: self.kind, field: dotted };
                    self.errors.push((entry.key.span, error));
                    continue;
                }
            };
            sources.push(source);
        }

        match sources.len() {
            1 => sources.pop(),
            0 if !self.errors.is_empty() => None,
            _ => self.fail(field.key.span, FieldError::KeySourceCount),
        }
    }

    fn api_key(&mut self) -> Option<ApiKeyConfig> {
        let header = self.token("header", "header").unwrap_or_else(|| "X-API-Key".to_owned());
        let authorization_scheme = self.token("authorization_scheme", "auth-scheme");
        if let (Some(name), Some(field)) =
            (&authorization_scheme, self.field("authorization_scheme"))
            && name.eq_ignore_ascii_case("bearer")
        {
            self.errors.push((field.value.span, FieldError::BearerApiKey));
        }
        let prefixes = self.list("prefixes").into_iter().map(|p| p.value).collect();
        let store = self.required_text("store");
        Some(ApiKeyConfig { header, authorization_scheme, prefixes, store: store? })
    }

    fn session(&mut self) -> Option<SessionConfig> {
        let cookie = match self.field("cookie") {
            Some(_) => self.token("cookie", "cookie"),
            None => {
                let kind = self.kind;
                self.fail(self.at, FieldError::MissingField { kind, field: "cookie" })
            }
        };
        let csrf_header = self.token("csrf_header", "header");
        let same_site = match self.text("same_site") {
            None => SameSite::Lax,
            Some(text) => match text.value.as_str() {
                "strict" => SameSite::Strict,
                "lax" => SameSite::Lax,
                "none" => SameSite::None,
                _ => {
                    self.errors.push((text.span, FieldError::BadSameSite(text.value)));
                    SameSite::Lax
                }
            },
        };
        let secure = self.boolean("secure", true);
        let http_only = self.boolean("http_only", true);
        let store = self.required_text("store");
        Some(SessionConfig {
            cookie: cookie?,
            csrf_header,
            same_site,
            secure,
            http_only,
            store: store?,
        })
    }
}

/// RFC 9110 `token`: the shape of header names, cookie names and auth-schemes.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip_in_canonical_units() {
        for (text, seconds, printed) in [
            ("30s", 30, "30s"),
            ("15m", 900, "15m"),
            ("60m", 3600, "1h"),
            ("90d", 7_776_000, "90d"),
            ("0s", 0, "0s"),
        ] {
            let duration = Duration::parse(text).unwrap();
            assert_eq!(duration.as_secs(), seconds);
            assert_eq!(duration.to_string(), printed);
        }
        let bad_units = ["1é", "1\u{2d2}", "é", "30\u{1F600}"];
        let bad = ["", "s", "30", "30 s", "-1s", "1w", "1.5h", "99999999999999999999s", "3651d"];
        for bad in bad.into_iter().chain(bad_units) {
            assert_eq!(Duration::parse(bad), None, "{bad}");
        }
    }
}
