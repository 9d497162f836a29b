//! TODO: owned by the text work stream.
