//! The robots the process runs, by row id and by webhook name. Robots declared in the settings are there from
//! the start; a robot added on the dashboard joins while the process runs (no restart).

use crate::engine::RobotCtx;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tokio::sync::Notify;

/// The running robots. Lookups hand out clones: a robot's context is small and its shared parts are `Arc`s.
#[derive(Clone, Default)]
pub struct Robots {
    inner: Arc<RwLock<HashMap<i64, RobotCtx>>>,
}

impl Robots {
    pub fn new(robots: impl IntoIterator<Item = RobotCtx>) -> Robots {
        Robots { inner: Arc::new(RwLock::new(robots.into_iter().map(|r| (r.id, r)).collect())) }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<i64, RobotCtx>> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, id: &i64) -> Option<RobotCtx> {
        self.read().get(id).cloned()
    }

    pub fn contains_key(&self, id: &i64) -> bool {
        self.read().contains_key(id)
    }

    /// The robot whose webhook path carries `name`.
    pub fn by_name(&self, name: &str) -> Option<RobotCtx> {
        self.read().values().find(|r| r.settings.name == name).cloned()
    }

    /// Every robot, by id.
    pub fn values(&self) -> std::vec::IntoIter<RobotCtx> {
        let mut all: Vec<RobotCtx> = self.read().values().cloned().collect();
        all.sort_by_key(|r| r.id);
        all.into_iter()
    }

    pub fn keys(&self) -> std::vec::IntoIter<i64> {
        self.values().map(|r| r.id).collect::<Vec<_>>().into_iter()
    }

    /// Adds a robot or replaces its context (e.g. its wxid after its first login).
    pub fn insert(&self, robot: RobotCtx) {
        self.inner.write().unwrap_or_else(|p| p.into_inner()).insert(robot.id, robot);
    }
}

/// Per robot: woken when rows are queued for its outbox sender.
#[derive(Clone, Default)]
pub struct Wakes {
    inner: Arc<RwLock<HashMap<i64, Arc<Notify>>>>,
}

impl Wakes {
    pub fn get(&self, id: &i64) -> Option<Arc<Notify>> {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).get(id).cloned()
    }

    /// The robot's wake, created on first use.
    pub fn of(&self, id: i64) -> Arc<Notify> {
        self.inner.write().unwrap_or_else(|p| p.into_inner()).entry(id).or_default().clone()
    }
}
