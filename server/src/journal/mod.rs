//! TODO: owned by the journal work stream.
