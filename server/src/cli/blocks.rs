//! `provenance-ls blocks`.

use std::process::ExitCode;

use super::BlocksArgs;

pub fn run(_args: BlocksArgs) -> ExitCode {
    super::fail("`blocks` is not implemented yet")
}
