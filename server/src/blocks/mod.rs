//! TODO: owned by the blocks work stream.
