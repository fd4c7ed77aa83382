//! The builder of the dashboard's route table ([`super::table`]): it adds each route to the router and records what
//! the rest of the dashboard derives from the table: the navigation (pages added with [`Routes::page`]) and the
//! API's operations (method and path of every `/admin/api/` route), which the OpenAPI document must match.

use crate::http::AppState;
use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodRouter, get, post};

/// Who sees a page in the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    AdminOnly,
}

/// An entry of the navigation.
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    pub path: &'static str,
    pub label: &'static str,
    pub audience: Audience,
}

#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    nav: Vec<NavEntry>,
    api: Vec<(&'static str, &'static str)>,
}

impl Routes {
    /// A page in the navigation, answering GET.
    pub fn page<H, T>(mut self, path: &'static str, label: &'static str, audience: Audience, h: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.nav.push(NavEntry { path, label, audience });
        self.get(path, h)
    }

    pub fn get<H, T>(self, path: &'static str, h: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("get", path, get(h))
    }

    pub fn post<H, T>(self, path: &'static str, h: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("post", path, post(h))
    }

    /// Methods added for one path are merged into one route.
    fn add(mut self, method: &'static str, path: &'static str, route: MethodRouter<AppState>) -> Routes {
        if path.starts_with("/admin/api/") {
            self.api.push((method, path));
        }
        self.router = self.router.route(path, route);
        self
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }

    pub fn nav(&self) -> &[NavEntry] {
        &self.nav
    }

    /// `(method, path)` of every API route, method in lower case, paths with `{id}` parameters.
    pub fn api(&self) -> &[(&'static str, &'static str)] {
        &self.api
    }
}
