//! Document text and the one place for position encodings (UTF-8/16/32 ↔
//! char offsets over ropey). No other module does column arithmetic.
