//! plinth-lint: being built.
