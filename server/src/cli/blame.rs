//! `provenance-ls blame`.

use std::process::ExitCode;

use super::BlameArgs;

pub fn run(_args: BlameArgs) -> ExitCode {
    super::fail("`blame` is not implemented yet")
}
