//! Jd affiliate client (see the affiliates spec). Work in progress: conversion is not wired yet.

use super::{AffiliateError, Attribution, Conversion};
use crate::config::JdSettings;
use crate::links::ProductRef;
use crate::platform::Platform;
use std::sync::Arc;

#[derive(Clone)]
pub struct JdClient {
    inner: Arc<Inner>,
}

struct Inner {
    settings: JdSettings,
    http: reqwest::Client,
}

impl JdClient {
    pub fn new(settings: JdSettings, http: reqwest::Client) -> Self {
        JdClient { inner: Arc::new(Inner { settings, http }) }
    }

    pub async fn convert(&self, r: &ProductRef, attr: &Attribution) -> Result<Conversion, AffiliateError> {
        let _ = (r, attr, &self.inner.settings, &self.inner.http);
        Err(AffiliateError::NotConfigured(Platform::Jd))
    }
}
