//! Random edit scripts: never panic, keep the region invariants, and replay
//! (from empty, and twice) rebuilds exactly what live editing produced.
