//! `provenance-ls mark`.

use std::process::ExitCode;

use super::MarkArgs;

pub fn run(_args: MarkArgs) -> ExitCode {
    super::fail("`mark` is not implemented yet")
}
