//! A lock's register, shared by `acquireLock`, `acquireLease` and `releaseLock`.

use super::OpError;
use crate::json_object::object;
use serde_json::Value as Json;

/// A lock's register: `{ owner, expiresAt, token }`, or `null` for a lock never taken.
///
/// Invariant: `token` grows by one with every grant and never decreases — a release keeps it —
/// so a token is a fencing token (Chubby's sequencer): a holder's token is greater than every
/// earlier holder's.
#[derive(Clone, Debug, PartialEq, Default)]
pub(super) struct Lock {
    owner: Option<String>,
    /// Virtual ms at which the grant lapses; `None`: held until released.
    expires_at: Option<u64>,
    token: u64,
}

impl Lock {
    pub(super) fn read(value: &Json) -> Result<Lock, OpError> {
        if value.is_null() {
            return Ok(Lock::default());
        }
        let not_a_lock = || OpError::rejected(format!("the lock's register holds {value}, not a lock"));
        let owner = match value.get("owner").ok_or_else(not_a_lock)? {
            Json::Null => None,
            Json::String(s) => Some(s.clone()),
            _ => return Err(not_a_lock()),
        };
        let expires_at = match value.get("expiresAt") {
            None | Some(Json::Null) => None,
            Some(t) => Some(t.as_u64().ok_or_else(not_a_lock)?),
        };
        let token = match value.get("token") {
            None => 0,
            Some(t) => t.as_u64().ok_or_else(not_a_lock)?,
        };
        Ok(Lock { owner, expires_at, token })
    }

    pub(super) fn to_json(&self) -> Json {
        object! { "owner": self.owner.clone(), "expiresAt": self.expires_at, "token": self.token }
    }

    /// The owner of the lock at `now_ms`, if it is held and has not expired.
    pub(super) fn holder(&self, now_ms: u64) -> Option<&str> {
        match self.expires_at {
            Some(t) if t <= now_ms => None,
            _ => self.owner.as_deref(),
        }
    }

    pub(super) fn grant(&self, owner: &str, expires_at: Option<u64>) -> Lock {
        Lock { owner: Some(owner.to_owned()), expires_at, token: self.token + 1 }
    }

    pub(super) fn released(&self) -> Lock {
        Lock { owner: None, expires_at: None, token: self.token }
    }

    /// The lease as `acquireLease` answers it: who holds the lock at `now_ms` and its token.
    pub(super) fn lease(&self, acquired: bool, now_ms: u64) -> Json {
        let holder = self.holder(now_ms);
        object! {
            "acquired": acquired,
            "holder": holder,
            "expiresAt": holder.and(self.expires_at),
            "token": self.token,
        }
    }
}
