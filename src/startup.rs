//! Builds the application: state, router, workers.
