//! `provenance-ls report`.

use std::process::ExitCode;

use super::ReportArgs;

pub fn run(_args: ReportArgs) -> ExitCode {
    super::fail("`report` is not implemented yet")
}
