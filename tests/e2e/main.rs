//! End-to-end tests: the real `provenance-ls` binary over stdio, with real
//! git repositories built by each test.

mod support;

mod attribution;
mod blocks;
mod mark;
