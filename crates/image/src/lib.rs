//! Image sources and the streaming layer walk.
