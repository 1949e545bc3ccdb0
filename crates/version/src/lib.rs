//! plinth-version: being built.
