//! Taobao affiliate client (see the affiliates spec). Work in progress: conversion is not wired yet.

use super::{AffiliateError, Attribution, Conversion};
use crate::config::TaobaoSettings;
use crate::links::ProductRef;
use crate::platform::Platform;
use std::sync::Arc;

#[derive(Clone)]
pub struct TaobaoClient {
    inner: Arc<Inner>,
}

struct Inner {
    settings: TaobaoSettings,
    http: reqwest::Client,
}

impl TaobaoClient {
    pub fn new(settings: TaobaoSettings, http: reqwest::Client) -> Self {
        TaobaoClient { inner: Arc::new(Inner { settings, http }) }
    }

    pub async fn convert(&self, r: &ProductRef, attr: &Attribution) -> Result<Conversion, AffiliateError> {
        let _ = (r, attr, &self.inner.settings, &self.inner.http);
        Err(AffiliateError::NotConfigured(Platform::Taobao))
    }
}
