//! The pest parser generated from `grammar/policy.pest`; its types stay inside `syntax`.

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/policy.pest"]
pub(super) struct PolicyParser;
