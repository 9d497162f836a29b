//! End-to-end tests: the real binary over stdio.

mod attribution;
mod blocks;
