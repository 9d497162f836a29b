//! `provenance-ls history`.

use std::process::ExitCode;

use super::HistoryArgs;

pub fn run(_args: HistoryArgs) -> ExitCode {
    super::fail("`history` is not implemented yet")
}
