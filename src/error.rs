//! Errors of loading a policy: one [`Diagnostic`] per problem, each with a position.
//!
//! Every stage has its own error enum ([`SyntaxError`](crate::syntax::SyntaxError) for the
//! DSL, [`YamlError`](crate::yaml::YamlError), [`FieldError`] for scheme bodies,
//! [`PatternError`] for routes, [`CompileError`](crate::compile::CompileError) for the policy
//! as a whole); [`PolicyError`] gathers them so that a caller sees one list in file order.

use std::fmt;
use std::path::PathBuf;

use crate::compile::CompileError;
use crate::model::{FieldError, PatternError, Span};
use crate::syntax::SyntaxError;
use crate::yaml::YamlError;

/// One problem in a policy file, at a position.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Where the problem is.
    pub span: Span,
    /// What the problem is.
    pub error: PolicyError,
}

impl Diagnostic {
    /// A diagnostic for `error` at `span`.
    pub fn new(span: Span, error: impl Into<PolicyError>) -> Diagnostic {
        Diagnostic { span, error: error.into() }
    }

    /// How to put the problem right, when the message alone does not say.
    pub fn help(&self) -> Option<String> {
        match &self.error {
            PolicyError::Field(error) => error.help(),
            PolicyError::Compile(error) => error.help(),
            PolicyError::Syntax(error) => error.help(),
            PolicyError::Yaml(error) => error.help(),
            PolicyError::Pattern(_) => None,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error: {}", self.span, self.error)?;
        if let Some(help) = self.help() {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// What is wrong, by the stage that found it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The DSL could not be read.
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    /// The YAML could not be read.
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// A scheme's fields are wrong.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// A route pattern is wrong.
    #[error(transparent)]
    Pattern(#[from] PatternError),
    /// The policy as a whole is inconsistent or unsafe.
    #[error(transparent)]
    Compile(#[from] CompileError),
}

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The policy has problems; every one found is listed, in file order.
    #[error("{} has {} error(s)", describe(file), diagnostics.len())]
    Invalid {
        /// The file, when the policy came from one.
        file: Option<PathBuf>,
        /// The problems, sorted by position.
        diagnostics: Vec<Diagnostic>,
    },
}

fn describe(file: &Option<PathBuf>) -> String {
    file.as_ref().map_or("the policy".into(), |f| format!("`{}`", f.display()))
}

impl LoadError {
    /// The diagnostics, empty for an I/O error.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Invalid { diagnostics, .. } => diagnostics,
            LoadError::Io { .. } => &[],
        }
    }
}
