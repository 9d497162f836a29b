//! TODO: owned by the history work stream.
