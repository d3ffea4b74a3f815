//! `docker` command lines parsed into typed requests (work in progress).
