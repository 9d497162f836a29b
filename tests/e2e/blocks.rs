//! Blocks and risk end to end (filled in below).
