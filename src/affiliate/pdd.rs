//! Pdd affiliate client (see the affiliates spec). Work in progress: conversion is not wired yet.

use super::{AffiliateError, Attribution, Conversion};
use crate::config::PddSettings;
use crate::links::ProductRef;
use crate::platform::Platform;
use std::sync::Arc;

#[derive(Clone)]
pub struct PddClient {
    inner: Arc<Inner>,
}

struct Inner {
    settings: PddSettings,
    http: reqwest::Client,
}

impl PddClient {
    pub fn new(settings: PddSettings, http: reqwest::Client) -> Self {
        PddClient { inner: Arc::new(Inner { settings, http }) }
    }

    pub async fn convert(&self, r: &ProductRef, attr: &Attribution) -> Result<Conversion, AffiliateError> {
        let _ = (r, attr, &self.inner.settings, &self.inner.http);
        Err(AffiliateError::NotConfigured(Platform::Pdd))
    }
}
