//! plinth-vulndb: being built.
