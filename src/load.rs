//! Loading: from a file or text to an [`Engine`], in either syntax.
//!
//! This is where policy text enters. It is bounded before any parser sees it (size, UTF-8),
//! and each parser bounds itself further (the YAML reader's budget refuses alias bombs and
//! deep nesting; the DSL grammar has no recursive rule, so its nesting is fixed: a scheme
//! body or an alternative's parentheses, one level each).

use std::path::{Path, PathBuf};

use crate::compile::{CompileOptions, Engine, PolicyLimits};
use crate::error::{Diagnostic, LoadError};
use crate::model::{Document, Span};
use crate::syntax::SyntaxError;

/// The largest policy file accepted: 16 MiB, room for well over 100,000 routes.
pub const MAX_POLICY_BYTES: usize = 16 * 1024 * 1024;

/// The two ways to write a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// The DSL (`.policy` files).
    Dsl,
    /// YAML (`.yaml` and `.yml` files).
    Yaml,
}

impl Syntax {
    /// The syntax a file's extension names: `.policy` for the DSL, `.yaml`/`.yml` for YAML.
    pub fn from_path(path: &Path) -> Option<Syntax> {
        match path.extension()?.to_str()? {
            "policy" => Some(Syntax::Dsl),
            "yaml" | "yml" => Some(Syntax::Yaml),
            _ => None,
        }
    }
}

/// Reads policy text into the model without compiling it.
///
/// # Errors
/// Every problem the reader found, in file order.
pub fn parse(source: &[u8], syntax: Syntax) -> Result<Document, Vec<Diagnostic>> {
    parse_within(source, syntax, MAX_POLICY_BYTES)
}

/// [`parse`], refusing text over `max_bytes` (held to [`MAX_POLICY_BYTES`] by the readers).
fn parse_within(
    source: &[u8],
    syntax: Syntax,
    max_bytes: usize,
) -> Result<Document, Vec<Diagnostic>> {
    if source.len() > max_bytes {
        let error = SyntaxError::TooLarge { bytes: source.len(), limit: max_bytes };
        return Err(vec![Diagnostic::new(Span::new(1, 1), error)]);
    }
    let text = std::str::from_utf8(source).map_err(|error| {
        let valid = source.get(..error.valid_up_to()).unwrap_or_default();
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let last_line = valid.get(line_start..).unwrap_or_default();
        let column = String::from_utf8_lossy(last_line).chars().count() + 1;
        let span = Span::new(clamp(line), clamp(column));
        vec![Diagnostic::new(span, SyntaxError::NotUtf8)]
    })?;

    match syntax {
        Syntax::Dsl => crate::syntax::parse(text),
        Syntax::Yaml => crate::yaml::parse(text),
    }
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Engine {
    /// Loads and compiles a policy file; the syntax follows the extension, and key files
    /// are looked for beside the policy.
    ///
    /// # Errors
    /// [`LoadError::Io`] if the file cannot be read, [`LoadError::Invalid`] with every
    /// problem found otherwise.
    pub fn load(path: impl AsRef<Path>) -> Result<Engine, LoadError> {
        Engine::load_with(path, PolicyLimits::default())
    }

    /// [`Engine::load`] within other limits than the defaults.
    ///
    /// # Errors
    /// As [`Engine::load`]; a policy over a limit is [`LoadError::Invalid`].
    pub fn load_with(path: impl AsRef<Path>, limits: PolicyLimits) -> Result<Engine, LoadError> {
        let path = path.as_ref();
        let invalid = |diagnostics| LoadError::Invalid { file: Some(path.into()), diagnostics };
        let Some(syntax) = Syntax::from_path(path) else {
            let diagnostic = Diagnostic::new(Span::new(1, 1), SyntaxError::UnknownExtension);
            return Err(invalid(vec![diagnostic]));
        };
        let source = read_bounded(path, limits.bytes())?;
        let base_dir = Some(path.parent().map_or_else(PathBuf::new, Path::to_path_buf));

        let doc = parse_within(&source, syntax, limits.bytes()).map_err(invalid)?;
        Engine::compile(&doc, &CompileOptions { base_dir, limits }).map_err(invalid)
    }

    /// Compiles policy text. Key files are not looked for (there is no folder to look in).
    ///
    /// # Errors
    /// [`LoadError::Invalid`] with every problem found.
    pub fn from_text(source: &str, syntax: Syntax) -> Result<Engine, LoadError> {
        Engine::from_text_with(source, syntax, PolicyLimits::default())
    }

    /// [`Engine::from_text`] within other limits than the defaults.
    ///
    /// # Errors
    /// As [`Engine::from_text`]; a policy over a limit is [`LoadError::Invalid`].
    pub fn from_text_with(
        source: &str,
        syntax: Syntax,
        limits: PolicyLimits,
    ) -> Result<Engine, LoadError> {
        let invalid = |diagnostics| LoadError::Invalid { file: None, diagnostics };
        let doc = parse_within(source.as_bytes(), syntax, limits.bytes()).map_err(invalid)?;
        Engine::compile(&doc, &CompileOptions { base_dir: None, limits }).map_err(invalid)
    }
}

/// Reads at most one byte more than `max_bytes`, so that a huge or endless file (a FIFO,
/// `/dev/zero`) is refused without being read whole.
fn read_bounded(path: &Path, max_bytes: usize) -> Result<Vec<u8>, LoadError> {
    use std::io::Read as _;

    let io = |source| LoadError::Io { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut source = Vec::new();
    let limit = u64::try_from(max_bytes).unwrap_or(u64::MAX) + 1;
    file.take(limit).read_to_end(&mut source).map_err(io)?;
    Ok(source)
}
